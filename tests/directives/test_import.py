"""Importing a conclusion notice: paste or upload, review and correct, confirm in one transaction."""

from __future__ import annotations

import io
import json
from datetime import date

import sqlalchemy as sa

from app.core.enums import DirectiveStatus, TaskKind
from app.demo.catalog import DEMO_CONCLUSION_EXPECTED, demo_conclusion_docx, demo_conclusion_text
from app.extensions import db
from app.models import AuditEvent, ContentItem, Directive, Meeting, Task
from app.tasks.units import item_due, item_owner
from tests.directives.conftest import form_values, post_values


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _review(client, url="/directives/import", **data):
    response = client.post_form(url, {"step": "propose", **data})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def _assert_matches_expected(directive: Directive, catalog) -> None:
    code_of = {org.id: code for code, org in catalog.items()}
    tasks = db.session.scalars(sa.select(Task).where(Task.directive_id == directive.id).order_by(Task.ordinal)).all()
    assert len(tasks) == DEMO_CONCLUSION_EXPECTED["task_count"] == 9
    assert sum(len(t.items) for t in tasks) == DEMO_CONCLUSION_EXPECTED["item_count"] == 11
    for task, expected in zip(tasks, DEMO_CONCLUSION_EXPECTED["tasks"], strict=True):
        assert task.ordinal == expected["ordinal"]
        assert code_of[task.lead_org_id] == expected["lead_code"]
        assert [code_of[o.id] for o in task.coordinators] == sorted(
            expected["coordinator_codes"], key=lambda c: catalog[c].display_order)
        assert (task.due_phrase, task.due_date, task.original_due_date) == (
            expected["due_phrase"], expected["due_date"], expected["due_date"])
        assert task.kind is TaskKind.ONE_OFF
        assert len(task.items) == len(expected["items"])
        for item, want in zip(task.items, expected["items"], strict=True):
            assert item.text == want["text"]
            assert code_of[item_owner(item).id] == want["lead_code"]
            assert item_due(item) == want["due_date"]
    tan_binh = tasks[8].items[0]
    assert (tan_binh.due_phrase, tan_binh.due_date) == ("trong tháng 6/2024", date(2024, 6, 30))


def test_pasting_the_demo_q1_2024_conclusion_yields_9_tasks_and_11_items(office_client, catalog):
    html = _review(office_client, text=demo_conclusion_text())
    assert "9 nhiệm vụ, 11 nội dung" in html
    assert _count(Task) == 0  # the review screen saves nothing

    response = post_values(office_client, "/directives/import", form_values(html))
    assert response.status_code == 302
    directive = db.session.scalar(sa.select(Directive).where(Directive.status == DirectiveStatus.ISSUED))
    assert (directive.symbol, directive.issued_on) == (DEMO_CONCLUSION_EXPECTED["symbol"], DEMO_CONCLUSION_EXPECTED["issued_on"])
    assert directive.title == DEMO_CONCLUSION_EXPECTED["title"]
    assert (directive.meeting.held_on, directive.meeting.period_label) == (date(2024, 3, 14), "quý I/2024")
    assert directive.term_start_year == 2020
    _assert_matches_expected(directive, catalog)
    # the quoted Đề án is now a linked reference; the import is audited
    assert db.session.scalar(sa.select(Directive).where(Directive.status == DirectiveStatus.REFERENCE)).symbol == "09-ĐA/TU"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "import")) == 1

    page = office_client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-status-count="not_started">Chưa triển khai: 9' in page
    assert page.count('role="progressbar"') == 10  # one per task plus the overall bar


def test_review_corrections_are_what_gets_saved(office_client, catalog):
    html = _review(office_client, text=demo_conclusion_text())
    values = form_values(html, overrides={
        "tasks-2-due_phrase": "trước ngày 15/6/2024",
        "tasks-3-lead": catalog["BTG"].id,
        "tasks-3-coordinators": [catalog["BDV"].id, catalog["UBND"].id],
        "tasks-8-remove": "y",
        "tasks-0-ordinal": "20",
    })
    assert post_values(office_client, "/directives/import", values).status_code == 302
    tasks = db.session.scalars(sa.select(Task).order_by(Task.ordinal)).all()
    assert len(tasks) == 8
    assert tasks[-1].description.startswith("Ban Tuyên giáo Huyện ủy chủ trì")  # moved to the end
    third = next(t for t in tasks if t.description.startswith("Ủy ban Kiểm tra"))
    assert (third.due_phrase, third.due_date) == ("trước ngày 15/6/2024", date(2024, 6, 14))
    fourth = next(t for t in tasks if t.description.startswith("Giao Ban Dân vận"))
    assert fourth.lead_org.code == "BTG" and [o.code for o in fourth.coordinators] == ["BDV", "UBND"]


