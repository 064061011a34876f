"""Conclusion-notice import (app/directives/proposal.py, agency_matching, notice_layout, notice_files): structure, agencies, deadlines, .docx safety."""

import io
import json
import re
import textwrap
import unicodedata
import zipfile
from datetime import date

import pytest

from app.core.text import fold_tone_marks
from app.demo import catalog
from app.directives.agency_matching import AgencyRef, agency_refs, build_matcher
from app.directives.notice_files import ImportFileError, extract_docx_text, read_import_file
from app.directives.proposal import propose_tasks, to_json

REFS = agency_refs(catalog.ORGANISATIONS)
EXPECTED = catalog.DEMO_CONCLUSION_EXPECTED


@pytest.fixture(scope="module")
def matcher():
    return build_matcher(REFS)


def _summary(draft):
    """What must not depend on how the notice was typed or stored."""
    return [
        (
            task.ordinal,
            task.lead_code,
            task.coordinator_codes,
            task.due_phrase,
            task.due_date,
            task.all_communes,
            [
                (fold_tone_marks(i.text), i.lead_code, i.coordinator_codes, i.due_phrase, i.due_date)
                for i in task.items
            ],
        )
        for task in draft.tasks
    ]


def _expected_summary():
    return [
        (
            task["ordinal"],
            task["lead_code"],
            task["coordinator_codes"],
            task["due_phrase"],
            task["due_date"],
            task["all_communes"],
            [
                (
                    fold_tone_marks(i["text"]),
                    i["lead_code"],
                    i["coordinator_codes"],
                    i["due_phrase"],
                    i["due_date"],
                )
                for i in task["items"]
            ],
        )
        for task in EXPECTED["tasks"]
    ]


# --- the demo notice ---------------------------------------------------------------------------


def test_demo_notice_yields_expected_tasks_and_items():
    draft = propose_tasks(catalog.demo_conclusion_text(), REFS)
    assert draft.warnings == []
    assert len(draft.tasks) == 9
    assert draft.item_count == 11
    for task, expected in zip(draft.tasks, EXPECTED["tasks"], strict=True):
        assert task.ordinal == expected["ordinal"]
        assert task.lead_code == expected["lead_code"], task.ordinal
        assert task.coordinator_codes == expected["coordinator_codes"], task.ordinal
        assert (task.due_phrase, task.due_date, task.kind) == (
            expected["due_phrase"],
            expected["due_date"],
            "one_off",
        )
        assert task.all_communes is expected["all_communes"]
        assert task.warnings == []
        assert 0 < len(task.title) <= 500
        assert [(i.text, i.lead_code, i.coordinator_codes, i.due_phrase, i.due_date) for i in task.items] == [
            (i["text"], i["lead_code"], i["coordinator_codes"], i["due_phrase"], i["due_date"])
            for i in expected["items"]
        ]


def test_demo_notice_header_is_read():
    directive = propose_tasks(catalog.demo_conclusion_text(), REFS).directive
    assert directive is not None
    assert directive.symbol == EXPECTED["symbol"] == "198-TB/HU"
    assert (directive.doc_type, directive.number, directive.issuer_suffix) == ("TB", "198", "HU")
    assert directive.issued_on == EXPECTED["issued_on"]
    assert directive.meeting_on == EXPECTED["meeting_on"]
    assert directive.title == EXPECTED["title"]
    assert directive.period_label == EXPECTED["period_label"]
    assert (directive.stated_task_count, directive.stated_item_count) == (9, 11)


def test_tan_binh_item_is_the_one_from_as01():
    draft = propose_tasks(catalog.demo_conclusion_text(), REFS)
    item = draft.tasks[8].items[0]
    assert item.text == catalog.TAN_BINH_ITEM_TEXT
    assert (item.lead_code, item.due_phrase, item.due_date) == (
        "X.TANBINH",
        "trong tháng 6/2024",
        date(2024, 6, 30),
    )
    # the task itself is due at the end of the quarter (AS-09)
    assert draft.tasks[8].due_phrase == "trong quý II/2024"


def test_footer_and_closing_paragraph_are_ignored():
    draft = propose_tasks(catalog.demo_conclusion_text(), REFS)
    everything = "\n".join(task.text for task in draft.tasks)
    assert "Nơi nhận" not in everything
    assert "Trần Thanh Phong" not in everything
    assert "nghiêm túc triển khai" not in everything
    assert "./." not in everything


