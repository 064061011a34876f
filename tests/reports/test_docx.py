"""The Word file read back with python-docx: layout, header table, sections and footnotes."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import time_machine
from docx.shared import Mm
from lxml import etree

from app.extensions import db
from app.models import AgencyPeriodInput
from app.reports.builder import build_period_report
from app.reports.docx import read_footnotes, render_docx
from tests.reports.conftest import add_key_indicators, body_lines, read_docx, section_lines
from tests.reports.test_builder import AS01_FIRST, AS01_HEADING, AS01_SECOND, AS02, AS03, add_as03

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def render(as_of=date(2024, 6, 20), report=None) -> bytes:
    return render_docx(build_period_report(2024, "quarter", 2, as_of, report=report))


def cell_lines(cell) -> list[str]:
    return [p.text for p in cell.paragraphs]


def test_page_is_a4_with_party_margins_and_times_new_roman(as01):
    document = read_docx(render())
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)]
    assert margins == [20, 20, 30, 15]
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size.pt == 14
    assert section.different_first_page_header_footer  # page numbers from page 2


def test_header_table_title_and_signature_as_in_as06(as01, chief):
    document = read_docx(render())
    header, signature = document.tables[0], document.tables[-1]
    assert cell_lines(header.cell(0, 0)) == ["HUYỆN ỦY PHỤNG HIỆP", "VĂN PHÒNG", "*"]
    assert cell_lines(header.cell(0, 1)) == ["ĐẢNG CỘNG SẢN VIỆT NAM"]
    assert cell_lines(header.cell(1, 0)) == ["Số       -BC/VPHU"]
    assert cell_lines(header.cell(1, 1)) == ["Phụng Hiệp, ngày      tháng 6 năm 2024"]
    assert header.cell(0, 1).paragraphs[0].runs[0].bold and header.cell(0, 0).paragraphs[1].runs[0].bold
    lines = body_lines(document)
    assert lines[:5] == ["BÁO CÁO", "Làm việc định kỳ quý II/2024 giữa Thường trực Huyện ủy",
                         "với các cơ quan tham mưu, giúp việc Huyện ủy; Mặt trận Tổ quốc",
                         "và đoàn thể chính trị - xã hội huyện", "-----"]
    assert cell_lines(signature.cell(0, 0)) == [
        "Nơi nhận:", "- Thường trực Huyện ủy,", "- Thường trực HĐND, UBND huyện,",
        "- Các cơ quan tham mưu, giúp việc Huyện ủy,", "- Trung tâm Chính trị huyện,",
        "- MTTQ và các đoàn thể CT-XH huyện,", "- Lưu Văn phòng Huyện ủy."]
    right = cell_lines(signature.cell(0, 1))
    assert (right[0], right[-1], set(right[1:-1])) == ("CHÁNH VĂN PHÒNG", "Nguyễn Văn A", {""})
    assert abs(header.columns[0].width - Mm(70)) < Mm(1)


def test_section_one_indicators_and_tallies_read_back_exactly(as01, agencies):
    add_key_indicators()
    add_as03(agencies, declared={"MTTQ": 51, "LĐLĐ": 22, "CTĐ": 20})
    lines = body_lines(read_docx(render()))
    assert section_lines(lines, "I. ", "II. ") == [AS01_HEADING, AS01_FIRST, AS01_SECOND]
    two = section_lines(lines, "II. ", "III. ")
    assert two[1:5] == AS02
    for code, tally in AS03.items():
        heading = f"* {agencies[code].report_heading}:"
        block = two[two.index(heading):]
        assert tally in block[:4], code
    assert section_lines(lines, "V. ", None)[:2] == ["V. ĐỀ XUẤT, KIẾN NGHỊ", "Không."]


def test_footnotes_are_real_word_footnotes(as01, agencies):
    db.session.add(AgencyPeriodInput(organisation_id=agencies["UBKT"].id, year=2024, period_kind="quarter",
                                     period_index=2, results_text="Thi hành kỷ luật 08 đồng chí[^02 đồng chí khai trừ]."))
    db.session.commit()
    data = render()
    assert read_footnotes(data) == ["02 đồng chí khai trừ"]
    lines = body_lines(read_docx(data))
    assert "Thi hành kỷ luật 08 đồng chí." in lines  # the anchor carries no text
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        body = etree.fromstring(package.read("word/document.xml"))
        types = package.read("[Content_Types].xml").decode()
    refs = body.findall(f".//{W}footnoteReference")
    assert [r.get(f"{W}id") for r in refs] == ["1"]
    assert "footnotes+xml" in types


def test_same_data_gives_the_same_bytes_at_any_time(as01):
    add_key_indicators()
    with time_machine.travel("2024-07-01 08:00 +0700", tick=False):
        first = render()
    with time_machine.travel("2025-01-15 17:30 +0700", tick=False):
        second = render()
    assert first == second
    document = read_docx(first)
    assert document.core_properties.created.date() == date(2024, 6, 20)


def test_no_thumbnail_of_an_empty_page(as01):
    with zipfile.ZipFile(io.BytesIO(render())) as package:
        assert not any("thumbnail" in name for name in package.namelist())
