"""Directive reference parser and canonical symbols (domain.md §2.4–§2.7, AS-08)."""

import json
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from app.directives.refs import (
    DOC_TYPES,
    FLAGS,
    Reference,
    Symbol,
    SymbolError,
    format_symbol,
    merge_references,
    parse_reference_at,
    parse_references,
    parse_symbol,
    validate_reference,
)

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "domain-fixtures.json"
CASES = json.loads(FIXTURES.read_text(encoding="utf-8"))["reference_cases"]


def _as_fixture(ref: Reference) -> dict:
    return {
        "match": ref.match,
        "type": ref.type,
        "number": ref.number,
        "code": ref.code,
        "issuer": ref.issuer,
        "style": ref.style,
        "year": ref.year,
        "date": ref.date.isoformat() if ref.date else None,
        "raw_date": ref.raw_date,
        "flags": list(ref.flags),
    }


def test_fixture_has_38_cases():
    assert len(CASES) == 38


@pytest.mark.parametrize("case", CASES, ids=[f"{i + 1:02d}-{c['file']}" for i, c in enumerate(CASES)])
def test_reference_fixture(case):
    ref = parse_reference_at(case["text"])
    if case["expected"] is None:
        assert ref is None
    else:
        assert _as_fixture(ref) == case["expected"]
        assert (ref.start, ref.end) == (0, len(case["expected"]["match"]))


def test_redacted_state_reference_is_skipped_for_the_next_one():
    [ref] = parse_references(CASES[-1]["text"])
    assert ref.match == "Kế hoạch số 207-KH/TU ngày 19/9/20..."
    assert ref.flags == ("incomplete-date",)


def test_parse_references_finds_all_in_order_with_offsets():
    text = (
        "Thực hiện Nghị quyết số 26-NQ/TW ngày 19/5/2018 và Kế hoạch số 175-KH/HU ngày 29/3/2024 của Huyện ủy"
    )
    refs = parse_references(text)
    assert [r.key() for r in refs] == [("NQ", "26", "TW"), ("KH", "175", "HU")]
    assert all(text[r.start : r.end] == r.match for r in refs)


def test_parse_references_normalises_first():
    text = unicodedata.normalize("NFD", "Đề án số 09-ĐA/TU\u00a0ngày 05/01/2024")
    [ref] = parse_references(text)
    assert (ref.code, ref.date) == ("ĐA", date(2024, 1, 5))


def test_parse_reference_at_other_position():
    text = "Theo Kế hoạch số 175-KH/HU"
    assert parse_reference_at(text) is None
    assert parse_reference_at(text, 5).number == "175"


def test_unnumbered_mentions_are_not_references():
    assert parse_references("Đề án 09 của Tỉnh ủy; kế hoạch 10%; theo Kết luận của Ban Thường vụ") == []


# ------------------------------------------------------------------ AS-08

AS08_TEXTS = [
    "Quán triệt thực hiện nghiêm túc Đề án số 09-ĐA/TU của Ban Thường vụ Tỉnh ủy",
    "… Đề án số 09-ĐA/TU ngày 05/01/2024 của Ban Thường vụ Tỉnh ủy …",
    "Kế hoạch số 154- KH/HU, ngày 5/6/2024",
    "Kế hoạch số 154-KH/HU, ngày 05/6/2024",
]


def test_as08_exactly_two_documents():
    refs = [ref for text in AS08_TEXTS for ref in parse_references(text)]
    assert len(refs) == 4
    records = merge_references(refs)
    assert [(r.type, r.number, r.code, r.issuer, r.date) for r in records] == [
        ("Đề án", "09", "ĐA", "TU", date(2024, 1, 5)),
        ("Kế hoạch", "154", "KH", "HU", date(2024, 6, 5)),
    ]


def test_as08_both_de_an_mentions_share_a_key():
    undated, dated = (parse_references(text)[0] for text in AS08_TEXTS[:2])
    assert undated.date is None and dated.date == date(2024, 1, 5)
    assert undated.key() == dated.key() == ("ĐA", "9", "TU")


