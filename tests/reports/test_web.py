"""The report pages: each role's allowed and refused actions, the editing flow and the downloads."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from app.core.enums import ReportState, Role
from app.core.periods import Period
from app.extensions import db
from app.models import AgencyPeriodInput, Directive, PeriodReport, ReportVersion, TaskCarryOver
from app.reports.builder import build_period_report
from app.reports.docx import DOCX_MIMETYPE
from app.reports.drafts import create_report
from app.reports.xlsx import XLSX_MIMETYPE
from tests.reports.test_builder import AS01_SECOND, add_as03

ROLES = [Role.ADMIN, Role.COMMITTEE, Role.OFFICE, Role.OFFICE_CHIEF, Role.AGENCY_HEAD, Role.AGENCY_OFFICER]
WRITERS = {Role.ADMIN, Role.OFFICE, Role.OFFICE_CHIEF}
DRAFT_READERS = WRITERS | {Role.COMMITTEE}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def report_row(as01, office_user):
    row = create_report(office_user, Period(2024, "quarter", 2), date(2024, 6, 20))
    db.session.commit()
    return row


def login_as(client, factories, agencies, role):
    org = agencies["VP"] if role not in (Role.AGENCY_HEAD, Role.AGENCY_OFFICER) else agencies["MTTQ"]
    user = factories.user(role, org)
    client.login(user)
    return user


def test_pages_need_an_account(client, report_row):
    for url in ("/reports/", f"/reports/{report_row.id}", f"/reports/{report_row.id}/report.docx"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_list_is_open_to_every_role_and_drafts_only_to_oversight(client, factories, agencies, report_row, role):
    login_as(client, factories, agencies, role)
    assert client.get("/reports/").status_code == 200
    expected = 200 if role in DRAFT_READERS else 403
    for url in (f"/reports/{report_row.id}", f"/reports/{report_row.id}/preview",
                f"/reports/{report_row.id}/report.docx", f"/reports/{report_row.id}/annex.xlsx"):
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize("role", ROLES)
def test_only_the_office_creates_a_draft(client, factories, agencies, as01, role):
    login_as(client, factories, agencies, role)
    response = client.post_form("/reports/new", {"year": "2024", "period_kind": "quarter", "period_index": "2",
                                                 "as_of": "2024-06-20"})
    if role in WRITERS:
        assert response.status_code == 302
        assert count(PeriodReport) == 1
    else:
        assert response.status_code == 403
        assert count(PeriodReport) == 0


@pytest.mark.parametrize("role", ROLES)
def test_only_the_office_edits_regenerates_and_freezes(client, factories, agencies, report_row, role):
    login_as(client, factories, agencies, role)
    version = report_row.version_id
    base = f"/reports/{report_row.id}"
    saved = client.post_form(base, {"version": version, "n_achievements": "- Đạt nhiều kết quả."})
    regenerated = client.post_form(f"{base}/regenerate", {"version": version + 1, "as_of": "2024-06-21"})
    frozen = client.post_form(f"{base}/freeze", {"version": version + 2})
    db.session.expire_all()
    row = db.session.get(PeriodReport, report_row.id)
    if role in WRITERS:
        assert [saved.status_code, regenerated.status_code, frozen.status_code] == [302, 302, 302]
        assert json.loads(row.narrative)["achievements"] == "- Đạt nhiều kết quả."
        assert (row.as_of, row.state, count(ReportVersion)) == (date(2024, 6, 21), ReportState.FROZEN, 1)
    else:
        assert [saved.status_code, regenerated.status_code, frozen.status_code] == [403, 403, 403]
        assert (row.narrative, row.as_of, count(ReportVersion)) == ("{}", date(2024, 6, 20), 0)


def test_a_save_without_the_version_it_was_opened_at_is_refused(client, office_user, report_row):
    """Without the version nobody could tell whether the save overwrites someone else's."""
    client.login(office_user)
    base = f"/reports/{report_row.id}"
    assert client.post_form(base, {"version": "", "n_achievements": "- Ghi đè."}).status_code == 422
    assert client.post_form(f"{base}/regenerate", {"as_of": "2024-06-21"}).status_code == 302
    assert client.post_form(f"{base}/freeze", {"version": "x"}).status_code == 302
    db.session.expire_all()
    row = db.session.get(PeriodReport, report_row.id)
    assert (row.narrative, row.as_of, row.state, count(ReportVersion)) == ("{}", date(2024, 6, 20), report_row.state, 0)


def test_editor_shows_the_preview_and_saves_narrative(client, office_user, report_row):
    client.login(office_user)
    page = client.get(f"/reports/{report_row.id}").get_data(as_text=True)
    assert "Tuy nhiên, còn một nhiệm vụ chưa hoàn thành" in page and 'name="n_key_work"' in page
    response = client.post_form(f"/reports/{report_row.id}", {
        "version": report_row.version_id, "n_key_work": "- Quán triệt Đề án 09[^Đề án số 09-ĐA/TU].",
        "number": "45", "issued_on": "2024-06-25", "signer_name": "Nguyễn Văn A"})
    assert response.status_code == 302
    page = client.get(f"/reports/{report_row.id}/preview").get_data(as_text=True)
    assert "- Quán triệt Đề án 09" in page and "Số 45-BC/VPHU" in page and "Nguyễn Văn A" in page
    assert 'id="fn1"' in page


