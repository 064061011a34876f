"""Issue 18 in the browser: one form behaviour, dates that do not depend on the browser's language,
and the "Nhắc ngay" feedback.  (Accessibility, aria-current, phone widths and the screenshots of
every main page are checked by the per-role page walk in test_journeys.py.)"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

from app.core.clock import today_local
from app.core.enums import TaskStatus
from app.extensions import db
from app.models import Organisation, PeriodReport, ProgressReport, Task
from tests.e2e.conftest import CHROMEDRIVER, CHROMIUM, CHROMIUM_FLAGS, WAIT_SECONDS, Browser, _is_gone

OFFICE = "ha.ntt@phunghiep.example"
AGENCY_OFFICER = "tram.pn@phunghiep.example"  # Ban Tuyên giáo (BTG)


def _fresh_count(model, **where) -> int:
    db.session.commit()
    db.session.expire_all()
    return len(db.session.scalars(sa.select(model).filter_by(**where)).all())


def _btg_open_task() -> Task:
    btg = db.session.scalar(sa.select(Organisation).where(Organisation.code == "BTG"))
    return db.session.scalars(
        sa.select(Task).where(Task.lead_org_id == btg.id, Task.status != TaskStatus.COMPLETED,
                              Task.due_date.is_not(None), Task.parent_task_id.is_(None))
        .order_by(Task.due_date, Task.id)).first()


def _active_element_name(browser: Browser) -> str:
    return browser.driver.execute_script("return document.activeElement && document.activeElement.name || '';")


def test_report_form_guards_unsaved_work_focuses_the_error_and_ignores_a_second_click(browser, tmp_path):
    task = _btg_open_task()
    evidence = tmp_path / "bien-ban.pdf"
    evidence.write_bytes(b"%PDF-1.4\n%%EOF\n")
    browser.login(AGENCY_OFFICER)
    browser.go(f"/tasks/{task.id}")
    # The proposal has its own button; it opens the report form with the proposal chosen.
    browser.click_and_wait("[data-testid=propose-completion-button]")
    assert browser.find("select[name=status]").get_attribute("value") == TaskStatus.COMPLETION_PROPOSED.value
    asks_before_leaving = "return !window.dispatchEvent(new Event('beforeunload', {cancelable: true}));"
    assert browser.driver.execute_script(asks_before_leaving) is False  # nothing changed yet
    browser.select_value("select[name=status]", TaskStatus.IN_PROGRESS.value)
    # The file picker speaks Vietnamese, whatever the browser's language.
    assert browser.text(".file-picker-button") == "Chọn tệp…"

    # Unsaved changes: leaving would ask first (WebDriver answers a real beforeunload prompt by itself,
    # so the page's answer to the event is what is checked: cancelled = the browser asks).
    browser.fill("textarea[name=result_text]", "Đã tổ chức 3 hội nghị quán triệt.")
    assert browser.driver.execute_script(asks_before_leaving) is True

    # A server-side error: the message is next to the field, the focus is on it, files are asked again.
    browser.find("input[type=file][name=evidence]").send_keys(str(evidence))
    browser.fill("input[name=reported_on]", "31/02/2026")
    browser.click_and_wait("#progress-report-form button[type=submit]")
    field = browser.find("input[name=reported_on]")
    assert "is-invalid" in field.get_attribute("class") and field.get_attribute("aria-invalid") == "true"
    assert "dd/mm/yyyy" in browser.text(f"#{field.get_attribute('id')}-error")
    assert _active_element_name(browser) == "reported_on"
    assert browser.find(".file-picker-again").is_displayed()
    assert browser.find("textarea[name=result_text]").get_attribute("value").startswith("Đã tổ chức")
    # The browser logs the form's 422 answer as a failed load: expected here, and nothing else.
    logged = [e["message"] for e in browser.driver.get_log("browser") if e["level"] == "SEVERE"]
    assert all("422" in message for message in logged), logged
    browser.shot("report form error focused")

    # Busy state: on a slow line the button is disabled at once and a second click sends nothing more.
    browser.fill("input[name=reported_on]", today_local().strftime("%d/%m/%Y"))
    before = _fresh_count(ProgressReport, task_id=task.id)
    browser.driver.execute_cdp_cmd("Network.enable", {})
    browser.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": 700, "downloadThroughput": -1, "uploadThroughput": -1})
    try:
        button = browser.find("#progress-report-form button[type=submit]")
        old = browser.find("html")
        # Two clicks and a third submit in a row, then the form's state 50 ms later, read in the same
        # script (the driver would otherwise wait for the next page before asking).
        state = browser.driver.execute_async_script("""
            const done = arguments[arguments.length - 1], button = arguments[0], form = button.form;
            const sent = [];  // per submit event, after the page's handlers: did it go through?
            window.addEventListener('submit', (event) => sent.push(!event.defaultPrevented));
            button.click(); button.click(); form.requestSubmit();
            setTimeout(() => done([sent, form.getAttribute('aria-busy'), button.disabled,
                                   !!button.querySelector('.spinner-border')]), 50);""", button)
        assert state == [[True, False, False], "true", True, True], state
        WebDriverWait(browser.driver, WAIT_SECONDS).until(lambda _d: _is_gone(old))
        browser.wait_ready()
    finally:
        browser.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    browser.wait_text("main", "Đã gửi báo cáo tiến độ.")
    assert browser.path == f"/tasks/{task.id}"
    assert _fresh_count(ProgressReport, task_id=task.id) == before + 1
    # The task page's breadcrumb leads back to the agency's inbox, at the task's row.
    assert browser.find("[data-testid=breadcrumb-inbox]").get_attribute("href").endswith(f"/progress/inbox#task-{task.id}")


@pytest.fixture
def english_browser(live_server, demo, tmp_path):
    """A second headless Chromium whose language is English (dates in its own pickers read mm/dd/yyyy)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument("--lang=en-US")
    options.add_argument(f"--user-data-dir={tmp_path / 'profile-en'}")
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(1366, 900)
    shots = tmp_path / "shots"
    shots.mkdir()
    helper = Browser(driver, live_server, shots, tmp_path)
    try:
        yield helper
        helper.check()
    finally:
        driver.quit()


def test_dates_are_entered_dd_mm_yyyy_in_an_english_browser(english_browser):
    browser = english_browser
    assert browser.driver.execute_script("return navigator.language;") == "en-US"
    browser.login(OFFICE)
    browser.go("/reports/")
    day = browser.find("input[name=as_of]")
    assert day.get_attribute("type") == "text" and day.get_attribute("placeholder") == "dd/mm/yyyy"
    browser.fill("input[name=year]", "2024")
    browser.select_value("select[name=period_kind]", "quarter")
    browser.select_value("select[name=period_index]", "2")
    # 02/06/2024 is the 2nd of June, whatever the browser's locale (en-US would read 6 February);
    # typed without separators, the helper writes them.
    browser.fill("input[name=as_of]", "02062024")
    browser.driver.execute_script("arguments[0].blur();", browser.find("input[name=as_of]"))
    assert browser.find("input[name=as_of]").get_attribute("value") == "02/06/2024"
    browser.click_and_wait("form[action='/reports/new'] button[type=submit]")
    browser.wait_text("main", "02/06/2024")
    db.session.commit()
    db.session.expire_all()
    report = db.session.scalar(sa.select(PeriodReport).where(PeriodReport.year == 2024, PeriodReport.period_index == 2))
    assert report is not None and report.as_of == date(2024, 6, 2)