def test_nfd_input_gives_the_same_result():
    text = catalog.demo_conclusion_text()
    nfc = propose_tasks(unicodedata.normalize("NFC", text), REFS)
    nfd = propose_tasks(unicodedata.normalize("NFD", text), REFS)
    assert to_json(nfd) == to_json(nfc)
    assert _summary(nfd) == _expected_summary()


def _old_style(text: str) -> str:
    """Move tone marks of open syllables to the old position: "hòa" → "hoà", "ủy" → "uỷ"."""
    table = {"ò": "oà", "ó": "oá", "ỏ": "oả", "õ": "oã", "ọ": "oạ", "ủ": "uỷ", "ú": "uý", "ù": "uỳ"}
    pattern = re.compile(r"(?<![qQ])([òóỏõọ])a(?!\w)|(?<![qQ])([ủúù])y(?!\w)", re.IGNORECASE)

    def swap(m: re.Match) -> str:
        mark = m.group(1) or m.group(2)
        old = table[mark.lower()]
        return old.capitalize() if mark.isupper() else old

    return pattern.sub(swap, text)


@pytest.mark.parametrize("style", ["old", "new"])
def test_tone_mark_placement_does_not_matter(style):
    text = unicodedata.normalize("NFC", catalog.demo_conclusion_text())
    text = _old_style(text) if style == "old" else fold_tone_marks(text)
    assert ("Huyện uỷ" in text) is (style == "old") and ("Hoà An" in text) is (style == "old")
    draft = propose_tasks(text, REFS)
    assert draft.warnings == []
    assert _summary(draft) == _expected_summary()


def test_pasted_text_with_windows_line_ends_and_nbsp():
    text = catalog.demo_conclusion_text().replace("\n", "\r\n").replace("chủ trì, phối", "chủ\u00a0trì, phối")
    assert _summary(propose_tasks(text, REFS)) == _expected_summary()


def test_to_json_is_serialisable_with_iso_dates():
    data = to_json(propose_tasks(catalog.demo_conclusion_text(), REFS))
    encoded = json.dumps(data, ensure_ascii=False)
    assert '"due_date": "2024-06-30"' in encoded
    assert data["directive"]["issued_on"] == "2024-03-18"
    assert data["task_count"] == 9 and data["item_count"] == 11
    assert data["tasks"][8]["items"][0]["due_phrase"] == "trong tháng 6/2024"