def test_stale_form_is_refused_with_a_conflict(client, office_user, report_row):
    client.login(office_user)
    stale = report_row.version_id
    assert client.post_form(f"/reports/{report_row.id}", {"version": stale, "n_causes": "Một"}).status_code == 302
    response = client.post_form(f"/reports/{report_row.id}", {"version": stale, "n_causes": "Hai"})
    assert response.status_code == 409
    assert "người khác cập nhật" in response.get_data(as_text=True)
    db.session.expire_all()
    assert json.loads(db.session.get(PeriodReport, report_row.id).narrative) == {"causes": "Một"}


def test_bad_input_is_refused_without_a_server_error(client, office_user, report_row):
    client.login(office_user)
    base = f"/reports/{report_row.id}"
    assert client.post_form(base, {"version": report_row.version_id, "number": "45"}).status_code == 422  # no date
    assert client.post_form(base, {"version": report_row.version_id, "number": "abc"}).status_code == 422
    assert client.post_form(f"{base}/regenerate", {"version": report_row.version_id, "as_of": "2023-01-01"}
                            ).status_code == 302
    assert client.post_form("/reports/new", {"year": "2024", "period_kind": "quarter", "period_index": "9",
                                             "as_of": "2024-06-20"}).status_code == 302
    assert client.get("/reports/9999").status_code == 404
    assert client.get(f"{base}/versions/7/report.docx").status_code == 404
    assert client.get("/reports/inputs/2024-Q9").status_code == 422
    db.session.expire_all()
    row = db.session.get(PeriodReport, report_row.id)
    assert (row.number, row.as_of, count(PeriodReport)) == (None, date(2024, 6, 20), 1)


def test_frozen_version_is_downloadable_by_agencies(client, make_client, factories, agencies, office_user,
                                                   report_row):
    client.login(office_user)
    assert client.post_form(f"/reports/{report_row.id}/freeze", {"version": report_row.version_id}).status_code == 302
    version = db.session.scalar(sa.select(ReportVersion))
    officer = factories.user(Role.AGENCY_OFFICER, agencies["BTG"])
    client = make_client()
    client.login(officer)
    response = client.get(f"/reports/{report_row.id}/versions/1/report.docx")
    assert response.status_code == 200 and response.mimetype == DOCX_MIMETYPE
    assert response.data == version.docx
    assert client.get(f"/reports/{report_row.id}/versions/1/annex.xlsx").status_code == 403
    page = client.get("/reports/").get_data(as_text=True)
    assert f"/reports/{report_row.id}/versions/1/report.docx" in page


def test_draft_downloads(client, office_user, report_row):
    client.login(office_user)
    word = client.get(f"/reports/{report_row.id}/report.docx")
    excel = client.get(f"/reports/{report_row.id}/annex.xlsx")
    assert (word.status_code, word.mimetype) == (200, DOCX_MIMETYPE)
    assert (excel.status_code, excel.mimetype) == (200, XLSX_MIMETYPE)
    assert "bao-cao-2024-Q2.docx" in word.headers["Content-Disposition"]


# --- carry-over -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_carry_over_is_for_the_office(client, factories, agencies, report_row, as01, role):
    login_as(client, factories, agencies, role)
    task_id = as01.tan_binh_task.id
    page = client.get(f"/reports/{report_row.id}/carry-over")
    response = client.post_form(f"/reports/{report_row.id}/carry-over",
                                {f"pick_{task_id}": "y", f"due_{task_id}": "2024-09-30"})
    if role in WRITERS:
        assert page.status_code == 200 and "Xây dựng xã Tân Bình" in page.get_data(as_text=True)
        assert response.status_code == 302
        assert count(TaskCarryOver) == 1
        draft = db.session.scalar(sa.select(Directive).where(Directive.meeting_id == as01.q2.id))
        assert draft is not None and draft.status.value == "draft"
    else:
        assert (page.status_code, response.status_code, count(TaskCarryOver)) == (403, 403, 0)


def test_carry_over_with_a_bad_due_date_changes_nothing(client, office_user, report_row, as01):
    client.login(office_user)
    task_id = as01.tan_binh_task.id
    response = client.post_form(f"/reports/{report_row.id}/carry-over",
                                {f"pick_{task_id}": "y", f"due_{task_id}": "2024-06-01"})
    assert response.status_code == 422
    assert "phải sau ngày họp" in response.get_data(as_text=True)
    assert count(TaskCarryOver) == 0 and count(Directive) == 1


def test_report_section_one_unchanged_after_carry_over_through_the_web(client, office_user, report_row, as01):
    client.login(office_user)
    task_id = as01.tan_binh_task.id
    client.post_form(f"/reports/{report_row.id}/carry-over", {f"pick_{task_id}": "y", f"due_{task_id}": "2024-09-30"})
    page = client.get(f"/reports/{report_row.id}/preview").get_data(as_text=True)
    assert AS01_SECOND in page
    page = client.get(f"/reports/{report_row.id}/carry-over").get_data(as_text=True)
    assert "Đã chuyển" in page


