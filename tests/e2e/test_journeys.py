"""The four journeys of issue 8 in headless Chromium, plus phone-width and print checks.

Each journey logs in with a demo account (the demo district is loaded for every test), clicks
through the real pages, saves a screenshot per step under ``artifacts/e2e/<test>/`` and fails on
any browser console error (see conftest).  What the pages claim is checked against the database
too, so a page that only *says* it saved cannot pass.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pytest
import sqlalchemy as sa

from app.core.clock import today_local
from app.core.enums import ReminderKind, ReminderState, TaskStatus
from app.extensions import db
from app.models import Directive, Organisation, PeriodReport, ProgressReport, ReminderLog, Task, User
from tests.e2e.accessibility import preloaded, serious_violations
from tests.e2e.conftest import WINDOW

ROOT = Path(__file__).resolve().parents[2]
NOTICE = ROOT / "app" / "demo" / "data" / "q1_2024_conclusion.txt"

OFFICE = "ha.ntt@phunghiep.example"
OFFICE_CHIEF = "phong.tt@phunghiep.example"
AGENCY_OFFICER = "tram.pn@phunghiep.example"  # Ban Tuyên giáo (BTG)


def _fresh(model, **where):
    """Rows as committed now by the live server: end this session's transaction first (a SQLite or
    PostgreSQL read transaction keeps seeing the snapshot it started with)."""
    db.session.commit()
    db.session.expire_all()
    return db.session.scalars(sa.select(model).filter_by(**where)).all()


# =============================================================================================
# Journey 1: office staff imports a conclusion notice, corrects one task, confirms 9 tasks
# =============================================================================================


def test_office_imports_notice_corrects_a_task_and_confirms(browser):
    # The demo already holds 198-TB/HU: the same notice under a new number and date is a new directive.
    notice = (NOTICE.read_text(encoding="utf-8")
              .replace("198-TB/HU", "205-TB/HU")
              .replace("ngày 18 tháng 3 năm 2024", "ngày 19 tháng 3 năm 2024"))

    browser.login(OFFICE)
    browser.shot("home office")
    browser.click_and_wait("nav a[href='/directives/']")
    browser.click_and_wait("a[href='/directives/import']")
    browser.paste("textarea[name=text]", notice)
    browser.shot("notice pasted")

    browser.click_and_wait("main form button[type=submit]")
    browser.wait_text("h1", "9 nhiệm vụ, 11 nội dung")
    assert len(browser.find_all("[data-review-task]")) == 9
    assert browser.find("#d-number").get_attribute("value") == "205"
    assert browser.find("#d-issued_on").get_attribute("value") == "19/03/2024"
    browser.shot("proposal review")

    # The correction: task 4 (Ban Dân vận) is due within May, not "within the second quarter".
    assert "Ban Dân vận Huyện ủy" in browser.find("#tasks-3-lead option:checked").text
    assert browser.find("#tasks-3-due_phrase").get_attribute("value") == "trong quý II/2024"
    browser.fill("#tasks-3-due_phrase", "trong tháng 5/2024")
    browser.shot("task 4 corrected")

    browser.click_and_wait("main form button.btn-primary[type=submit]")
    assert "/directives/" in browser.path and "import" not in browser.path, browser.text("main")[:500]
    browser.wait_text("main", "Đã lưu 9 nhiệm vụ từ văn bản.")
    browser.wait_text("[data-testid=directive-title]", "205-TB/HU")
    rows = browser.find_all("[data-testid=directive-tasks] tbody tr[data-task-id]")
    assert len(rows) == 9
    fourth_row = rows[3]
    assert "31/05/2024" in fourth_row.text and "trong tháng 5/2024" in fourth_row.text
    assert "30/06/2024" in rows[2].text  # the others keep the notice's due date
    browser.shot("directive with 9 tasks")

    (directive,) = _fresh(Directive, number="205", issuer_suffix="HU")
    tasks = sorted(_fresh(Task, directive_id=directive.id, parent_task_id=None), key=lambda t: t.ordinal)
    assert [t.ordinal for t in tasks] == list(range(1, 10))
    bdv = db.session.scalar(sa.select(Organisation).where(Organisation.code == "BDV"))
    assert tasks[3].lead_org_id == bdv.id
    assert tasks[3].due_phrase == "trong tháng 5/2024" and tasks[3].due_date == date(2024, 5, 31)
    assert all(t.due_date == date(2024, 6, 30) for i, t in enumerate(tasks) if i != 3)
    assert sum(len(t.items) for t in tasks) == 11


# =============================================================================================
# Journey 2: an agency officer reports progress with evidence and proposes completion;
#            the office chief confirms it
# =============================================================================================

#: A small but real PDF (header, catalog, one page, trailer): what a scanned decision would be.
EVIDENCE_PDF = (b"%PDF-1.4\n"
                b"1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
                b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
                b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>> endobj\n"
                b"trailer <</Root 1 0 R>>\n%%EOF\n")


def _org(code: str) -> Organisation:
    return db.session.scalar(sa.select(Organisation).where(Organisation.code == code))


def _open_task_of(code: str) -> Task:
    """The agency's open lead task with the nearest due date (the demo's current-period work)."""
    return db.session.scalars(
        sa.select(Task).where(Task.lead_org_id == _org(code).id, Task.status != TaskStatus.COMPLETED,
                              Task.due_date.is_not(None), Task.parent_task_id.is_(None))
        .order_by(Task.due_date, Task.id)).first()


def test_agency_reports_with_evidence_and_chief_confirms_completion(browser, tmp_path):
    task = _open_task_of("BTG")
    assert task is not None, "the demo district has no open Ban Tuyên giáo task"
    task_id, title = task.id, task.title
    evidence = tmp_path / "ke-hoach-tuyen-truyen.pdf"
    evidence.write_bytes(EVIDENCE_PDF)
    result = ("Đã ban hành Kế hoạch số 45-KH/BTGHU ngày 02/10/2026 tuyên truyền các ngày lễ lớn; "
              "tổ chức 12 buổi sinh hoạt chuyên đề, đăng 36 tin bài định hướng trên mạng xã hội.")

    browser.login(AGENCY_OFFICER)
    browser.shot("home agency officer")
    browser.click_and_wait("nav a[href='/progress/inbox']")
    row = browser.find(f"tr[data-task-id='{task_id}']")
    browser.shot("agency inbox")
    browser.click_and_wait(browser.find("a[data-testid=report-link]", within=row))
    browser.wait_text("[data-testid=task-title]", title[:40])

    browser.select_value("select[name=status]", TaskStatus.COMPLETION_PROPOSED.value)
    percent = browser.find("input[name=progress_percent]")
    # progress.js: proposing completion means 100 %, and says evidence is needed.
    assert percent.get_attribute("value") == "100" and percent.get_attribute("readonly") is not None
    assert browser.find("[data-completion-hint]").is_displayed()
    browser.fill("textarea[name=result_text]", result)
    browser.find("input[type=file][name=evidence]").send_keys(str(evidence))
    browser.shot("report form filled")
    browser.click_and_wait("#progress-report-form button[type=submit]")

    assert browser.path == f"/tasks/{task_id}", browser.text("main")[:500]
    browser.wait_text("main", "Đã gửi báo cáo tiến độ.")
    browser.wait_text("[data-testid=status]", "Đề nghị hoàn thành")
    assert evidence.name in browser.text("main") and result[:60] in browser.text("main")
    browser.shot("task completion proposed")

    browser.login(OFFICE_CHIEF)
    pending = browser.find(f"[data-testid=pending-reviews] a[href='/tasks/{task_id}']")
    browser.shot("home office chief with pending review")
    browser.click_and_wait(pending)
    card = browser.find("[data-testid=pending-review]")
    # The chief opens the evidence before confirming.
    browser.click("main a[href^='/progress/attachments/']")
    assert browser.wait_download(".pdf").read_bytes() == EVIDENCE_PDF
    browser.find("input[name=note]", within=card).send_keys("Đủ minh chứng, xác nhận hoàn thành.")
    browser.shot("review card")
    browser.click_and_wait(browser.find("button.btn-success[type=submit]", within=card))

    browser.wait_text("main", "Đã xác nhận hoàn thành.")
    browser.wait_text("[data-testid=status]", "Hoàn thành")
    assert not browser.exists("[data-testid=pending-review]")
    browser.shot("task completed")

    (saved,) = _fresh(Task, id=task_id)
    assert saved.status is TaskStatus.COMPLETED and saved.progress_percent == 100
    assert saved.completed_on is not None
    (report,) = _fresh(ProgressReport, task_id=task_id)
    assert report.result_text == result and [a.filename for a in report.attachments] == [evidence.name]


# =============================================================================================
# Journey 3: the office chief reviews overdue work, sends a reminder (received by SMTP), exports XLSX
# =============================================================================================


def test_chief_reviews_overdue_sends_reminder_and_exports_xlsx(browser, mailbox):
    task = _open_task_of("UBKT")
    assert task is not None and task.due_date < today_local(), "the demo district has no overdue UBKT task"
    task_id, title = task.id, task.title
    ubkt = _org("UBKT")
    expected_recipients = sorted({e.lower() for e in ubkt.email_list} | {
        u.email.lower() for u in db.session.scalars(sa.select(User).where(
            User.organisation_id == ubkt.id, User.is_active_account.is_(True)))})
    assert expected_recipients, "Ủy ban Kiểm tra has no address to remind"
    note = "Đề nghị Ủy ban Kiểm tra khẩn trương hoàn thành, báo cáo kết quả trước ngày làm việc tới."

    browser.login(OFFICE_CHIEF)
    browser.click_and_wait("nav a[href='/oversight/overdue']")
    row = browser.find(f"[data-testid=overdue-list] tr[data-task-id='{task_id}']")
    assert title[:40] in row.text
    browser.shot("overdue review")
    browser.click_and_wait(browser.find(f"a[href^='/oversight/tasks/{task_id}/actions']", within=row))
    browser.fill("textarea[name=message]", note)
    browser.shot("reminder written")
    browser.click_and_wait(f"form[action='/oversight/tasks/{task_id}/remind'] button[type=submit]")
    browser.wait_text("main", f"Đã gửi nhắc việc tới {len(expected_recipients)} người nhận.")

    received = mailbox.wait_for(len(expected_recipients))
    time.sleep(0.5)  # anything more would arrive now: exactly these messages, nothing else
    assert len(mailbox.messages) == len(expected_recipients), [m.subject for m in mailbox.messages]
    assert sorted(r.lower() for m in received for r in m.rcpt_tos) == expected_recipients
    for mail in received:
        assert note in mail.text
        assert f"{browser.live.url}/tasks/{task_id}" in mail.text
    # The subject as any mail client decodes it (RFC 2047: blanks between encoded words are dropped).
    # Checked at the end so the export below is exercised even when the subject is wrong.
    wrong_subjects = [m.subject for m in received if m.subject != f"[Nhắc việc] {title[:120]}"]
    history = browser.text("[data-testid=reminder-history]")
    assert all(address in history for address in expected_recipients)
    browser.shot("reminder sent")
    logs = _fresh(ReminderLog, task_id=task_id, kind=ReminderKind.MANUAL)
    assert sorted(log.recipient_email for log in logs) == expected_recipients
    assert all(log.state is ReminderState.SENT for log in logs)

    # Back on the task's reminder history (not the top of the page), with one message.
    assert browser.driver.current_url.endswith("#reminders"), browser.driver.current_url
    assert not browser.exists("main .alert-warning")

    browser.click_and_wait("a[href='/oversight/overdue']")
    # A second "Nhắc ngay" the same day is refused, and the list comes back at the task's row.
    row = browser.find(f"[data-testid=overdue-list] tr[data-task-id='{task_id}']")
    row_id = row.get_attribute("id")
    browser.click_and_wait(browser.find(f"form[action='/oversight/tasks/{task_id}/remind'] button", within=row))
    browser.wait_text("main", "mỗi ngày chỉ nhắc trực tiếp một lần")
    assert browser.driver.current_url.endswith(f"#{row_id}"), browser.driver.current_url
    assert len(mailbox.messages) == len(expected_recipients)
    browser.click("[data-testid=export-xlsx]")
    workbook = openpyxl.load_workbook(browser.wait_download(".xlsx"), read_only=True)
    cells = [str(value) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
             for value in row if value is not None]
    assert any(title[:60] in cell for cell in cells), "the exported workbook does not list the task"
    assert any(ubkt.name in cell for cell in cells)
    browser.shot("after export")
    assert not wrong_subjects, (f"the reminder's subject arrives altered: {wrong_subjects!r} instead of "
                                f"{'[Nhắc việc] ' + title[:120]!r}")


# =============================================================================================
# Journey 4: the office builds the quarterly report for 2024-Q2 and downloads the DOCX
# =============================================================================================


def _docx_text(path: Path) -> str:
    """Every paragraph of a Word file, tables and headers included."""
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
    return "\n".join(parts)


def test_office_builds_quarterly_report_and_downloads_docx(browser):
    browser.login(OFFICE)
    browser.click_and_wait("nav a[href='/reports/']")
    browser.shot("reports")
    browser.fill("input[name=year]", "2024")
    browser.select_value("select[name=period_kind]", "quarter")
    browser.select_value("select[name=period_index]", "2")
    browser.set_date("input[name=as_of]", date(2024, 6, 30))
    browser.shot("new report form")
    browser.click_and_wait("form[action='/reports/new'] button[type=submit]")

    browser.wait_text("h1", "quý II/2024")
    assert "30/06/2024" in browser.text("main")
    (report,) = _fresh(PeriodReport, year=2024, period_index=2)
    assert browser.path == f"/reports/{report.id}"
    browser.shot("report draft")

    browser.click(f"a[href='/reports/{report.id}/report.docx']")
    text = _docx_text(browser.wait_download(".docx"))
    assert "NHỮNG KẾT QUẢ THỰC HIỆN THÔNG BÁO KẾT LUẬN" in text
    # Section I is built from the data: the Q1/2024 session's 9 tasks and 11 items, the one left
    # unfinished, and the district indicators as of 30/6/2024.
    assert "ĐỊNH KỲ QUÝ I/2024" in text and "09 nhiệm vụ trọng tâm, với 11 nội dung" in text
    assert "19 tiêu chí xã Nông thôn mới Tân Bình" in text
    assert "112/158 đảng viên, đạt 70,89%" in text
    browser.click_and_wait(f"a[href='/reports/{report.id}/preview']")
    browser.media("print")
    assert not browser.find("nav.navbar").is_displayed()
    assert "NHỮNG KẾT QUẢ THỰC HIỆN THÔNG BÁO KẾT LUẬN" in browser.text("main").upper()
    browser.shot("report preview printed")


# =============================================================================================
# Phones (375 px) and print: every main page, per role
# =============================================================================================

PHONE_WIDTH = 375

#: The pages each account opens on its phone: home per role, task list, task page, directive page,
#: overdue review, report page and the agency inbox.
PHONE_PAGES = {
    "office_chief": (OFFICE_CHIEF, ("home", "tasks", "task", "directives", "directive", "overdue", "scorecards",
                                    "reports", "report", "report_preview")),
    "office": (OFFICE, ("home", "directive")),
    "agency_officer": (AGENCY_OFFICER, ("home", "inbox", "task", "tasks")),
    "agency_head": ("nam.lh@phunghiep.example", ("home", "inbox")),
    "committee": ("khoa.dm@phunghiep.example", ("home", "overdue")),
    "admin": ("quantri@phunghiep.example", ("home",)),
}


def _page_paths(role: str) -> dict[str, str]:
    """Where each named page is for this account (ids of the demo rows it may see)."""
    from app.core.periods import Period
    from app.reports.drafts import create_report

    directive = db.session.scalar(sa.select(Directive).where(Directive.number == "198", Directive.issuer_suffix == "HU"))
    task = _open_task_of("BTG" if role.startswith("agency") else "UBKT")
    paths = {"home": "/", "tasks": "/tasks/", "task": f"/tasks/{task.id}", "directive": f"/directives/{directive.id}",
             "overdue": "/oversight/overdue", "reports": "/reports/", "inbox": "/progress/inbox",
             "directives": "/directives/", "scorecards": "/oversight/scorecards"}
    if role == "office_chief":
        office = db.session.scalar(sa.select(User).where(User.email == OFFICE))
        report = create_report(office, Period(2024, "quarter", 2), date(2024, 6, 30))
        db.session.commit()
        paths["report"], paths["report_preview"] = f"/reports/{report.id}", f"/reports/{report.id}/preview"
    return paths


SCREENS = ROOT / "artifacts" / "screens"
#: A menu of one line is about 2.5 rem high; two lines would be twice that.
ONE_LINE_PX = 48


def _save_screen(browser, role: str, name: str, width: int) -> None:
    """The page as the note shows it: artifacts/screens/<role>-<page>-<width>.png (git-ignored)."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    (SCREENS / f"{role}-{name}-{width}.png").write_bytes(browser.full_page_png())