# --- .docx ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("auto_numbering", [False, True], ids=["typed-numbers", "word-numbering"])
def test_docx_built_from_the_demo_text_gives_the_same_result(auto_numbering):
    data = catalog.demo_conclusion_docx(auto_numbering=auto_numbering)
    text = extract_docx_text(data)
    draft = propose_tasks(text, REFS)
    assert draft.warnings == []
    assert _summary(draft) == _expected_summary()
    assert to_json(draft) == to_json(propose_tasks(catalog.demo_conclusion_text(), REFS))
    assert read_import_file(data, "thong-bao.DOCX") == text


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx(document_body: str, *, numbering: str | None = None, extra: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr(
            "word/document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>{document_body}</w:body></w:document>',
        )
        if numbering:
            zf.writestr("word/numbering.xml", f'<w:numbering xmlns:w="{W_NS}">{numbering}</w:numbering>')
        for name, content in (extra or {}).items():
            zf.writestr(name, content)
    return buffer.getvalue()


def _p(text: str, num_id: int | None = None, ilvl: int = 0) -> str:
    ppr = (
        f'<w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr></w:pPr>'
        if num_id
        else ""
    )
    return f'<w:p>{ppr}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


NUMBERING = (
    '<w:abstractNum w:abstractNumId="7">'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>'
    '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%2)"/></w:lvl>'
    '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="\uf0b7"/></w:lvl>'
    "</w:abstractNum>"
    '<w:abstractNum w:abstractNumId="8">'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/></w:lvl>'
    "</w:abstractNum>"
    '<w:num w:numId="3"><w:abstractNumId w:val="7"/></w:num>'
    '<w:num w:numId="4"><w:abstractNumId w:val="8"/></w:num>'
)


def test_docx_numbering_levels_tables_and_revisions():
    body = (
        "<w:tbl><w:tr><w:tc>"
        + _p("HUYỆN ỦY PHỤNG HIỆP")
        + _p("Số 12-TB/HU")
        + "</w:tc><w:tc>"
        + _p("Phụng Hiệp, ngày 05 tháng 7 năm 2024")
        + "</w:tc></w:tr></w:tbl>"
        + _p("NHIỆM VỤ", 4)
        + _p("Ban Tổ chức Huyện ủy chủ trì thực hiện các nội dung sau, hoàn thành trong quý III/2024:", 3)
        + _p("Rà soát quy hoạch", 3, 1)
        + _p("Chuẩn bị nhân sự", 3, 1)
        + _p("chi tiết", 3, 2)
        + _p("Hội Nông dân chủ trì tổ chức Hội thi trong tháng 8/2024.", 3)
        + "<w:p><w:r><w:t>Giữ </w:t></w:r><w:del><w:r><w:delText>XOÁ </w:delText></w:r></w:del>"
        "<w:ins><w:r><w:t>thêm</w:t></w:r></w:ins><w:r><w:tab/><w:t>xong</w:t></w:r></w:p>"
    )
    text = extract_docx_text(_docx(body, numbering=NUMBERING))
    assert text.splitlines() == [
        "HUYỆN ỦY PHỤNG HIỆP",
        "Số 12-TB/HU",
        "Phụng Hiệp, ngày 05 tháng 7 năm 2024",
        "I. NHIỆM VỤ",
        "1. Ban Tổ chức Huyện ủy chủ trì thực hiện các nội dung sau, hoàn thành trong quý III/2024:",
        "a) Rà soát quy hoạch",
        "b) Chuẩn bị nhân sự",
        "- chi tiết",
        "2. Hội Nông dân chủ trì tổ chức Hội thi trong tháng 8/2024.",
        "Giữ thêm\txong",
    ]
    draft = propose_tasks(text, REFS)
    assert draft.directive.symbol == "12-TB/HU" and draft.directive.issued_on == date(2024, 7, 5)
    assert [t.lead_code for t in draft.tasks] == ["BTC", "HND"]
    assert draft.tasks[0].section == "I. NHIỆM VỤ"
    assert [i.text for i in draft.tasks[0].items] == ["Rà soát quy hoạch", "Chuẩn bị nhân sự", "chi tiết"]
    assert {i.due_date for i in draft.tasks[0].items} == {date(2024, 9, 30)}
    assert draft.tasks[1].due_date == date(2024, 8, 31)


def test_non_zip_named_docx_is_refused():
    html = b"<html><body>1. Ban Tuyen giao chu tri</body></html>"
    with pytest.raises(ImportFileError, match="không phải là tài liệu Word"):
        extract_docx_text(html)
    with pytest.raises(ImportFileError):
        read_import_file(html, "thong-bao.docx")
    with pytest.raises(ImportFileError, match=r"\.doc\b"):
        extract_docx_text(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(ImportFileError):
        extract_docx_text(b"PK\x03\x04 truncated")
    with pytest.raises(ImportFileError, match="rỗng"):
        extract_docx_text(b"")


def test_zip_without_document_xml_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("word/styles.xml", "<w:styles/>")
        zf.writestr("readme.txt", "không phải Word")
    with pytest.raises(ImportFileError, match="word/document.xml"):
        extract_docx_text(buffer.getvalue())


def test_zip_bomb_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("word/document.xml", f'<w:document xmlns:w="{W_NS}"><w:body/></w:document>')
        with zf.open("word/media/zeros.bin", "w", force_zip64=True) as fh:
            chunk = b"\0" * (8 * 1024 * 1024)
            for _ in range(25):  # 200 MB of zeros, about 200 KB compressed
                fh.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024
    with pytest.raises(ImportFileError, match="nghi ngờ tệp nén độc hại"):
        extract_docx_text(data)


def test_high_compression_ratio_is_refused_below_the_size_limit():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"<w:document/>" + b" " * (20 * 1024 * 1024))
    with pytest.raises(ImportFileError, match="zip bomb"):
        extract_docx_text(buffer.getvalue())


def test_too_many_entries_and_too_big_files_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("word/document.xml", f'<w:document xmlns:w="{W_NS}"><w:body/></w:document>')
        for index in range(30):
            zf.writestr(f"word/media/{index}.txt", "x")
    data = buffer.getvalue()
    with pytest.raises(ImportFileError, match="quá nhiều thành phần"):
        extract_docx_text(data, max_entries=20)
    with pytest.raises(ImportFileError, match="quá lớn"):
        extract_docx_text(data, max_bytes=1000)
    assert extract_docx_text(data) == ""


def test_xml_entities_are_not_expanded():
    evil = (
        '<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("word/document.xml", evil)
    with pytest.raises(ImportFileError, match="DOCTYPE"):
        extract_docx_text(buffer.getvalue())


def test_read_import_file_accepts_txt_and_refuses_other_types():
    text = catalog.demo_conclusion_text()
    assert read_import_file(b"\xef\xbb\xbf" + text.encode("utf-8"), "tb.txt") == text
    with pytest.raises(ImportFileError, match="UTF-8"):
        read_import_file(b"Huy\xea\xf2n \xfay", "tb.txt")  # Windows-1258 bytes
    with pytest.raises(ImportFileError, match=r"\.docx hoặc \.txt"):
        read_import_file(b"%PDF-1.7", "tb.pdf")


# --- the matcher -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Hội Nông dân huyện", ["HND"]),
        ("xã Tân Bình", ["X.TANBINH"]),
        ("Đảng ủy xã Tân Bình và Tân Long", ["X.TANBINH", "X.TANLONG"]),
        ("Ban Thường vụ Huyện đoàn", ["HĐ"]),
        ("Ban Thường vụ Huyện ủy", ["BTV"]),
        ("Ban Thường vụ Huyện uỷ", ["BTV"]),
        ("UỶ BAN KIỂM TRA HUYỆN UỶ", ["UBKT"]),
        ("Hội Liên hiệp Phụ nữ huyện", ["HLHPN"]),
        ("UBMTTQ và LĐLĐ", ["MTTQ", "LĐLĐ"]),
        ("mttq", []),  # abbreviations are case-sensitive
        ("Ban Tuyên giáo Tỉnh ủy", []),  # another level's body
        ("Hội Nông dân xã Hoà Mỹ", ["X.HOAMY"]),
        ("Đoàn Thanh niên xã Hòa An", ["X.HOAAN"]),
        ("các cơ quan tham mưu, giúp việc Huyện ủy", []),  # a collective phrase hides "Huyện ủy"
        ("Huyện ủy Phụng Hiệp", ["HU"]),
        ("Hội Nông dânxã", []),
        ("Thường trực Huyện ủy, Thường trực HĐND huyện", ["TTHU", "HĐND"]),
    ],
)
def test_matcher_longest_alias_word_bounded(matcher, text, codes):
    assert [code for _, _, code in matcher.find_all(text)] == codes


