"""The report as a Word file in the Party document layout (thể thức văn bản của Đảng).

Layout (Hướng dẫn 36-HD/VPTW; the ranges are the ones ND 30/2020 also uses): A4 portrait, margins
top 20 mm, bottom 20 mm, left 30 mm, right 15 mm; Times New Roman, 14 pt body; page numbers centred
in the header from page 2.  The blocks follow domain.md §5.1 and AS-06:

- a borderless two-column header table: issuer ("HUYỆN ỦY PHỤNG HIỆP" / bold "VĂN PHÒNG" / "*") over
  the number line on the left; bold underlined "ĐẢNG CỘNG SẢN VIỆT NAM" over the italic place-date
  line on the right;
- the bold centred title, then "-----";
- numbered sections (I–V, 1..n), "* …:" field headings, "- " and "+ " list lines, justified with a
  1 cm first-line indent;
- a borderless "Nơi nhận" | signature table;
- real Word footnotes (a footnotes part with separator notes and numbered notes).

The body paragraphs are written straight as WordprocessingML elements: python-docx's high-level
``add_paragraph`` looks styles up by name on every call, which costs a lot at 1,000 tasks.
The output is deterministic: fixed core-property dates and fixed ZIP entry times, so the same data
gives the same bytes (the CLI and the web download are compared byte for byte).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import uuid
import zipfile
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from lxml import etree

from app.core.text import xml_safe
from app.reports.document import Para, QuarterlyReport

FONT = "Times New Roman"
BODY_PT = 14
FIRST_LINE_TWIPS = 567  # 1 cm
TEXT_WIDTH_MM = 210 - 30 - 15
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

#: paragraph style → (bold, italic, first-line indent, space before in pt)
_LOOK = {
    "heading1": (True, False, True, 6),
    "heading2": (True, False, True, 3),
    "field": (True, True, True, 3),
    "body": (False, False, True, 0),
    "bullet": (False, False, True, 0),
    "subbullet": (False, False, True, 0),
    "tally": (False, False, True, 0),
    "draft": (False, True, True, 0),  # a part the office has not written yet (draft only)
}


def render_docx(report: QuarterlyReport) -> bytes:
    """The report as .docx bytes (the same bytes for the same report)."""
    document = Document()
    _drop_thumbnail(document)
    _page_setup(document)
    _styles(document)
    _header_table(document, report)
    _title(document, report)
    body = document.element.body
    section_properties = body[-1]
    for para in report.body():
        section_properties.addprevious(_paragraph(para))
    _signature_table(document, report)
    if report.footnotes:
        _footnotes_part(document, report.footnotes)
    _core_properties(document, report)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


# --------------------------------------------------------------------------------------------
# Package and page
# --------------------------------------------------------------------------------------------


def _drop_thumbnail(document) -> None:
    """python-docx's template ships a picture of an empty page as the file thumbnail."""
    rels = document.part.package.rels
    for rid in [rid for rid, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        del rels[rid]


def _page_setup(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance, section.footer_distance = Mm(10), Mm(10)
    # Page numbers centred at the top from page 2; the first page carries the header table instead.
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    header._p.append(parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE "><w:r><w:t>2</w:t></w:r></w:fldSimple>'))


def _styles(document) -> None:
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    lang = normal.element.get_or_add_rPr().find(qn("w:lang"))
    if lang is None:
        lang = etree.SubElement(normal.element.get_or_add_rPr(), qn("w:lang"))
    lang.set(qn("w:val"), "vi-VN")
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(6), 1.0
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    styles = document.styles
    names = {s.name for s in styles}
    if "Footnote Text" not in names:
        note = styles.add_style("Footnote Text", WD_STYLE_TYPE.PARAGRAPH)
        note.base_style = normal
        note.font.size = Pt(11)
        note.paragraph_format.space_after = Pt(0)
    if "Footnote Reference" not in names:
        ref = styles.add_style("Footnote Reference", WD_STYLE_TYPE.CHARACTER)
        ref.font.superscript = True


def _core_properties(document, report: QuarterlyReport) -> None:
    """Fixed metadata: the dates are the issue date (or the cut-off), never "now"."""
    props = document.core_properties
    day = report.issued_on or report.as_of
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC).replace(tzinfo=None)
    props.title = f"Báo cáo làm việc định kỳ {report.period.label}"
    props.subject = props.title
    props.author = props.last_modified_by = f"Văn phòng {report.header.parent_line.title()}"
    props.created = props.modified = moment
    props.last_printed = moment
    props.revision = 1
    props.comments = ""
    props.keywords = "báo cáo định kỳ"
    props.category = "BC"


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed entry times so equal content gives equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Paragraph writer (raw WordprocessingML)
# --------------------------------------------------------------------------------------------


def _el(parent, tag: str, **attrs):
    element = etree.SubElement(parent, qn(tag))
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), str(value))
    return element


