"""Issue 17 in Chromium: an agency writes its block (with a footnote; leaving with it unsaved is held) and
the office writes a narrative part, presses "Cập nhật số liệu" before saving, is asked first, and loses
nothing; the Word file has both."""

from __future__ import annotations

from datetime import date

import docx
import sqlalchemy as sa

from app.extensions import db
from app.models import AgencyPeriodInput, Organisation, PeriodReport, User
from app.reports.docx import read_footnotes
from tests.e2e.test_journeys import AGENCY_OFFICER, OFFICE

BTG_TEXT = ("Ban Tuyên giáo Huyện ủy tổ chức 968 cuộc tuyên truyền, có 16.511 lượt người dự"
            "[^Trong đó 120 cuộc tại các chi bộ ấp.].")
KEY_WORK = "- Tổ chức triển khai, quán triệt Chuyên đề năm 2024 - 2025 của Tỉnh ủy."


def _leaving_is_held(browser) -> bool:
    """Whether the page's beforeunload handler asks to stay (the unsaved-changes warning)."""
    return browser.driver.execute_script(
        "var e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented;")


def _committed(stmt):
    db.session.commit()
    db.session.expire_all()
    return db.session.scalar(stmt)


def test_agency_block_and_narrative_part_through_the_web_editor(browser):
    # 1. The agency types its block; leaving with the typing unsaved asks first.
    browser.login(AGENCY_OFFICER)
    browser.go("/reports/inputs/2024-Q2")
    assert not _leaving_is_held(browser)
    browser.fill("textarea[name=results_text]", BTG_TEXT)
    # Headless Chromium never shows the native "Leave site?" box, so ask the page what it would do.
    assert _leaving_is_held(browser)
    browser.shot("agency block typed")
    browser.click_and_wait("form[data-testid=agency-input-form] button[type=submit]")
    btg = _committed(sa.select(Organisation).where(Organisation.code == "BTG"))
    entry = _committed(sa.select(AgencyPeriodInput).where(
        AgencyPeriodInput.organisation_id == btg.id, AgencyPeriodInput.year == 2024,
        AgencyPeriodInput.period_index == 2))
    assert entry.results_text == BTG_TEXT

    # 2. The office writes II.2 and presses "Cập nhật số liệu" before saving: asked, then both kept.
    from app.core.periods import Period
    from app.reports.drafts import create_report
    from app.reports.narrative import narrative_of

    office = _committed(sa.select(User).where(User.email == OFFICE))
    report = create_report(office, Period(2024, "quarter", 2), date(2024, 6, 20))
    db.session.commit()
    browser.login(OFFICE)
    browser.go(f"/reports/{report.id}")
    browser.fill("textarea[name=n_key_work]", KEY_WORK)
    browser.set_date("form[data-regenerate] input[name=as_of]", date(2024, 6, 30))
    browser.shot("narrative typed, not saved")
    browser.navigating(lambda: browser.click("form[data-regenerate] button[type=submit]"), accept_confirm=True)
    assert "Đã lưu nội dung và cập nhật số liệu đến ngày 30/6/2024" in browser.text("main")
    row = _committed(sa.select(PeriodReport).where(PeriodReport.id == report.id))
    assert row.as_of == date(2024, 6, 30) and narrative_of(row)["key_work"] == KEY_WORK
    browser.shot("saved and regenerated")

    browser.click(f"a[href='/reports/{report.id}/report.docx']")
    path = browser.wait_download(".docx")
    lines = [p.text for p in docx.Document(str(path)).paragraphs]
    assert KEY_WORK in lines
    assert BTG_TEXT.replace("[^Trong đó 120 cuộc tại các chi bộ ấp.]", "") in lines
    assert "Trong đó 120 cuộc tại các chi bộ ấp." in read_footnotes(path.read_bytes())