def test_as08_plan_variants_share_a_key():
    spaced, padded = (parse_references(text)[0] for text in AS08_TEXTS[2:])
    assert spaced.key() == padded.key() == ("KH", "154", "HU")
    assert spaced.date == padded.date == date(2024, 6, 5)


@pytest.mark.parametrize("text", AS08_TEXTS[2:])
def test_as08_plan_canonical_rendering(text):
    assert parse_references(text)[0].canonical() == "Kế hoạch số 154-KH/HU ngày 05/6/2024"


def test_as08_invalid_date():
    ref = parse_reference_at("Công văn số 359-CV/HU ngày 13/02/82023")
    assert (ref.number, ref.flags, ref.date) == ("359", ("invalid-date",), None)
    assert validate_reference(ref) == ["Ngày ban hành không hợp lệ (“13/02/82023”)."]


def test_as08_type_code_mismatch():
    ref = parse_reference_at("Công văn số 444-KH/HU ngày 30/6/2023")
    assert ref.flags == ("type-code-mismatch",)
    assert validate_reference(ref) == [
        "Loại văn bản “Công văn” không khớp với ký hiệu “KH” (ký hiệu đúng: CV)."
    ]


def test_merge_keeps_first_date_when_mentions_disagree():
    refs = parse_references("Kế hoạch số 154-KH/HU ngày 05/6/2024; Kế hoạch số 154-KH/HU ngày 06/6/2024")
    [merged] = merge_references(refs)
    assert merged.date == date(2024, 6, 5)


# ------------------------------------------------------------------ canonical rendering


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Đề án số 09-ĐA/TU ngày 05/01/2024", "Đề án số 09-ĐA/TU ngày 05/01/2024"),
        ("Đề án số 9-ĐA/TU", "Đề án số 09-ĐA/TU"),
        ("Kế hoạch số 10-KH/BCĐ ngày 29/02/2024", "Kế hoạch số 10-KH/BCĐ ngày 29/02/2024"),
        ("Kế hoạch số 20KH/HU ngày 09/4/2021", "Kế hoạch số 20-KH/HU ngày 09/4/2021"),
        ("Kế hoạch số 118/KH ngày 7/3/2023", "Kế hoạch số 118/KH ngày 07/3/2023"),
        ("quy định số 117-QĐ/TW, ngày 18/8/20...", "Quy định số 117-QĐ/TW"),
        ("Kế luận số 21-KL/TW", "Kết luận số 21-KL/TW"),
        ("Quy định 205-QĐ/TW ngày 23/9/2019", "Quy định số 205-QĐ/TW ngày 23/9/2019"),
        ("Kết luận số 01-KL/BCĐTU, 06/12/2024", "Kết luận số 01-KL/BCĐTU ngày 06/12/2024"),
        ("Quyết định số 10/2012/QĐ-UBND ngày 14/02/2012", "Quyết định số 10/2012/QĐ-UBND ngày 14/02/2012"),
        ("Kế hoạch số 135/KH-MTTQ-BTT ngày 15/7/2021", "Kế hoạch số 135/KH-MTTQ-BTT ngày 15/7/2021"),
        ("Quyết định 217, 218-QĐ/TW", "Quyết định số 217, 218-QĐ/TW"),
        ("Chỉ thị số 13-CT/TW ngày08/4/2022", "Chỉ thị số 13-CT/TW ngày 08/4/2022"),
    ],
)
def test_canonical(text, canonical):
    assert parse_reference_at(text).canonical() == canonical


# ------------------------------------------------------------------ validation reasons