def _run(parent, text: str, *, bold=False, italic=False, size: float | None = None, underline=False):
    run = _el(parent, "w:r")
    if bold or italic or size or underline:
        props = _el(run, "w:rPr")
        # Children in the schema's order (b, i, sz, szCs, u): Word rejects a file that mixes them up.
        if bold:
            _el(props, "w:b")
        if italic:
            _el(props, "w:i")
        if size:
            _el(props, "w:sz", val=int(size * 2))
            _el(props, "w:szCs", val=int(size * 2))
        if underline:
            _el(props, "w:u", val="single")
    t = _el(run, "w:t")
    t.text = xml_safe(text)  # text stored before the input boundary existed must not break the file
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return run


def _note_reference(parent, number: int) -> None:
    run = _el(parent, "w:r")
    props = _el(run, "w:rPr")
    _el(props, "w:rStyle", val="FootnoteReference")
    _el(props, "w:vertAlign", val="superscript")
    _el(run, "w:footnoteReference", id=number)


def _new_p(*, align: str | None = None, indent: bool = False, before: float = 0, after: float | None = None,
           keep_next: bool = False):
    p = etree.Element(qn("w:p"))
    ppr = _el(p, "w:pPr")
    if keep_next:
        _el(ppr, "w:keepNext")
    if before or after is not None:
        spacing = _el(ppr, "w:spacing")
        if before:
            spacing.set(qn("w:before"), str(int(before * 20)))
        if after is not None:
            spacing.set(qn("w:after"), str(int(after * 20)))
    if indent:
        _el(ppr, "w:ind", firstLine=FIRST_LINE_TWIPS)
    if align:
        _el(ppr, "w:jc", val=align)
    return p


def _paragraph(para: Para):
    bold, italic, indent, before = _LOOK.get(para.style, _LOOK["body"])
    heading = para.style in ("heading1", "heading2", "field")
    p = _new_p(indent=indent, before=before, keep_next=heading)
    for part in para.parts:
        if isinstance(part, int):
            _note_reference(p, part)
        elif part:
            _run(p, part, bold=bold, italic=italic)
    return p


def _cell_line(cell, text: str, *, first: bool, bold=False, italic=False, underline=False, size=None,
               align="center"):
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    p = paragraph._p
    ppr = p.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:spacing {nsdecls("w")} w:before="0" w:after="0"/>'))
    ppr.append(parse_xml(f'<w:jc {nsdecls("w")} w:val="{align}"/>'))
    _run(p, text, bold=bold, italic=italic, underline=underline, size=size)