def test_a_wrong_row_on_review_saves_nothing_and_keeps_the_corrections(office_client, catalog):
    html = _review(office_client, text=demo_conclusion_text())
    values = form_values(html, overrides={"tasks-1-lead": "", "tasks-4-due_phrase": "trong quý V/2024",
                                          "tasks-6-title": "Sửa lại tiêu đề nhiệm vụ 7"})
    response = post_values(office_client, "/directives/import", values)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nhiệm vụ 2: Chưa chọn cơ quan chủ trì." in page
    assert "Quý “V” không hợp lệ" in page
    assert "Sửa lại tiêu đề nhiệm vụ 7" in page  # the user's corrections are kept on the screen
    assert (_count(Task), _count(Directive), _count(Meeting), _count(ContentItem)) == (0, 0, 0, 0)

    fixed = form_values(page, overrides={"tasks-1-lead": catalog["BTC"].id, "tasks-4-due_phrase": "trong quý II/2024"})
    assert post_values(office_client, "/directives/import", fixed).status_code == 302
    assert (_count(Task), _count(ContentItem)) == (9, 11)


def test_uploading_the_notice_as_word_with_automatic_numbering(office_client, catalog, factories):
    directive = factories.directive(meeting=factories.meeting(), number="198", title="Thông báo kết luận quý I/2024")
    upload = (io.BytesIO(demo_conclusion_docx(auto_numbering=True)), "Thong bao 198.docx")
    html = _review(office_client, f"/directives/{directive.id}/import", file=upload)
    assert "9 nhiệm vụ, 11 nội dung" in html
    assert post_values(office_client, f"/directives/{directive.id}/import", form_values(html)).status_code == 302
    assert _count(Directive) == 2  # the existing notice and the referenced Đề án; no new notice
    _assert_matches_expected(directive, catalog)


def test_importing_into_a_directive_appends_after_its_tasks(office_client, catalog, factories):
    directive = factories.directive(meeting=factories.meeting())
    factories.task(catalog["VP"], directive_=directive, ordinal=1, title="Nhiệm vụ có sẵn")
    text = "1. Ban Dân vận Huyện ủy chủ trì, phối hợp với MTTQ tổ chức đối thoại với Nhân dân trong tháng 5/2024.\n"
    html = _review(office_client, f"/directives/{directive.id}/import", text=text)
    assert post_values(office_client, f"/directives/{directive.id}/import", form_values(html)).status_code == 302
    new = db.session.scalar(sa.select(Task).where(Task.description.like("Ban Dân vận%")))
    assert new.title == "Tổ chức đối thoại với Nhân dân"  # the action; the paragraph is the description
    assert (new.ordinal, new.lead_org.code, [o.code for o in new.coordinators]) == (2, "BDV", ["MTTQ"])
    assert (new.due_phrase, new.due_date) == ("trong tháng 5/2024", date(2024, 5, 31))


def test_bad_import_input_gets_a_clear_message(office_client, catalog):
    response = office_client.post_form("/directives/import", {"step": "propose", "text": "   "})
    assert response.status_code == 422
    assert "Chưa dán nội dung thông báo hoặc chọn tệp." in response.get_data(as_text=True)

    fake = (io.BytesIO(b"%PDF-1.4 not a word file"), "thong-bao.docx")
    response = office_client.post_form("/directives/import", {"step": "propose", "file": fake})
    assert response.status_code == 422
    assert "không phải là tài liệu Word (.docx) hợp lệ" in response.get_data(as_text=True)

    other = (io.BytesIO(b"x"), "thong-bao.pdf")
    response = office_client.post_form("/directives/import", {"step": "propose", "file": other})
    assert "Chỉ nhận tệp .docx hoặc .txt." in response.get_data(as_text=True)

    huge = (io.BytesIO(b"\0" * (50 * 1024 * 1024)), "thong-bao.docx")
    response = office_client.post_form("/directives/import", {"step": "propose", "file": huge})
    assert response.status_code == 413
    assert "Tệp tải lên quá lớn." in response.get_data(as_text=True)
    assert (_count(Task), _count(Directive)) == (0, 0)