def _menu_problems(browser) -> list[str]:
    """At 1366 px: the main menu on one line, and the open page marked with aria-current="page"."""
    problems = []
    height = browser.driver.execute_script(
        "const ul = document.querySelector('#mainnav .nav-main .navbar-nav');"
        "return ul ? ul.getBoundingClientRect().height : 0;")
    if not 0 < height <= ONE_LINE_PX:
        problems.append(f"main menu {height}px high (more than one line)")
    marked = [a.get_attribute("href") for a in browser.find_all("#mainnav [aria-current=page]")]
    path = browser.path.split("?")[0]
    if len(marked) != 1:
        problems.append(f"{len(marked)} links marked aria-current")
    else:
        href = marked[0][len(browser.live.url):]
        if not (path == href or (href != "/" and path.startswith(href))):
            problems.append(f"aria-current on {href}")
    return problems


@pytest.mark.parametrize("role", sorted(PHONE_PAGES))
def test_main_pages_fit_a_phone_and_print_without_navigation(browser, role):
    """Every main page of every role: no sideways scroll at 375 px, no navigation on paper, axe-core
    finds no serious or critical WCAG A/AA violation, the menu fits one line at 1366 px and marks the
    open page; screenshots at both widths go to artifacts/screens/."""
    email, pages = PHONE_PAGES[role]
    paths = _page_paths(role)
    browser.login(email)
    too_wide, print_problems, inaccessible, menu = [], [], [], []
    with preloaded(browser.driver):
        for name in pages:
            _walk_page(browser, role, name, paths[name], too_wide, print_problems, inaccessible, menu)
    assert not too_wide, "pages wider than a phone:\n" + "\n".join(too_wide)
    assert not print_problems, "print layout:\n" + "\n".join(print_problems)
    assert not inaccessible, "axe-core, serious or critical:\n" + "\n".join(inaccessible)
    assert not menu, "menu at 1366 px:\n" + "\n".join(menu)