def test_matcher_offsets_point_into_the_normalised_text(matcher):
    text = "Phối hợp với Hội Cựu chiến binh, Huyện đoàn."
    assert [(text[s:e], c) for s, e, c in matcher.find_all(text)] == [
        ("Hội Cựu chiến binh", "CCB"),
        ("Huyện đoàn", "HĐ"),
    ]


def test_matcher_with_a_minimal_catalog():
    refs = [
        AgencyRef("A", "Ban Alpha", ("BA",), "advisory"),
        AgencyRef("B", "Ban Alpha Beta", kind="advisory"),
    ]
    m = build_matcher(refs)
    assert m.find_all("Ban Alpha Beta và BA") == [(0, 14, "B"), (18, 20, "A")]


# --- rules on smaller texts ----------------------------------------------------------------------


def test_unknown_agency_yields_a_warning():
    text = (
        "1. Phòng Nội vụ huyện chủ trì, phối hợp với Ban Tổ chức Huyện ủy rà soát biên chế trong quý III/2024.\n"
        "2. Ban Dân vận Huyện ủy chủ trì, phối hợp với Công an huyện, Hội Nông dân tổ chức đối thoại trong tháng 8/2024.\n"
    )
    draft = propose_tasks(text, REFS)
    first, second = draft.tasks
    assert first.lead_code is None and first.coordinator_codes == ["BTC"]
    assert "Không tìm thấy cơ quan “Phòng Nội vụ huyện” trong danh mục tổ chức" in first.warnings
    assert "Không xác định được cơ quan chủ trì" in first.warnings
    assert second.lead_code == "BDV" and second.coordinator_codes == ["HND"]
    assert "Không tìm thấy cơ quan “Công an huyện” trong danh mục tổ chức" in second.warnings
    assert any(w.startswith("Nhiệm vụ 1: Không tìm thấy cơ quan") for w in draft.warnings)
    assert draft.directive is None


