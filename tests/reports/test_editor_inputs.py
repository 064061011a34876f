"""Issue 17 in the web editor: typing is never lost, empty parts are prefilled or flagged, each agency's own
tally sentence is printed while the office still sees the computed one."""

from __future__ import annotations

import json
from datetime import date

from app.core.enums import Role
from app.core.periods import Period
from app.extensions import db
from app.models import PeriodReport
from app.reports.agency_inputs import save_agency_input
from app.reports.builder import build_for, build_period_report
from app.reports.drafts import create_report
from tests.reports.conftest import TAN_BINH, add_agency_indicators
from tests.reports.test_web import report_row  # noqa: F401  (fixture)


def test_regenerate_with_unsaved_edits_saves_them_first(client, office_user, report_row):  # noqa: F811
    client.login(office_user)
    base = f"/reports/{report_row.id}"
    page = client.get(base).get_data(as_text=True)
    assert 'name="regenerate_as_of"' in page and "js/unsaved.js" in page and "data-guard-unsaved" in page
    # What the editor script posts when "Cập nhật số liệu" is pressed with typing not yet saved.
    response = client.post_form(base, {"version": report_row.version_id, "n_achievements": "- Chưa lưu mà không mất.",
                                       "regenerate_as_of": "2024-06-25"})
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(PeriodReport, report_row.id)
    assert json.loads(row.narrative)["achievements"] == "- Chưa lưu mà không mất."
    assert row.as_of == date(2024, 6, 25)
    assert "Đã lưu nội dung và cập nhật số liệu đến ngày 25/6/2024" in client.get(base).get_data(as_text=True)


def test_empty_parts_are_prefilled_and_flagged_not_bare_headings(client, office_user, report_row, agencies):  # noqa: F811
    save_agency_input(office_user, agencies["HND"], Period(2024, "quarter", 2),
                          {"difficulties_text": "Nguồn vốn Quỹ Hỗ trợ nông dân còn hạn chế."}, expected_version=None)
    db.session.commit()
    client.login(office_user)
    page = client.get(f"/reports/{report_row.id}").get_data(as_text=True)
    # IV.1 offers the unfinished item of the previous conclusion, III.2 the difficulty an agency reported.
    assert f"- Tiếp tục thực hiện: {TAN_BINH}" in page
    assert "- Hội Nông dân huyện: Nguồn vốn Quỹ Hỗ trợ nông dân còn hạn chế." in page
    assert 'data-prefilled="1"' in page
    built = build_for(db.session.get(PeriodReport, report_row.id))
    assert any("III.1" in w for w in built.warnings)
    lines = built.section_text("III")
    assert lines[1:3] == ["1. Kết quả đạt được", "(Dự thảo: phần này chưa có nội dung.)"]
    assert any("Mục V chưa có đề xuất" in w for w in built.warnings)


def test_agency_writes_its_own_tally_sentence_and_office_sees_both(client, make_client, factories, agencies, as01):
    add_agency_indicators(agencies["CCB"], [100] * 6 + [72] * 7)
    officer = factories.user(Role.AGENCY_OFFICER, agencies["CCB"])
    client.login(officer)
    own = "Thực hiện đạt và vượt 06/13 chỉ tiêu, 07 chỉ tiêu còn lại đạt trên 70% và sẽ hoàn thành trong năm 2024."
    url = "/reports/inputs/2024-Q2"
    response = client.post_form(url, {"version": "", "results_text": "Hội viên tích cực.", "tally_text": own,
                                      "declared_indicator_total": "13", "next_tasks_text": "", "proposals_text": "",
                                      "difficulties_text": ""})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert own in page and 'data-testid="tally-computed"' in page
    block = next(b for b in build_period_report(2024, "quarter", 2, date(2024, 6, 20)).agency_blocks
                 if b.code == "CCB")
    assert block.tally_line == own
    assert block.computed_tally_line == "Thực hiện đạt và vượt 06/13 chỉ tiêu, 07 chỉ tiêu đạt trên 50%."
    # The office's editor shows both sentences.
    office = factories.user(Role.OFFICE, agencies["VP"])
    row = create_report(office, Period(2024, "quarter", 2), date(2024, 6, 20))
    db.session.commit()
    office_client = make_client()
    office_client.login(office)
    page = office_client.get(f"/reports/{row.id}").get_data(as_text=True)
    assert 'data-testid="own-tallies"' in page and block.computed_tally_line in page


def test_not_yet_started_indicators_have_their_own_bucket(agencies, as01):
    add_agency_indicators(agencies["HLHPN"], [100] * 36 + [60] * 9 + [None] * 5)
    from app.models import Indicator
    for indicator in db.session.scalars(db.select(Indicator).where(Indicator.is_year_end.is_(True))):
        indicator.is_year_end, indicator.starts_on = False, date(2024, 7, 1)
    db.session.commit()
    block = next(b for b in build_period_report(2024, "quarter", 2, date(2024, 6, 20)).agency_blocks
                 if b.code == "HLHPN")
    assert block.tally_line == ("Thực hiện đạt và vượt 36/50 chỉ tiêu, 09 chỉ tiêu đạt trên 50%, "
                                "05 chỉ tiêu chưa đến thời gian thực hiện.")
