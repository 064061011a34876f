"""Control characters can never break a document (issue 16, item 2).

At the boundary, text is stored NFC with LF line breaks and a control character other than tab and
line break is refused with a 422 naming the field (web forms and API bodies alike).  Behind it, the
writers (Word, Excel, freeze, the API download) drop what XML cannot hold, so text stored before
the rule existed still builds the report.
"""

from __future__ import annotations

import io
import unicodedata
from datetime import date

import docx
import openpyxl
import pytest
import sqlalchemy as sa

from app.auth.services import issue_api_token
from app.core.clock import now_utc
from app.core.enums import Role, TaskStatus
from app.core.periods import Period
from app.extensions import db
from app.models import AgencyPeriodInput, ProgressReport, ReportVersion
from app.reports.drafts import create_report

PAYLOADS = ["\x01", "\x08", "\x1b", "\ufffe", "\x0b", "\x7f", "\x85"]


@pytest.fixture
def report_row(as01, office_user):
    row = create_report(office_user, Period(2024, "quarter", 2), date(2024, 6, 20))
    db.session.commit()
    return row


def _poison(as01, agencies, officer, db_kind) -> str:
    """Write control characters straight into the database, as an older version let them in."""
    bad = "Xấu\x01\x08\x1b\ufffe" + ("\x00" if db_kind == "sqlite" else "") + " kết thúc"
    task = as01.tan_binh_task
    task.title = f"Nhiệm vụ {bad}"
    as01.conclusion.title = f"Kết luận {bad}"
    task.items[0].text = f"Nội dung {bad}"
    db.session.add(ProgressReport(
        task_id=task.id, organisation_id=task.lead_org_id, author_id=officer.id, is_lead_report=True,
        status=TaskStatus.IN_PROGRESS, progress_percent=60, reported_on=date(2024, 6, 10),
        result_text=f"Đã triển khai {bad}", created_at=now_utc()))
    db.session.add(AgencyPeriodInput(organisation_id=agencies["MTTQ"].id, year=2024, period_kind="quarter",
                                     period_index=2, results_text=f"Kết quả {bad}", next_tasks_text=bad,
                                     proposals_text=bad))
    db.session.commit()
    return bad


def test_reports_build_from_text_with_control_characters_in_the_database(
        client, factories, agencies, as01, office_user, report_row, db_kind):
    officer = factories.user(Role.AGENCY_OFFICER, agencies["X.TANBINH"])
    _poison(as01, agencies, officer, db_kind)
    client.login(office_user)
    word = client.get(f"/reports/{report_row.id}/report.docx")
    excel = client.get(f"/reports/{report_row.id}/annex.xlsx")
    assert (word.status_code, excel.status_code) == (200, 200)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.data)).paragraphs)
    assert "Kết quả Xấu kết thúc" in text
    sheet = openpyxl.load_workbook(io.BytesIO(excel.data)).active
    assert any("Nhiệm vụ Xấu kết thúc" in str(c.value) for row in sheet.iter_rows() for c in row)
    token = issue_api_token(office_user)
    db.session.commit()
    for fmt in ("docx", "xlsx", "json"):
        answer = client.get(f"/api/v1/reports/quarterly?quarter=2024-Q2&format={fmt}",
                            headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, fmt
    frozen = client.post_form(f"/reports/{report_row.id}/freeze", {"version": report_row.version_id})
    assert frozen.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportVersion)) == 1


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_web_form_refuses_control_characters_naming_the_field(client, factories, agencies, as01, payload):
    officer = factories.user(Role.AGENCY_OFFICER, agencies["MTTQ"])
    client.login(officer)
    response = client.post_form("/reports/inputs/2024-Q2", {"results_text": f"Kết quả{payload}tốt",
                                                            "next_tasks_text": "Vận động Quỹ."})
    assert response.status_code == 422
    assert "results_text" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgencyPeriodInput)) == 0


def test_a_web_form_stores_nfc_with_lf_line_breaks(client, factories, agencies, as01):
    officer = factories.user(Role.AGENCY_OFFICER, agencies["MTTQ"])
    client.login(officer)
    typed = unicodedata.normalize("NFD", "Tổ chức Đại hội.\r\nVận động Quỹ.")
    assert client.post_form("/reports/inputs/2024-Q2", {"results_text": typed}).status_code == 302
    stored = db.session.scalar(sa.select(AgencyPeriodInput.results_text))
    assert stored == "Tổ chức Đại hội.\nVận động Quỹ."


@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_api_body_refuses_control_characters_naming_the_field(client, factories, agencies, as01, payload):
    officer = factories.user(Role.AGENCY_OFFICER, agencies["BTG"])
    token = issue_api_token(officer)
    db.session.commit()
    task = next(t for t in as01.tasks if t.lead_org_id == agencies["BTG"].id)
    response = client.post(f"/api/v1/tasks/{task.id}/progress-reports", headers={"Authorization": f"Bearer {token}"},
                           json={"status": "in_progress", "progress_percent": 40, "result_text": f"Đã làm{payload}"})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "result_text"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressReport)) == 0