def test_lead_forms_giao_subject_and_parenthesised():
    text = (
        "1) Giao Hội Nông dân huyện vận động hội viên tham gia Hội thi, hoàn thành trong tháng 9/2024.\n"
        "2) Tổ chức tổng kết phong trào thi đua trước ngày 15/12/2024 (chủ trì: Hội Cựu chiến binh; phối hợp: "
        "Hội Phụ nữ, Đoàn Thanh niên).\n"
        "3) Huyện Đoàn phối hợp tổ chức tốt buổi đối thoại với đoàn viên, thanh niên (15/10).\n"
        "4) Văn phòng Huyện ủy theo dõi, đôn đốc thường xuyên.\n"
    )
    draft = propose_tasks(text, REFS, reference_date=date(2024, 6, 20))
    assert [(t.lead_code, t.coordinator_codes) for t in draft.tasks] == [
        ("HND", []),
        ("CCB", ["HLHPN", "HĐ"]),
        ("HĐ", []),
        ("VP", []),
    ]
    assert [(t.due_date, t.kind) for t in draft.tasks] == [
        (date(2024, 9, 30), "one_off"),
        (date(2024, 12, 14), "one_off"),
        (date(2024, 10, 15), "one_off"),
        (None, "continuous"),
    ]
    assert all(not t.warnings for t in draft.tasks)


def test_all_communes_flag_and_commune_collective_as_lead():
    text = (
        "1. Ủy ban nhân dân huyện chỉ đạo 15 xã, thị trấn hoàn thành kế hoạch\ntrong quý III/2024.\n"
        "2. Các đảng bộ xã, thị trấn chủ trì tổ chức Đại hội chi bộ ấp hằng năm.\n"
        "3. Ban Tổ chức Huyện ủy chủ trì rà soát đảng viên trong quý III/2024.\n"
    )
    first, second, third = propose_tasks(text, REFS).tasks
    assert (first.lead_code, first.all_communes, first.due_date) == ("UBND", True, date(2024, 9, 30))
    assert (
        first.items[0].text
        == "Ủy ban nhân dân huyện chỉ đạo 15 xã, thị trấn hoàn thành kế hoạch trong quý III/2024"
    )
    assert (second.lead_code, second.all_communes, second.kind, second.recurrence) == (
        None,
        True,
        "recurring",
        "yearly",
    )
    assert "Cơ quan chủ trì là các xã, thị trấn: cần giao cho từng đảng bộ xã, thị trấn" in second.warnings
    assert third.all_communes is False


def test_sections_letters_and_item_level_agencies():
    text = (
        "I. ĐÁNH GIÁ CHUNG\n"
        "Nhìn chung các cơ quan đã hoàn thành nhiệm vụ.\n"
        "II. NHIỆM VỤ TRỌNG TÂM\n"
        "1. Đối với Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội huyện:\n"
        "a) Ủy ban MTTQ huyện chủ trì tổ chức Hội nghị trong tháng 7/2024.\n"
        "b) Huyện đoàn phối hợp với Hội LHPN tổ chức Chiến dịch hè trong tháng 8/2024.\n"
        "2. Văn phòng Huyện ủy chủ trì, phối hợp với các đoàn thể huyện tổng hợp kết quả trong quý III/2024:\n"
        "- Tổng hợp báo cáo của các đoàn thể.\n"
        "- Phối hợp với Ban Tuyên giáo đưa tin trên Trang thông tin điện tử.\n"
    )
    first, second = propose_tasks(text, REFS).tasks
    assert first.section == "II. NHIỆM VỤ TRỌNG TÂM"
    assert first.title == "Đối với Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội huyện"
    assert [(i.lead_code, i.coordinator_codes, i.due_date) for i in first.items] == [
        ("MTTQ", [], date(2024, 7, 31)),
        ("HĐ", ["HLHPN"], date(2024, 8, 31)),
    ]
    assert (first.lead_code, first.coordinator_codes) == ("MTTQ", ["HĐ", "HLHPN"])
    assert first.due_date == date(2024, 8, 31)  # the latest item deadline when the header has none
    mass = ["LĐLĐ", "CCB", "HND", "HLHPN", "HĐ"]  # the five đoàn thể; the Red Cross is not one (§1.3)
    assert second.lead_code == "VP" and second.coordinator_codes == [*mass, "BTG"]
    assert [i.coordinator_codes for i in second.items] == [mass, [*mass, "BTG"]]
    assert {i.due_date for i in second.items} == {date(2024, 9, 30)}


