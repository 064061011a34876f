"""Output escaping: script payloads typed into every text field come out as text everywhere.

Each payload starts like a spreadsheet formula and carries an HTML script, an attribute break-out and
a template expression; it is typed into an organisation's name and report heading, a user's name,
a directive's title, a task's title and description, a progress narrative, an explanation request
and its answer, an agency's period input and the report narrative, through the admin forms, the
progress form and the same services the other pages call. Then:

- every page that shows them has the escaped text and never the live markup;
- the Word report contains the payloads as literal text (not markup, the template never evaluated);
- the Excel files store them as text cells, formula-like ones neutralised (quote prefix or ').
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date

import docx
import openpyxl
import pytest
import sqlalchemy as sa

from app.core.enums import OrganisationKind, Role, TaskStatus
from app.core.periods import Period
from app.core.security import hash_password
from app.directives import breakdown, meetings, notices
from app.extensions import db
from app.models import ExplanationRequest, Organisation, PeriodReport, Task, User
from app.oversight import explanation_requests
from app.reports.agency_inputs import save_agency_input
from app.reports.drafts import create_report, save_report
from tests.factories import PASSWORD

TAGS = ("ORG", "HEADING", "USER", "DIRECTIVE", "TASK", "DESC", "PROGRESS", "ASK", "ANSWER", "INPUT", "NARRATIVE")
FORMULA_START = ("=", "+", "-", "@")


def payload(tag: str) -> str:
    """Formula, script, attribute break-out and template expression in one text."""
    return (f'=HYPERLINK("http://evil.example/{tag}","{tag}")<script>alert("{tag}")</script>'
            f'"><img src=x onerror=alert("{tag}")>{{{{7*7}}}}')


def short_payload(tag: str) -> str:
    """For fields of 120 characters (a person's name)."""
    return f'=1+1<script>alert("{tag}")</script>"><img src=x onerror=alert(1)>{{{{7*7}}}}'


LIVE_MARKUP = ("<script>alert(", "<img src=x onerror", '"><img')


@dataclass
class Injected:
    org: Organisation
    officer: User
    office: User
    chief: User
    admin: User
    task: Task
    directive_id: int
    report: PeriodReport
    explanation: ExplanationRequest


def _form(client, url: str, data: dict, *, expect: int = 302):
    response = client.post_form(url, data=data)
    assert response.status_code == expect, (url, response.status_code, response.get_data(as_text=True)[:2000])
    return response


@pytest.fixture
def injected(factories, make_client) -> Injected:
    office_org = factories.org("VP", name="Văn phòng Huyện ủy", order=10)
    admin = factories.user(Role.ADMIN, office_org)
    office = factories.user(Role.OFFICE, office_org)
    chief = factories.user(Role.OFFICE_CHIEF, office_org)
    browser = make_client()
    browser.login(admin)

    # Organisation and account through the admin forms.
    _form(browser, "/admin/organisations/new", {
        "code": "HND", "name": payload("ORG"), "short_name": "", "kind": OrganisationKind.MASS_ORG.value,
        "parent_id": "0", "display_order": "40", "report_heading": payload("HEADING"), "aliases": "",
        "contact_emails": "", "is_active": "y"})
    org = db.session.scalar(sa.select(Organisation).where(Organisation.code == "HND"))
    _form(browser, "/admin/users/new", {
        "email": "can.bo@hnd.example.vn", "name": short_payload("USER"), "title": "", "role": Role.AGENCY_OFFICER.value,
        "organisation_id": str(org.id), "is_active": "y"})
    officer = db.session.scalar(sa.select(User).where(User.email == "can.bo@hnd.example.vn"))
    # The account was invited (nobody sets another person's password); the officer chose this one.
    officer.password_hash = hash_password(PASSWORD)
    db.session.commit()

    # A conclusion notice and its task through the directive services (what the editor calls).
    meeting = meetings.create_meeting(office, meetings.MeetingInput(held_on=date(2024, 3, 14),
                                                                        period_label="quý I/2024"))
    directive = notices.create_directive(office, notices.DirectiveInput(
        title=payload("DIRECTIVE"), number="198", issued_on=date(2024, 3, 18), meeting_id=meeting.id))
    task = breakdown.add_task(office, directive, breakdown.TaskInput(
        title=payload("TASK"), description=payload("DESC"), lead_org_id=org.id, due_date=date(2024, 6, 30)))
    db.session.commit()

    # The agency's progress narrative through the real report form.
    agency = make_client()
    agency.login(officer)
    page = agency.get(f"/progress/tasks/{task.id}/report").get_data(as_text=True)
    version = re.search(r'name="version" (?:type="hidden" )?value="(\d+)"', page).group(1)
    _form(agency, f"/progress/tasks/{task.id}/report", {
        "version": version, "status": TaskStatus.IN_PROGRESS.value, "progress_percent": "40",
        "content_item_id": "0", "reported_on": "2024-05-20", "result_text": payload("PROGRESS")})

    # An explanation asked and answered, the agency's period input and the report narrative.
    task = db.session.get(Task, task.id)
    explanation = explanation_requests.request_explanation(chief, task, payload("ASK"))
    db.session.commit()
    explanation_requests.answer_explanation(officer, explanation, payload("ANSWER"))
    period = Period(2024, "quarter", 2)
    save_agency_input(officer, org, period, {"results_text": payload("INPUT"), "next_tasks_text": "",
                                                     "proposals_text": "", "declared_indicator_total": None},
                              expected_version=None)
    report = create_report(office, period, date(2024, 6, 30))
    save_report(office, report, narrative={"achievements": payload("NARRATIVE")}, number=None,
                        issued_on=None, signer_name=None, signer_title=None, expected_version=None)
    db.session.commit()
    return Injected(org=org, officer=officer, office=office, chief=chief, admin=admin, task=task,
                    directive_id=directive.id, report=report, explanation=explanation)


def _normalise(html: str) -> str:
    return html.replace("&quot;", "&#34;").replace("&#x27;", "&#39;")


def _escaped_tags(html: str) -> set[str]:
    """Tags whose script appears escaped (as text) on the page."""
    text = _normalise(html)
    return {tag for tag in TAGS if f"alert(&#34;{tag}&#34;)" in text}


def _check_page(client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.get_data(as_text=True)
    live = [marker for marker in LIVE_MARKUP if marker in html]
    assert live == [], f"{url} renders live markup {live}"
    shown = _escaped_tags(html)
    assert shown, f"{url} shows none of the injected texts"
    assert "{{7*7}}" in html, f"{url} evaluated or dropped the template expression"
    return shown


def test_pages_render_injected_text_escaped(injected, make_client):
    i = injected
    office, admin, agency = make_client(), make_client(), make_client()
    office.login(i.office)
    admin.login(i.admin)
    agency.login(i.officer)
    seen: set[str] = set()
    office_pages = [
        "/", "/tasks/", f"/tasks/{i.task.id}", f"/tasks/{i.task.id}/edit", "/directives/",
        f"/directives/{i.directive_id}", f"/directives/{i.directive_id}/tasks",
        f"/directives/{i.directive_id}/tasks/{i.task.id}/edit", f"/progress/inbox?agency={i.org.id}&completed=1",
        "/oversight/overdue?as_of=2024-12-31", "/oversight/overdue/print?as_of=2024-12-31",
        f"/oversight/tasks/{i.task.id}/actions", "/oversight/explanations?state=all", "/oversight/search?q=HYPERLINK",
        "/oversight/scorecards?period=2024-Q2", f"/oversight/scorecards/{i.org.id}?period=2024-Q2",
        f"/reports/{i.report.id}", f"/reports/{i.report.id}/preview", f"/reports/inputs/2024-Q2?org={i.org.id}",
    ]
    for url in office_pages:
        seen |= _check_page(office, url)
    for url in ("/admin/users", f"/admin/users/{i.officer.id}", "/admin/organisations",
                f"/admin/organisations/{i.org.id}", "/admin/audit"):
        seen |= _check_page(admin, url)
    for url in ("/", f"/tasks/{i.task.id}", "/progress/inbox?completed=1", f"/progress/tasks/{i.task.id}/report",
                "/oversight/explanations?state=all", "/reports/inputs/2024-Q2", "/profile"):
        seen |= _check_page(agency, url)
    assert seen == set(TAGS), f"never shown: {sorted(set(TAGS) - seen)}"


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def test_word_report_contains_the_payloads_as_literal_text(injected, make_client):
    office = make_client()
    office.login(injected.office)
    response = office.get(f"/reports/{injected.report.id}/report.docx")
    assert response.status_code == 200
    data = response.data
    text = _docx_text(data)
    for tag in ("NARRATIVE", "INPUT", "HEADING"):
        assert f'<script>alert("{tag}")</script>' in text, f"{tag} missing from the Word report"
    assert "{{7*7}}" in text, "the template expression was evaluated"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml")
    assert b"<script>" not in xml and b"<img src" not in xml
    assert b"&lt;script&gt;" in xml


def _tagged_cells(data: bytes):
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and any(f"evil.example/{tag}" in cell.value or f'alert("{tag}")' in cell.value
                                                       for tag in TAGS):
                    yield cell


def _check_workbook(data: bytes) -> set[str]:
    found, dangerous = set(), []
    for cell in _tagged_cells(data):
        found |= {tag for tag in TAGS if f'alert("{tag}")' in cell.value}
        neutralised = cell.data_type != "f" and (
            not cell.value.startswith(FORMULA_START) or cell.quotePrefix or cell.value.startswith("'"))
        if not neutralised:
            dangerous.append(f"{cell.parent.title}!{cell.coordinate}: {cell.value[:40]}")
    assert dangerous == [], "formula-like cells left live"
    return found


def test_excel_files_neutralise_formula_like_text(injected, make_client):
    office = make_client()
    office.login(injected.office)
    annex = office.get(f"/reports/{injected.report.id}/annex.xlsx")
    overdue = office.get("/oversight/overdue.xlsx?as_of=2024-12-31")
    scorecards = office.get("/oversight/scorecards.xlsx?period=2024-Q2")
    for response in (annex, overdue, scorecards):
        assert response.status_code == 200
    assert {"TASK", "ORG"} <= _check_workbook(annex.data)
    assert {"TASK", "ORG"} <= _check_workbook(overdue.data)
    assert "ORG" in _check_workbook(scorecards.data)


def test_api_returns_injected_text_as_json_data(injected, make_client):
    """JSON is data, not a page: the text comes back exactly as typed, served as application/json."""
    from app.auth.services import issue_api_token

    token = issue_api_token(injected.office)
    db.session.commit()
    response = make_client().get(f"/api/v1/tasks/{injected.task.id}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_json()["title"] == payload("TASK")