# --- agency period input ---------------------------------------------------------------------------


def test_agency_enters_its_own_input_and_only_its_own(client, factories, agencies, as01):
    officer = factories.user(Role.AGENCY_OFFICER, agencies["MTTQ"])
    client.login(officer)
    page = client.get(f"/reports/inputs/2024-Q2?org={agencies['BTG'].id}")
    assert page.status_code == 200 and agencies["MTTQ"].name in page.get_data(as_text=True)
    response = client.post_form(f"/reports/inputs/2024-Q2?org={agencies['BTG'].id}",
                                {"results_text": "Tổ chức thành công Đại hội.", "next_tasks_text": "Vận động Quỹ."})
    assert response.status_code == 302
    entry = db.session.scalar(sa.select(AgencyPeriodInput))
    assert (entry.organisation_id, entry.results_text) == (agencies["MTTQ"].id, "Tổ chức thành công Đại hội.")
    block = next(b for b in build_period_report(2024, "quarter", 2, date(2024, 6, 20)).agency_blocks
                 if b.code == "MTTQ")
    assert [p.text for p in block.paras] == ["Tổ chức thành công Đại hội."]


def test_agency_declared_total_mismatch_is_shown_and_not_saved(client, factories, agencies, as01):
    add_as03(agencies)
    officer = factories.user(Role.AGENCY_HEAD, agencies["MTTQ"])
    client.login(officer)
    response = client.post_form("/reports/inputs/2024-Q2", {"results_text": "x", "declared_indicator_total": "50"})
    assert response.status_code == 422
    assert "không khớp" in response.get_data(as_text=True)
    assert count(AgencyPeriodInput) == 0
    page = client.get("/reports/inputs/2024-Q2").get_data(as_text=True)
    assert "Thực hiện đạt và vượt 04 chỉ tiêu, 40 chỉ tiêu đạt trên 75%" in page


def test_office_enters_input_for_any_agency_committee_cannot(client, make_client, factories, agencies, office_user,
                                                             as01):
    client.login(office_user)
    url = f"/reports/inputs/2024-Q2?org={agencies['CTĐ'].id}"
    assert client.post_form(url, {"results_text": "Tháng nhân đạo."}).status_code == 302
    assert db.session.scalar(sa.select(AgencyPeriodInput.organisation_id)) == agencies["CTĐ"].id
    client = make_client()
    client.login(factories.user(Role.COMMITTEE, agencies["VP"]))
    assert client.get(url).status_code == 403
    assert client.post_form(url, {"results_text": "Đổi."}).status_code == 403
    assert db.session.scalar(sa.select(AgencyPeriodInput.results_text)) == "Tháng nhân đạo."


def test_commune_has_no_section_in_the_report(client, factories, agencies, as01):
    client.login(factories.user(Role.AGENCY_OFFICER, agencies["X.TANBINH"]))
    assert client.get("/reports/inputs/2024-Q2").status_code == 403
    assert client.post_form("/reports/inputs/2024-Q2", {"results_text": "x"}).status_code == 403
    assert count(AgencyPeriodInput) == 0


# --- CLI -----------------------------------------------------------------------------------------------


def test_cli_writes_the_same_bytes_as_the_web_download(client, runner, office_user, report_row, tmp_path):
    client.login(office_user)
    client.post_form(f"/reports/{report_row.id}", {"version": report_row.version_id,
                                                   "n_achievements": "- Hoàn thành tốt nhiệm vụ."})
    web_docx = client.get(f"/reports/{report_row.id}/report.docx").data
    web_xlsx = client.get(f"/reports/{report_row.id}/annex.xlsx").data
    out = tmp_path / "report.docx"
    result = runner.invoke(args=["report", "quarterly", "--quarter", "2024-Q2", "--as-of", "2024-06-20",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == web_docx
    xlsx = tmp_path / "annex.xlsx"
    result = runner.invoke(args=["report", "period", "--period", "2024-Q2", "--out", str(xlsx)])
    assert result.exit_code == 0, result.output
    assert xlsx.read_bytes() == web_xlsx


def test_cli_refuses_bad_arguments(runner, tmp_path, as01):
    out = tmp_path / "x.docx"
    assert runner.invoke(args=["report", "quarterly", "--quarter", "2024-H1", "--as-of", "2024-06-20",
                               "--out", str(out)]).exit_code != 0
    assert runner.invoke(args=["report", "quarterly", "--quarter", "2024-Q2", "--as-of", "20/6/2024",
                               "--out", str(out)]).exit_code != 0
    assert runner.invoke(args=["report", "quarterly", "--quarter", "2024-Q2", "--out", str(out)]).exit_code != 0
    assert runner.invoke(args=["report", "quarterly", "--quarter", "2024-Q2", "--as-of", "2024-06-20",
                               "--out", str(tmp_path / "x.txt")]).exit_code != 0
    assert not out.exists()