@pytest.mark.parametrize(
    ("text", "reasons"),
    [
        ("Nghị quyết số 26-NQ/TW ngày 19/5/2018", []),
        ("Quy định số 2409-QĐ/TU ngày 16/12/2019", []),
        ("Công văn số 1...6-CV/UBKTHU ngày 21/12/2022", ["Số văn bản bị che hoặc không đầy đủ (“1...6”)."]),
        (
            "Quyết định 217, 218-QĐ/TW",
            ["Trích dẫn gộp nhiều số văn bản (“217, 218”); cần tách thành từng văn bản."],
        ),
        ("Quy định số 58-QĐ/TW ngày 08/02/202", ["Ngày ban hành không đầy đủ (“08/02/202”)."]),
        ("Kế hoạch số 01-KH/HU ngày 31/02/2024", ["Ngày ban hành không hợp lệ (“31/02/2024”)."]),
        (
            "Chỉ thị 130/2000/NĐ-CP",
            ["Loại văn bản “Chỉ thị” không khớp với ký hiệu “NĐ” (ký hiệu đúng: CT)."],
        ),
        ("Kế hoạch số 118/KH ngày 7/3/2023", ["Thiếu ký hiệu cơ quan ban hành sau “118/KH”."]),
    ],
)
def test_validate_reference(text, reasons):
    assert validate_reference(parse_reference_at(text)) == reasons


def test_flags_use_the_documented_vocabulary():
    refs = [parse_reference_at(case["text"]) for case in CASES if case["expected"]]
    assert {flag for ref in refs for flag in ref.flags} <= set(FLAGS)


# ------------------------------------------------------------------ own symbols


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("12-TB/HU", Symbol(12, "TB", "HU")),
        ("05-TB/HU", Symbol(5, "TB", "HU")),
        ("1058-QĐ/HU", Symbol(1058, "QĐ", "HU")),
        ("11-QĐi/TW", Symbol(11, "QĐi", "TW")),
        ("03-CTr/HU", Symbol(3, "CTr", "HU")),
        ("09-ĐA/TU", Symbol(9, "ĐA", "TU")),
        (" 12-BC/VPHU ", Symbol(12, "BC", "VPHU")),
    ],
)
def test_parse_symbol(text, symbol):
    assert parse_symbol(text) == symbol
    assert str(symbol) == text.strip()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12TB/HU", "gạch nối"),
        ("12 - TB/HU", "gạch nối"),
        ("TB/HU", "thiếu số văn bản"),
        ("12-XX/HU", "Loại văn bản “XX” không hợp lệ"),
        ("12-NĐ/CP", "Loại văn bản “NĐ” không hợp lệ"),
        ("0-TB/HU", "phải lớn hơn 0"),
        ("00-TB/HU", "phải lớn hơn 0"),
        ("5-TB/HU", "hai chữ số"),
        ("012-TB/HU", "thừa chữ số 0"),
        ("12-TB/hu", "Cơ quan ban hành"),
        ("12-TB", "không đúng dạng"),
        ("", "không đúng dạng"),
    ],
)
def test_parse_symbol_rejects(text, reason):
    with pytest.raises(SymbolError, match=reason):
        parse_symbol(text)


def test_symbol_error_is_a_value_error():
    assert issubclass(SymbolError, ValueError)


@pytest.mark.parametrize(("number", "expected"), [(12, "12-TB/HU"), (5, "05-TB/HU"), (215, "215-TB/HU")])
def test_format_symbol(number, expected):
    assert format_symbol(number, "TB", "HU") == expected


@pytest.mark.parametrize(
    ("number", "code", "issuer"), [(0, "TB", "HU"), (1, "XX", "HU"), (1, "TB", ""), (1, "TB", "hu")]
)
def test_format_symbol_rejects(number, code, issuer):
    with pytest.raises(SymbolError):
        format_symbol(number, code, issuer)


def test_doc_types():
    assert len(DOC_TYPES) == 15
    assert DOC_TYPES["QĐ"] == "Quyết định"
    assert DOC_TYPES["QĐi"] == "Quy định"
    assert DOC_TYPES["CTr"] == "Chương trình"
    assert DOC_TYPES["NĐ"] == "Nghị định"