def _borderless_table(document, rows: int, widths_mm: tuple[int, int]):
    table = document.add_table(rows=rows, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # a fixed layout, so Word keeps the column widths
    for row in table.rows:
        row._tr.get_or_add_trPr().append(parse_xml(f'<w:cantSplit {nsdecls("w")}/>'))
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    return table


def _header_table(document, report: QuarterlyReport) -> None:
    """AS-06: issuer | Party name, then number | place-date."""
    header = report.header
    table = _borderless_table(document, 2, (70, TEXT_WIDTH_MM - 70))
    left, right = table.cell(0, 0), table.cell(0, 1)
    _cell_line(left, header.parent_line, first=True)
    _cell_line(left, header.unit_line, first=False, bold=True)
    _cell_line(left, "*", first=False)
    _cell_line(right, header.party_line, first=True, bold=True, underline=True, size=15)
    _cell_line(table.cell(1, 0), header.number_line, first=True)
    _cell_line(table.cell(1, 1), header.place_date_line, first=True, italic=True)


def _title(document, report: QuarterlyReport) -> None:
    anchor = document.element.body[-1]
    for i, line in enumerate(report.title_lines):
        p = _new_p(align="center", before=18 if i == 0 else 0, after=0, keep_next=True)
        _run(p, line, bold=True, size=16 if i == 0 else None)
        anchor.addprevious(p)
    p = _new_p(align="center", after=12, keep_next=True)
    _run(p, "-----")
    anchor.addprevious(p)


def _signature_table(document, report: QuarterlyReport) -> None:
    """Nơi nhận on the left, the signer's title and name on the right."""
    spacer = _new_p(after=0)
    document.element.body[-1].addprevious(spacer)
    table = _borderless_table(document, 1, (80, TEXT_WIDTH_MM - 80))
    left, right = table.cell(0, 0), table.cell(0, 1)
    # Hướng dẫn 36-HD/VPTW (thể thức văn bản của Đảng): "Nơi nhận" 14 pt, upright, underlined; the list
    # 12 pt upright (the bold italic 12 pt heading with an 11 pt list is the state documents' style).
    _cell_line(left, "Nơi nhận:", first=True, underline=True, align="left")
    for line in report.recipients:
        _cell_line(left, line, first=False, size=12, align="left")
    for i, line in enumerate(report.signature_title):
        _cell_line(right, line, first=i == 0, bold=True)
    for _ in range(4):  # room for the signature and the seal
        _cell_line(right, "", first=False)
    _cell_line(right, report.signer_name, first=not report.signature_title, bold=True)


# --------------------------------------------------------------------------------------------
# Footnotes
# --------------------------------------------------------------------------------------------


def _footnotes_part(document, notes) -> None:
    """A real footnotes part: the separator notes Word expects (ids -1 and 0), then notes 1..n."""
    separators = (
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
        'w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" '
        'w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
    )
    body = "".join(f'<w:footnote w:id="{n}">{_note_paragraphs(text)}</w:footnote>'
                   for n, text in enumerate(notes, start=1))
    element = parse_xml(f'<w:footnotes {nsdecls("w", "r")}>{separators}{body}</w:footnotes>')
    part = XmlPart(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, element, document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)


def _note_paragraphs(text: str) -> str:
    """A footnote's paragraphs (one per line; 003 fn9 has seven); the number mark opens the first."""
    ppr = '<w:pPr><w:pStyle w:val="FootnoteText"/><w:jc w:val="both"/></w:pPr>'
    mark = ('<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/><w:vertAlign w:val="superscript"/></w:rPr>'
            '<w:footnoteRef/></w:r>')
    lines = [line.strip() for line in text.split("\n") if line.strip()] or [""]
    return "".join(
        f'<w:p>{ppr}{mark if i == 0 else ""}<w:r><w:t xml:space="preserve">{" " if i == 0 else ""}'
        f'{escape(xml_safe(line))}</w:t></w:r></w:p>'
        for i, line in enumerate(lines))


def read_footnotes(data: bytes) -> list[str]:
    """The numbered footnotes of a .docx, in order (for tests and checks)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        if "word/footnotes.xml" not in package.namelist():
            return []
        root = etree.fromstring(package.read("word/footnotes.xml"))
    notes = []
    for note in root.findall(qn("w:footnote")):
        if int(note.get(qn("w:id"))) > 0:
            paragraphs = ("".join(t.text or "" for t in p.iter(qn("w:t"))).strip() for p in note.iter(qn("w:p")))
            notes.append("\n".join(paragraphs).strip())
    return notes


# --------------------------------------------------------------------------------------------
# PDF through LibreOffice (optional)
# --------------------------------------------------------------------------------------------


def soffice_path() -> str | None:
    """The LibreOffice binary when installed (libreoffice-writer-nogui on Debian)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


class PdfUnavailable(RuntimeError):
    """LibreOffice is missing or failed; the message is for the log, not the user."""


def convert_to_pdf(docx: bytes, *, timeout: int = 120) -> bytes:
    """Convert with a throw-away LibreOffice profile (parallel runs on one profile fail)."""
    binary = soffice_path()
    if binary is None:
        raise PdfUnavailable("LibreOffice is not installed")
    with tempfile.TemporaryDirectory(prefix="report-pdf-") as work:
        source = os.path.join(work, "report.docx")
        with open(source, "wb") as handle:
            handle.write(docx)
        profile = f"file://{work}/profile-{uuid.uuid4().hex}"
        command = [binary, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", work, source]
        try:
            completed = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise PdfUnavailable(f"LibreOffice failed: {error}") from error
        target = os.path.join(work, "report.pdf")
        if completed.returncode != 0 or not os.path.exists(target):
            raise PdfUnavailable(f"LibreOffice failed: {completed.stderr.decode(errors='replace')[:500]}")
        with open(target, "rb") as handle:
            return handle.read()
