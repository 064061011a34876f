"""Directive references: parsing, one canonical record per document, links, search, `flask refs parse`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from app.core.enums import DirectiveStatus
from app.directives import breakdown, citations
from app.extensions import db
from app.models import Directive, DocumentReference

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "domain-fixtures.json"
CASES = json.loads(FIXTURES.read_text(encoding="utf-8"))["reference_cases"]


def _references() -> list[Directive]:
    return db.session.scalars(sa.select(Directive).where(Directive.status == DirectiveStatus.REFERENCE)
                              .order_by(Directive.id)).all()


def test_as08_two_documents_four_mentions(catalog, factories):
    """AS-08: two records, every mention linked, the undated mention inherits the date."""
    notice = factories.directive(number="198")
    texts = ["Quán triệt thực hiện nghiêm túc Đề án số 09-ĐA/TU của Ban Thường vụ Tỉnh ủy",
             "… Đề án số 09-ĐA/TU ngày 05/01/2024 của Ban Thường vụ Tỉnh ủy …",
             "Kế hoạch số 154- KH/HU, ngày 5/6/2024",
             "Kế hoạch số 154-KH/HU, ngày 05/6/2024"]
    for source_id, text in enumerate(texts, start=1):
        citations.sync_references("progress_report", source_id, text, own=notice)
    db.session.commit()
    plan_, scheme = sorted(_references(), key=lambda d: d.doc_type)
    assert (scheme.doc_type, scheme.number, scheme.issuer_suffix, scheme.issued_on) == ("ĐA", "09", "TU", date(2024, 1, 5))
    assert scheme.issuing_body == "Ban Thường vụ Tỉnh ủy"
    assert (plan_.doc_type, plan_.number, plan_.issuer_suffix, plan_.issued_on) == ("KH", "154", "HU", date(2024, 6, 5))
    assert plan_.title == "Kế hoạch số 154-KH/HU ngày 05/6/2024"
    links = db.session.scalars(sa.select(DocumentReference).order_by(DocumentReference.source_id)).all()
    assert [link.target_directive_id for link in links] == [scheme.id, scheme.id, plan_.id, plan_.id]


def test_within_one_text_an_earlier_undated_mention_gets_the_later_date(catalog, factories):
    notice = factories.directive(number="198")
    citations.sync_references("directive", notice.id, "Đề án số 09-ĐA/TU … theo Đề án số 09-ĐA/TU ngày 05/01/2024.",
                             own=notice)
    [scheme] = _references()
    assert scheme.issued_on == date(2024, 1, 5)


def test_flags_are_kept_redacted_numbers_not_linked_and_multi_numbers_split(catalog, factories):
    notice = factories.directive(number="198")
    text = ("Công văn số 359-CV/HU ngày 13/02/82023; Công văn số 444-KH/HU ngày 30/6/2023; "
            "Công văn số 1...6-CV/UBKTHU ngày 21/12/2022; Quyết định 217, 218-QĐ/TW")
    links = citations.sync_references("directive", notice.id, text, own=notice)
    flagged = {link.matched_text: link.flags for link in links}
    assert flagged["Công văn số 359-CV/HU ngày 13/02/82023"] == "invalid-date"
    assert flagged["Công văn số 444-KH/HU ngày 30/6/2023"] == "type-code-mismatch"
    assert not any("1...6" in m for m in flagged)
    numbers = sorted(d.number for d in _references() if d.doc_type == "QĐ")
    assert numbers == ["217", "218"]
    cv = next(d for d in _references() if d.doc_type == "CV")
    assert (cv.number, cv.issued_on) == ("359", None)


def test_a_notice_does_not_cite_itself_and_a_real_directive_replaces_its_reference(office_client, catalog, factories):
    mentioning = factories.directive(number="198", body="Triển khai Kế hoạch số 175-KH/HU ngày 29/3/2024.")
    citations.sync_directive_references(mentioning)
    db.session.commit()
    [reference] = _references()
    response = office_client.post_form("/directives/new", {
        "doc_type": "KH", "number": "175", "issuer_suffix": "HU", "issued_on": "2024-03-29", "meeting_id": 0,
        "title": "Kế hoạch tiếp tục duy trì mô hình lấy ý kiến của người dân", "status": "issued",
        "body": "Kế hoạch số 175-KH/HU này thay thế cho…"})
    assert response.status_code == 302
    db.session.expire_all()
    promoted = db.session.get(Directive, reference.id)
    assert promoted.status is DirectiveStatus.ISSUED and promoted.title.startswith("Kế hoạch tiếp tục")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentReference)
                             .where(DocumentReference.source_id == promoted.id,
                                    DocumentReference.source_kind == "directive")) == 0  # no self-reference
    page = office_client.get(f"/directives/{mentioning.id}").get_data(as_text=True)
    assert f'<a href="/directives/{promoted.id}" class="doc-ref"' in page
    cited = office_client.get(f"/directives/{promoted.id}").get_data(as_text=True)
    assert f"/directives/{mentioning.id}" in cited  # "được dẫn chiếu tại"


def test_task_texts_are_parsed_and_searchable(office_client, catalog, factories):
    notice = factories.directive(meeting=factories.meeting(), number="198")
    breakdown.add_task(None, notice, breakdown.TaskInput(
        title="Sơ kết 05 năm thực hiện Nghị quyết số 26-NQ/TW ngày 19/5/2018", lead_org_id=catalog["BTC"].id,
        due_phrase="trong quý III/2024"))
    db.session.commit()
    [resolution] = _references()
    assert (resolution.symbol, resolution.issued_on) == ("26-NQ/TW", date(2018, 5, 19))

    page = office_client.get("/directives/references?q=Nghị quyết số 26-NQ/TW").get_data(as_text=True)
    assert f'data-target-id="{resolution.id}"' in page and "Nhiệm vụ 1" in page
    assert f'data-target-id="{resolution.id}"' in office_client.get("/directives/references?q=26-NQ/TW").get_data(as_text=True)
    assert 'data-testid="no-results"' in office_client.get("/directives/references?q=27-NQ/TW").get_data(as_text=True)
    listing = office_client.get("/directives/?q=26-NQ/TW").get_data(as_text=True)
    assert f'data-directive-id="{notice.id}"' in listing  # the notice whose task cites it


def test_cli_refs_parse_covers_every_fixture_case(runner):
    for case in CASES:
        result = runner.invoke(args=["refs", "parse", case["text"]])
        assert result.exit_code == 0, result.output
        rows = json.loads(result.output)
        expected = case["expected"]
        if expected is None:
            assert all(row["start"] != 0 for row in rows)
            continue
        first = rows[0]
        assert first["start"] == 0
        for key in ("match", "type", "number", "code", "issuer", "style", "year", "date", "raw_date", "flags"):
            assert first[key] == expected[key], (case["text"], key)
        assert first["valid"] is (not expected["flags"])
        assert len(first["reasons"]) == len(expected["flags"])  # every malformed case says why


def test_cli_refs_parse_explains_a_malformed_reference(runner):
    result = runner.invoke(args=["refs", "parse", "Công văn số 444-KH/HU ngày 30/6/2023"])
    [row] = json.loads(result.output)
    assert row["flags"] == ["type-code-mismatch"]
    assert row["reasons"] == ["Loại văn bản “Công văn” không khớp với ký hiệu “KH” (ký hiệu đúng: CV)."]
    result = runner.invoke(args=["refs", "parse", "Kế hoạch số 154- KH/HU, ngày 5/6/2024"])
    [row] = json.loads(result.output)
    assert (row["canonical"], row["valid"]) == ("Kế hoạch số 154-KH/HU ngày 05/6/2024", True)
