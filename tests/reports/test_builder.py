"""The report built from the data (services): every section's wording against domain.md §8."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from app.core.enums import DirectiveStatus, ReportState, Role, TaskStatus
from app.core.errors import Conflict, PermissionDenied, ValidationFailed
from app.core.periods import Period, parse_period
from app.extensions import db
from app.models import AgencyPeriodInput, AuditEvent, Directive, Indicator, ReportVersion, Task, TaskCarryOver
from app.reports.agency_inputs import save_agency_input
from app.reports.builder import build_for, build_period_report
from app.reports.carry_over import carry_over, carry_over_candidates
from app.reports.conclusion import conclusion_result, section_one_paragraphs
from app.reports.drafts import create_report, freeze_report, regenerate_report, save_report
from app.tasks.rollup import apply_rollup
from app.tasks.units import task_is_overdue
from tests.reports.conftest import TAN_BINH, add_agency_indicators, add_key_indicators

AS01_HEADING = "I. NHỮNG KẾT QUẢ THỰC HIỆN THÔNG BÁO KẾT LUẬN TẠI BUỔI LÀM VIỆC ĐỊNH KỲ QUÝ I/2024"
AS01_FIRST = (
    "Ngày 14/3/2024, Thường trực Huyện ủy có buổi làm việc định kỳ quý I/2024 với các cơ quan tham mưu, giúp việc "
    "Huyện ủy; Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội huyện. Kết luận tại buổi làm việc Thường trực "
    "Huyện ủy chỉ đạo 09 nhiệm vụ trọng tâm, với 11 nội dung cần tập trung thực hiện trong quý II/2024, hầu hết các "
    "nhiệm vụ đều được các cơ quan, đơn vị, địa phương phối hợp thực hiện hoàn thành theo ý kiến chỉ đạo của Thường "
    "trực Huyện ủy."
)
AS01_SECOND = (
    "Tuy nhiên, còn một nhiệm vụ chưa hoàn thành theo tiến độ đề ra, đó là: Xây dựng hoàn thành 19 tiêu chí xã Nông "
    "thôn mới Tân Bình, để sớm được công nhận trong tháng 6/2024."
)
AS02 = [
    "1. Kết quả thực hiện các chỉ tiêu về xây dựng Đảng, Đoàn thể",
    "- Tổ chức kết nạp mới 112/158 đảng viên, đạt 70,89% chỉ tiêu.",
    "- Chỉ đạo thực hiện 498/537 cuộc kiểm tra tại các chi bộ, đạt 92,74% chỉ tiêu.",
    "- Vận động, tập hợp 43.140/50.652 hộ có đoàn viên, hội viên tham gia các đoàn thể chính trị - xã hội, chiếm "
    "85,17/82,41% số hộ, đạt 103,35% chỉ tiêu.",
]
AS03 = {
    "MTTQ": "Thực hiện đạt và vượt 04 chỉ tiêu, 40 chỉ tiêu đạt trên 75%; 03 chỉ tiêu đạt trên 50%; 04 chỉ tiêu sẽ thực "
            "hiện vào cuối năm.",
    "LĐLĐ": "Thực hiện đạt và vượt 12 chỉ tiêu; 04 chỉ tiêu đạt từ 63-96% và 06 chỉ tiêu xét vào cuối năm.",
    "CTĐ": "Thực hiện đạt và vượt 16/20 chỉ tiêu, 01 chỉ tiêu đạt thấp là hiến máu, còn 03 chỉ tiêu xét vào cuối năm.",
}
AS03_SETS = {
    "MTTQ": [100] * 4 + [76 + (i % 20) for i in range(40)] + [51, 60, 75] + [None] * 4,
    "LĐLĐ": [100] * 12 + [63, 71, 88, 96] + [None] * 6,
    "CTĐ": [100] * 16 + ["31"] + [None] * 3,
}


def build(as_of=date(2024, 6, 20), **kw):
    return build_period_report(2024, "quarter", 2, as_of, **kw)


def add_as03(agencies, declared: dict | None = None):
    for code, percents in AS03_SETS.items():
        add_agency_indicators(agencies[code], percents, names={17: "Hiến máu"} if code == "CTĐ" else None)
    for code, total in (declared or {}).items():
        db.session.add(AgencyPeriodInput(organisation_id=agencies[code].id, year=2024, period_kind="quarter",
                                         period_index=2, results_text=f"Kết quả của {code}.",
                                         declared_indicator_total=total))
    db.session.commit()


# --- AS-01 ------------------------------------------------------------------------------------


def test_as01_section_one_is_exact(as01):
    report = build()
    assert report.section_text("I") == [AS01_HEADING, AS01_FIRST, AS01_SECOND]
    assert (report.conclusion.task_count, report.conclusion.unit_count, report.conclusion.completed_count) == (9, 11, 10)


def test_as01_no_unfinished_item_says_all_and_has_no_however(as01):
    item = as01.tan_binh_item
    item.status, item.completed_on = TaskStatus.COMPLETED, date(2024, 6, 18)
    db.session.commit()
    lines = build().section_text("I")
    assert len(lines) == 2
    assert "trong quý II/2024, tất cả các nhiệm vụ đều được các cơ quan, đơn vị, địa phương" in lines[1]
    assert not any(line.startswith("Tuy nhiên") for line in lines)


def test_as01_two_unfinished_items_are_counted_padded_and_listed(as01):
    task = next(t for t in as01.tasks if t.title.startswith("Chuẩn bị công tác nhân sự"))
    task.items[1].status, task.items[1].completed_on = TaskStatus.IN_PROGRESS, None
    apply_rollup(task)  # written behind the services' back: the task follows its items as they would make it
    db.session.commit()
    lines = build().section_text("I")
    assert lines[2] == (f"Tuy nhiên, còn 02 nhiệm vụ chưa hoàn thành theo tiến độ đề ra, đó là: "
                        f"Rà soát, bổ sung quy hoạch cấp ủy; {TAN_BINH}.")


def test_completion_after_the_cut_off_does_not_count(as01):
    item = as01.tan_binh_item
    item.status, item.completed_on = TaskStatus.COMPLETED, date(2024, 6, 25)
    db.session.commit()
    assert build(as_of=date(2024, 6, 20)).section_text("I")[2] == AS01_SECOND
    assert len(build(as_of=date(2024, 6, 30)).section_text("I")) == 2


def test_item_completed_after_its_due_date_is_not_on_schedule(as01):
    item = as01.tan_binh_item
    item.status, item.completed_on = TaskStatus.COMPLETED, date(2024, 7, 5)
    db.session.commit()
    report = build_period_report(2024, "quarter", 3, date(2024, 9, 1))
    # The Q3 report looks at the Q2 session (no conclusion here), so check the Q1 conclusion directly.
    result = conclusion_result(as01.q1, [as01.conclusion], date(2024, 7, 10))
    assert [u.text for u in result.unfinished] == [TAN_BINH]
    assert "(hoàn thành ngày 05/7/2024)" in section_one_paragraphs(result)[1]
    assert report.conclusion is None and report.warnings


def test_no_previous_session_is_reported_not_invented(agencies):
    report = build()
    assert report.conclusion is None
    assert report.section_text("I")[1].startswith("Chưa có buổi làm việc định kỳ trước")
    assert report.warnings


# --- AS-02, AS-03 ------------------------------------------------------------------------------


def test_as02_indicator_lines(as01):
    add_key_indicators()
    report = build()
    assert report.section("II").subsections[0].title == AS02[0].removeprefix("1. ")
    assert list(report.indicator_lines) == AS02[1:]
    assert report.section_text("II")[1:5] == AS02


def test_indicator_value_after_the_cut_off_is_not_used(as01):
    add_key_indicators(as_of=date(2024, 6, 30))
    report = build(as_of=date(2024, 6, 20))
    assert report.indicator_lines[0] == "- Tổ chức kết nạp mới đảng viên: chưa có số liệu."
    assert any("chưa có số liệu" in w for w in report.warnings)


def test_as03_agency_tallies(as01, agencies):
    add_as03(agencies, declared={"MTTQ": 51, "LĐLĐ": 22, "CTĐ": 20})
    blocks = {b.code: b for b in build().agency_blocks}
    for code, line in AS03.items():
        assert blocks[code].tally_line == line
        assert blocks[code].tally_error is None
    assert blocks["BTG"].tally_line is None  # advisory agencies have no tally


def test_as03_tally_that_does_not_add_up_blocks_freezing(as01, agencies, office_user):
    add_as03(agencies, declared={"MTTQ": 51})
    indicator = db.session.scalar(sa.select(Indicator).where(Indicator.organisation_id == agencies["MTTQ"].id,
                                                                 Indicator.code == "51"))
    db.session.delete(indicator)  # 50 indicators left, 51 declared
    db.session.commit()
    report = build()
    block = next(b for b in report.agency_blocks if b.code == "MTTQ")
    assert "50" in block.tally_error and "51" in block.tally_error
    assert report.blocking
    row = create_report(office_user, Period(2024, "quarter", 2), date(2024, 6, 20))
    db.session.commit()
    with pytest.raises(ValidationFailed):
        freeze_report(office_user, row, expected_version=row.version_id)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportVersion)) == 0


def test_agency_declared_total_that_does_not_match_is_refused(as01, agencies, factories):
    add_as03(agencies)
    officer = factories.user(Role.AGENCY_OFFICER, agencies["MTTQ"])
    with pytest.raises(ValidationFailed) as error:
        save_agency_input(officer, agencies["MTTQ"], Period(2024, "quarter", 2),
                              {"results_text": "x", "declared_indicator_total": 50}, expected_version=None)
    assert "51" in error.value.message
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgencyPeriodInput)) == 0
    entry = save_agency_input(officer, agencies["MTTQ"], Period(2024, "quarter", 2),
                                  {"results_text": "Kết quả.", "declared_indicator_total": 51}, expected_version=None)
    db.session.commit()
    assert entry.declared_indicator_total == 51


def test_tally_template_is_selectable_per_report(as01, agencies, office_user):
    add_as03(agencies)
    row = create_report(office_user, Period(2024, "quarter", 2), date(2024, 6, 20))
    save_report(office_user, row, narrative={"tally_template.MTTQ": "named_low"}, number=None, issued_on=None,
                    signer_name=None, signer_title=None, expected_version=row.version_id)
    db.session.commit()
    block = next(b for b in build_for(row).agency_blocks if b.code == "MTTQ")
    assert block.tally_line == ("Thực hiện đạt và vượt 04/51 chỉ tiêu, 40 chỉ tiêu đạt trên 75%, 03 chỉ tiêu đạt trên "
                                "50%, còn 04 chỉ tiêu xét vào cuối năm.")


# --- AS-06, AS-07 ------------------------------------------------------------------------------


def test_as06_header_title_recipients_signature(as01, chief):
    report = build()
    header = report.header
    assert (header.parent_line, header.unit_line, header.number_line) == (
        "HUYỆN ỦY PHỤNG HIỆP", "VĂN PHÒNG", "Số       -BC/VPHU")
    assert (header.party_line, header.place_date_line) == (
        "ĐẢNG CỘNG SẢN VIỆT NAM", "Phụng Hiệp, ngày      tháng 6 năm 2024")
    assert report.title_lines == (
        "BÁO CÁO", "Làm việc định kỳ quý II/2024 giữa Thường trực Huyện ủy",
        "với các cơ quan tham mưu, giúp việc Huyện ủy; Mặt trận Tổ quốc", "và đoàn thể chính trị - xã hội huyện")
    assert report.recipients == (
        "- Thường trực Huyện ủy,", "- Thường trực HĐND, UBND huyện,", "- Các cơ quan tham mưu, giúp việc Huyện ủy,",
        "- Trung tâm Chính trị huyện,", "- MTTQ và các đoàn thể CT-XH huyện,", "- Lưu Văn phòng Huyện ủy.")
    assert (report.signature_title, report.signer_name) == (("CHÁNH VĂN PHÒNG",), "Nguyễn Văn A")


def test_as06_issued_number_and_date(as01, chief):
    row = create_report(chief, Period(2024, "quarter", 2), date(2024, 6, 3))
    save_report(chief, row, narrative={}, number=45, issued_on=date(2024, 6, 5), signer_name=None,
                    signer_title=None, expected_version=row.version_id)
    db.session.commit()
    header = build_for(row).header
    assert (header.number_line, header.place_date_line) == ("Số 45-BC/VPHU", "Phụng Hiệp, ngày 05 tháng 6 năm 2024")


def test_as07_sections_numbering_agency_order_and_empty_proposals(as01, agencies):
    for code in [a for a in agencies if a not in ("X.TANBINH", "UBND")]:
        db.session.add(AgencyPeriodInput(organisation_id=agencies[code].id, year=2024, period_kind="quarter",
                                         period_index=2, results_text=f"Kết quả công tác của {code}.",
                                         next_tasks_text=f"Nhiệm vụ tới của {code}."))
    db.session.commit()
    add_key_indicators()
    report = build()
    top = [p.text for p in report.body() if p.style == "heading1"]
    assert top == [AS01_HEADING, "II. KẾT QUẢ THỰC HIỆN NHIỆM VỤ 6 THÁNG ĐẦU NĂM 2024", "III. NHẬN XÉT, ĐÁNH GIÁ",
                   "IV. MỘT SỐ NHIỆM VỤ TRONG THỜI GIAN TỚI", "V. ĐỀ XUẤT, KIẾN NGHỊ"]
    two = [line for line in report.section_text("II") if line[:2] in ("1.", "2.", "3.", "4.")]
    assert [line[:2] for line in two] == ["1.", "2.", "3."]
    order = ["BTG", "BTC", "UBKT", "BDV", "TTCT", "VP", "MTTQ", "LĐLĐ", "CCB", "HND", "HLHPN", "HĐ", "CTĐ"]
    assert [b.code for b in report.agency_blocks] == order
    fields = [p.text for p in report.body() if p.style == "field" and p.text != "* Khó khăn, hạn chế:"
              and p.text != "* Nguyên nhân hạn chế:"]
    assert fields == [f"* {agencies[c].report_heading}:" for c in order]
    iv2 = report.section("IV").subsections[1].paras
    assert [p.text for p in iv2 if p.style == "bullet"] == [f"- {agencies[c].name}: Nhiệm vụ tới của {c}." for c in order]
    assert report.section_text("V") == ["V. ĐỀ XUẤT, KIẾN NGHỊ", "Không."]


def test_agency_proposals_fill_section_five(as01, agencies):
    db.session.add(AgencyPeriodInput(organisation_id=agencies["BTG"].id, year=2024, period_kind="quarter",
                                     period_index=2, results_text="x",
                                     proposals_text="Ban Tuyên giáo Huyện ủy đề xuất trang bị 05 laptop."))
    db.session.commit()
    assert build().section_text("V")[1:] == ["Ban Tuyên giáo Huyện ủy đề xuất trang bị 05 laptop."]


def test_progress_narratives_fill_an_agency_without_input(as01, agencies, factories):
    from app.core.clock import now_utc
    from app.models import ProgressReport

    officer = factories.user(Role.AGENCY_OFFICER, agencies["BDV"])
    task = next(t for t in as01.tasks if t.lead_org_id == agencies["BDV"].id)
    db.session.add(ProgressReport(task_id=task.id, organisation_id=agencies["BDV"].id, author_id=officer.id,
                                  status=TaskStatus.IN_PROGRESS, result_text="Đã tổ chức đối thoại tại xã Phương Bình.",
                                  reported_on=date(2024, 5, 2), created_at=now_utc()))
    db.session.commit()
    block = next(b for b in build().agency_blocks if b.code == "BDV")
    assert (block.source, [p.text for p in block.paras]) == ("progress", ["Đã tổ chức đối thoại tại xã Phương Bình."])


def test_footnotes_are_numbered_across_the_document(as01, agencies, office_user):
    db.session.add(AgencyPeriodInput(organisation_id=agencies["UBKT"].id, year=2024, period_kind="quarter",
                                     period_index=2, results_text="Thi hành kỷ luật 08 đồng chí[^Chi tiết kỷ luật]."))
    db.session.commit()
    row = create_report(office_user, Period(2024, "quarter", 2), date(2024, 6, 20))
    save_report(office_user, row, narrative={"key_work": "- Quán triệt Đề án 09[^Đề án số 09-ĐA/TU]."},
                    number=None, issued_on=None, signer_name=None, signer_title=None, expected_version=row.version_id)
    db.session.commit()
    report = build_for(row)
    assert report.footnotes == ("Đề án số 09-ĐA/TU", "Chi tiết kỷ luật")
    para = next(p for p in report.body() if "kỷ luật 08" in p.text)
    assert para.parts == ("Thi hành kỷ luật 08 đồng chí", 2, ".")


# --- Editing flow -----------------------------------------------------------------------------


def test_regenerate_keeps_edits_and_picks_up_new_data(as01, office_user):
    row = create_report(office_user, Period(2024, "quarter", 2), date(2024, 6, 20))
    save_report(office_user, row, narrative={"achievements": "- Các cơ quan đã tập trung vào cuộc."},
                    number=None, issued_on=None, signer_name=None, signer_title=None, expected_version=row.version_id)
    db.session.commit()
    item = as01.tan_binh_item
    item.status, item.completed_on = TaskStatus.COMPLETED, date(2024, 6, 28)
    db.session.commit()
    assert build_for(row).section_text("I")[2] == AS01_SECOND  # still as of 20/6
    rebuilt = regenerate_report(office_user, row, date(2024, 6, 30), expected_version=row.version_id)
    db.session.commit()
    assert len(rebuilt.section_text("I")) == 2
    assert "- Các cơ quan đã tập trung vào cuộc." in rebuilt.section_text("III")
    assert row.as_of == date(2024, 6, 30)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "regenerate")) == 1


def test_stale_save_is_a_conflict_and_changes_nothing(as01, office_user):
    row = create_report(office_user, Period(2024, "quarter", 2), date(2024, 6, 20))
    db.session.commit()
    stale = row.version_id
    save_report(office_user, row, narrative={"causes": "Một"}, number=None, issued_on=None, signer_name=None,
                    signer_title=None, expected_version=stale)
    db.session.commit()
    with pytest.raises(Conflict):
        save_report(office_user, row, narrative={"causes": "Hai"}, number=None, issued_on=None,
                        signer_name=None, signer_title=None, expected_version=stale)
    db.session.rollback()
    assert json.loads(row.narrative) == {"causes": "Một"}


def test_freeze_stores_figures_and_word_file(as01, office_user):
    add_key_indicators()
    row = create_report(office_user, Period(2024, "quarter", 2), date(2024, 6, 20))
    db.session.commit()
    version = freeze_report(office_user, row, expected_version=row.version_id)
    db.session.commit()
    assert (version.version_no, row.state) == (1, ReportState.FROZEN)
    data = json.loads(version.data)
    assert data["figures"]["conclusion"]["tasks"] == 9 and data["figures"]["conclusion"]["items"] == 11
    assert data["figures"]["indicators"][0]["actual"] == "112"
    assert [p["parts"][0] for p in data["body"][:3]] == [AS01_HEADING, AS01_FIRST, AS01_SECOND]
    assert version.docx[:2] == b"PK"
    second = freeze_report(office_user, row, expected_version=row.version_id)
    db.session.commit()
    assert second.version_no == 2


def test_only_the_office_writes_reports(as01, factories, agencies):
    period = Period(2024, "quarter", 2)
    for role in (Role.COMMITTEE, Role.AGENCY_HEAD, Role.AGENCY_OFFICER):
        with pytest.raises(PermissionDenied):
            create_report(factories.user(role, agencies["BTG"]), period, date(2024, 6, 20))


def test_one_report_per_period_and_cut_off_in_the_year(as01, office_user):
    period = Period(2024, "quarter", 2)
    with pytest.raises(ValidationFailed):
        create_report(office_user, period, date(2023, 12, 31))
    create_report(office_user, period, date(2024, 6, 20))
    db.session.commit()
    with pytest.raises(Conflict):
        create_report(office_user, period, date(2024, 6, 21))


@pytest.mark.parametrize("code,expected,canonical", [
    ("2024-Q2", ("quarter", 2, "quý II/2024", "6 THÁNG ĐẦU NĂM 2024"), "2024-Q2"),
    ("2024-H1", ("half", 1, "6 tháng đầu năm 2024", "6 THÁNG ĐẦU NĂM 2024"), "2024-H1"),
    ("2024-9M", ("nine_months", 1, "9 tháng đầu năm 2024", "9 THÁNG ĐẦU NĂM 2024"), "2024-9M"),
    ("2024-Y", ("year", 1, "năm 2024", "NĂM 2024"), "2024"),
    ("2024", ("year", 1, "năm 2024", "NĂM 2024"), "2024"),
])
def test_period_codes(code, expected, canonical):
    from app.core.periods import report_period_heading

    period = parse_period(code)
    assert (period.kind, period.index, period.label, report_period_heading(2024, period.end_quarter)) == expected
    assert period.code == canonical
    assert parse_period(period.code) == period


def test_bad_period_code_is_a_clear_refusal():
    with pytest.raises(ValidationFailed):
        parse_period("2024-Q5")


# --- AS-09 branch B: carry-over --------------------------------------------------------------


def test_as09_carry_over_keeps_history_and_counts_once(as01, office_user):
    row = create_report(office_user, Period(2024, "quarter", 2), date(2024, 6, 20))
    db.session.commit()
    candidates = carry_over_candidates(row)
    assert [c.task.id for c in candidates] == [as01.tan_binh_task.id]
    task = as01.tan_binh_task
    created_at, task_id = task.created_at, task.id
    target = carry_over(office_user, row, {task_id: date(2024, 9, 30)})
    db.session.commit()
    db.session.expire_all()
    task = db.session.get(Task, task_id)
    assert (target.status, target.meeting_id, target.doc_type) == (DirectiveStatus.DRAFT, as01.q2.id, "TB")
    assert (task.directive_id, task.due_date, task.original_due_date, task.created_at) == (
        target.id, date(2024, 9, 30), date(2024, 6, 30), created_at)
    link = db.session.scalar(sa.select(TaskCarryOver).where(TaskCarryOver.task_id == task_id))
    assert (link.from_directive_id, link.to_directive_id, link.previous_due_date, link.new_due_date) == (
        as01.conclusion.id, target.id, date(2024, 6, 30), date(2024, 9, 30))
    item = next(i for i in task.items if i.text == TAN_BINH)
    assert item.due_date == date(2024, 9, 30) and not task_is_overdue(task, date(2024, 7, 1))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "carry_over", AuditEvent.task_id == task_id)) == 1
    # Q2 report: still 9 tasks / 11 items and the item is still unfinished (AS-01 text).
    assert build_for(row).section_text("I") == [AS01_HEADING, AS01_FIRST, AS01_SECOND]
    # Carrying twice is refused; the candidate is shown as carried.
    assert [c.carried for c in carry_over_candidates(row)] == [True]
    with pytest.raises(Conflict):
        carry_over(office_user, row, {task_id: date(2024, 9, 30)})
    db.session.rollback()
    # Q3 report: the Q2 conclusion (once issued) set exactly this one item, counted once.
    target = db.session.get(Directive, target.id)
    target.status, target.number, target.issued_on = DirectiveStatus.ISSUED, "215", date(2024, 6, 24)
    db.session.commit()
    q3 = build_period_report(2024, "quarter", 3, date(2024, 9, 20))
    assert (q3.conclusion.task_count, q3.conclusion.unit_count) == (1, 1)
    assert q3.section_text("I")[1].startswith(
        "Ngày 20/6/2024, Thường trực Huyện ủy có buổi làm việc định kỳ quý II/2024 với các cơ quan tham mưu")
    assert "chỉ đạo 01 nhiệm vụ trọng tâm, với 01 nội dung cần tập trung thực hiện trong quý III/2024" in q3.section_text("I")[1]


def test_carry_over_validates_due_dates_and_meeting(as01, office_user):
    row = create_report(office_user, Period(2024, "quarter", 2), date(2024, 6, 20))
    db.session.commit()
    with pytest.raises(ValidationFailed):
        carry_over(office_user, row, {as01.tan_binh_task.id: date(2024, 6, 1)})
    with pytest.raises(ValidationFailed):
        carry_over(office_user, row, {as01.tasks[0].id: date(2024, 9, 30)})  # completed: not a candidate
    with pytest.raises(ValidationFailed):
        carry_over(office_user, row, {})
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TaskCarryOver)) == 0