def test_cli_dry_run_prints_the_proposal_and_saves_nothing(runner, catalog, tmp_path):
    notice = tmp_path / "q1.txt"
    notice.write_text(demo_conclusion_text(), encoding="utf-8")
    result = runner.invoke(args=["directives", "import", str(notice), "--dry-run"])
    assert result.exit_code == 0, result.output
    draft = json.loads(result.output)
    assert (draft["task_count"], draft["item_count"]) == (9, 11)
    assert draft["tasks"][6]["lead_code"] == "MTTQ"
    assert draft["directive"]["symbol"] == "198-TB/HU"
    assert _count(Task) == 0


def test_cli_import_creates_the_same_tasks_as_the_web(runner, catalog, tmp_path, factories):
    notice = tmp_path / "q1.docx"
    notice.write_bytes(demo_conclusion_docx())
    result = runner.invoke(args=["directives", "import", str(notice)])
    assert result.exit_code == 0, result.output
    assert "Đã lưu 9 nhiệm vụ, 11 nội dung" in result.output
    directive = db.session.scalar(sa.select(Directive).where(Directive.status == DirectiveStatus.ISSUED))
    _assert_matches_expected(directive, catalog)


def test_cli_import_into_a_directive_and_refusals(runner, catalog, tmp_path, factories):
    directive = factories.directive(meeting=factories.meeting())
    good = tmp_path / "one.txt"
    good.write_text("1. Hội Nông dân huyện chủ trì vận động hội viên tham gia trong quý II/2024.\n", encoding="utf-8")
    result = runner.invoke(args=["directives", "import", str(good), "--directive-id", str(directive.id)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(Task)).lead_org.code == "HND"

    no_lead = tmp_path / "no-lead.txt"
    no_lead.write_text("1. Tổ chức tốt các hoạt động kỷ niệm trong quý II/2024.\n", encoding="utf-8")
    result = runner.invoke(args=["directives", "import", str(no_lead), "--directive-id", str(directive.id)])
    assert result.exit_code != 0
    assert "Chưa chọn cơ quan chủ trì" in result.output
    assert _count(Task) == 1

    bad = tmp_path / "fake.docx"
    bad.write_bytes(b"not a zip")
    result = runner.invoke(args=["directives", "import", str(bad)])
    assert result.exit_code != 0 and "không phải là tài liệu Word" in result.output
    result = runner.invoke(args=["directives", "import", str(good), "--directive-id", "999"])
    assert result.exit_code != 0 and "Không tìm thấy văn bản" in result.output


def test_decomposed_text_and_old_style_tone_marks_import_the_same(office_client, catalog):
    """NFD characters and "Huyện uỷ"/"Hoà" spellings are normalised before matching (domain.md §0.2)."""
    import unicodedata

    text = unicodedata.normalize("NFD", demo_conclusion_text().replace("Huyện ủy", "Huyện uỷ"))
    html = _review(office_client, text=text)
    assert "9 nhiệm vụ, 11 nội dung" in html
    assert post_values(office_client, "/directives/import", form_values(html)).status_code == 302
    directive = db.session.scalar(sa.select(Directive).where(Directive.status == DirectiveStatus.ISSUED))
    assert [t.lead_org.code for t in directive_tasks(directive)] == [t["lead_code"] for t in DEMO_CONCLUSION_EXPECTED["tasks"]]
    assert unicodedata.is_normalized("NFC", directive.body)


def directive_tasks(directive):
    return db.session.scalars(sa.select(Task).where(Task.directive_id == directive.id).order_by(Task.ordinal)).all()


def test_filters_with_nonsense_values_do_not_fail(office_client, catalog):
    for query in ("year=99999999", "quarter=7&year=2024", "after=abc", "agency=999999999", "status=bogus", "type=ZZ"):
        assert office_client.get(f"/directives/?{query}").status_code == 200
    assert office_client.get("/directives/meetings/?year=99999999&kind=x").status_code == 200