def test_renumbering_and_count_mismatch_warnings():
    text = (
        "Thường trực Huyện ủy kết luận 03 nhiệm vụ, với 04 nội dung như sau:\n"
        "1. Ban Tổ chức Huyện ủy chủ trì xây dựng kế hoạch.\n"
        "3. Ủy ban Kiểm tra chủ trì kiểm tra 02 tổ chức đảng trong quý III/2024.\n"
    )
    draft = propose_tasks(text, REFS)
    assert [(t.ordinal, t.printed_number) for t in draft.tasks] == [(1, ""), (2, "3")]
    assert "Số thứ tự nhiệm vụ trong văn bản không liên tục (1, 3); đã đánh lại từ 1" in draft.warnings
    assert "Văn bản nêu 3 nhiệm vụ nhưng nhận diện được 2 nhiệm vụ" in draft.warnings
    assert "Văn bản nêu 4 nội dung nhưng nhận diện được 2 nội dung" in draft.warnings
    assert "Nhiệm vụ 1: Không xác định được thời hạn hoàn thành" in draft.warnings


def test_unnumbered_list_and_empty_text():
    draft = propose_tasks(
        "- Ban Dân vận phối hợp kiểm tra trong quý III/2024.\n- Hội Chữ thập vận động hiến máu.", REFS
    )
    assert [t.lead_code for t in draft.tasks] == ["BDV", "CTĐ"]
    assert "Văn bản không đánh số nhiệm vụ: mỗi gạch đầu dòng được coi là một nhiệm vụ" in draft.warnings
    empty = propose_tasks("", REFS)
    assert empty.tasks == [] and empty.warnings == [
        "Không tìm thấy nhiệm vụ nào được đánh số (1., 2., …) trong văn bản"
    ]


def test_long_task_title_is_shortened():
    long_tail = "nâng cao chất lượng sinh hoạt chi bộ, " * 30
    text = f"1. Ban Tổ chức Huyện ủy chủ trì {long_tail}hoàn thành trong quý III/2024."
    task = propose_tasks(text, REFS).tasks[0]
    assert len(task.title) <= 500 and task.title.endswith("…")
    assert task.items[0].text.endswith("trong quý III/2024")
    assert "Tiêu đề nhiệm vụ đã được rút gọn còn 500 ký tự" in task.warnings


def test_docx_bytes_of_the_demo_are_small_and_valid_zip():
    data = catalog.demo_conclusion_docx()
    assert zipfile.is_zipfile(io.BytesIO(data))
    assert len(data) < 100 * 1024


def test_text_without_blank_lines_or_with_wrapped_lines_gives_the_same_result():
    text = catalog.demo_conclusion_text()
    compact = "\n".join(line for line in text.splitlines() if line.strip())
    assert _summary(propose_tasks(compact, REFS)) == _expected_summary()
    # hard-wrapped at ~70 characters, as text pasted from a PDF
    wrapped = "\n".join(
        "\n".join(textwrap.wrap(line, 70, break_long_words=False)) if len(line) > 70 else line
        for line in text.splitlines()
    )
    assert wrapped.count("\n") > text.count("\n") + 30
    assert _summary(propose_tasks(wrapped, REFS)) == _expected_summary()
    # a wrap that puts "- 2030" at the start of a line is not a bullet
    rewrapped = text.replace("nhiệm kỳ 2025 - 2030, hoàn thành", "nhiệm kỳ 2025\n- 2030, hoàn thành")
    assert rewrapped != text
    assert _summary(propose_tasks(rewrapped, REFS)) == _expected_summary()


def test_numbering_that_restarts_under_each_section_is_regular():
    text = (
        "I. CÔNG TÁC XÂY DỰNG ĐẢNG\n"
        "1. Ban Tổ chức Huyện ủy chủ trì rà soát đảng viên trong quý III/2024.\n"
        "2. Ủy ban Kiểm tra chủ trì kiểm tra 02 tổ chức đảng trong quý III/2024.\n"
        "II. CÔNG TÁC DÂN VẬN\n"
        "1. Ban Dân vận chủ trì đối thoại với Nhân dân xã Hòa Mỹ trong tháng 9/2024.\n"
    )
    draft = propose_tasks(text, REFS)
    assert draft.warnings == []
    assert [(t.ordinal, t.printed_number, t.section, t.lead_code) for t in draft.tasks] == [
        (1, "", "I. CÔNG TÁC XÂY DỰNG ĐẢNG", "BTC"),
        (2, "", "I. CÔNG TÁC XÂY DỰNG ĐẢNG", "UBKT"),
        (3, "1", "II. CÔNG TÁC DÂN VẬN", "BDV"),
    ]