def _walk_page(browser, role, name, path, too_wide, print_problems, inaccessible, menu) -> None:
    """One page of the walk at 375 px, at 1366 px and on paper; problems go to the four lists."""
    browser.phone(PHONE_WIDTH)
    browser.go(path)
    assert browser.path.split("?")[0] == path, f"{name}: landed on {browser.path}"
    width = browser.scroll_width()
    if width > PHONE_WIDTH + 1:
        too_wide.append(f"{name} ({path}): {width}px wide; sticking out: {browser.widest_elements()}")
    _save_screen(browser, role, name, PHONE_WIDTH)

    browser.desktop()
    browser.go(path)
    inaccessible += [f"{name} ({path}): {v}" for v in serious_violations(browser.driver)]
    menu += [f"{name} ({path}): {p}" for p in _menu_problems(browser)]
    _save_screen(browser, role, name, WINDOW[0])

    browser.media("print")
    nav = browser.find_all("nav.navbar")
    problems = [what for what, bad in (
        ("navigation printed", nav and nav[0].is_displayed()),
        ("footer printed", any(f.is_displayed() for f in browser.find_all("body > footer"))),
        ("page content not printed", not browser.printed_text()),
    ) if bad]
    if problems:
        print_problems.append(f"{name} ({path}): {', '.join(problems)}")
    browser.shot(f"{name} print")
    browser.media("")
