"""The Excel annex (phụ lục) of the report: one row per task as of the cut-off.

Columns: directive, task, lead agency, coordinating agencies, due date (and the original one),
status, on time / late, last progress report.  Every text cell is written as a string; text that a
spreadsheet would read as a formula (= + - @, or a leading tab/CR) also gets Excel's quote prefix,
so a task titled "=HYPERLINK(…)" stays inert even after someone edits the cell.  The file is
deterministic (fixed creation date; XlsxWriter uses fixed ZIP entry times).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime

import xlsxwriter

from app.core.numbers import date_vn
from app.core.spreadsheet_cells import is_formula_like
from app.core.text import xml_safe
from app.reports.document import AnnexRow, QuarterlyReport

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

COLUMNS = (
    ("STT", 6),
    ("Văn bản", 18),
    ("Nhiệm vụ", 60),
    ("Cơ quan chủ trì", 26),
    ("Cơ quan phối hợp", 30),
    ("Hạn hoàn thành", 13),
    ("Hạn ban đầu", 13),
    ("Trạng thái", 18),
    ("Đúng hạn / trễ hạn", 18),
    ("Báo cáo gần nhất", 60),
)


def annex_for(report: QuarterlyReport) -> bytes:
    return render_annex(report.annex, period_label=report.period.label, as_of=report.as_of)


def render_annex(rows: Sequence[AnnexRow], *, period_label: str, as_of: date) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    created = datetime(as_of.year, as_of.month, as_of.day)
    workbook.set_properties({
        "title": f"Phụ lục nhiệm vụ - Báo cáo làm việc định kỳ {period_label}",
        "author": "Văn phòng Huyện ủy",
        "created": created,
    })
    formats = _formats(workbook)
    sheet = workbook.add_worksheet("Phụ lục")
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(3)
    sheet.merge_range(0, 0, 0, len(COLUMNS) - 1, "PHỤ LỤC: DANH SÁCH NHIỆM VỤ", formats["title"])
    sheet.merge_range(1, 0, 1, len(COLUMNS) - 1,
                      f"(Kèm theo Báo cáo làm việc định kỳ {period_label}; số liệu đến ngày {date_vn(as_of)})",
                      formats["subtitle"])
    for col, (name, width) in enumerate(COLUMNS):
        sheet.set_column(col, col, width)
        sheet.write_string(3, col, name, formats["head"])
    for index, row in enumerate(rows, start=1):
        _write_row(sheet, 3 + index, index, row, formats)
    if rows:
        sheet.autofilter(3, 0, 3 + len(rows), len(COLUMNS) - 1)
    sheet.freeze_panes(4, 0)
    workbook.close()
    return buffer.getvalue()


def _formats(workbook) -> dict:
    base = {"font_name": "Times New Roman", "font_size": 12, "valign": "top", "border": 1}
    return {
        "title": workbook.add_format({"font_name": "Times New Roman", "font_size": 14, "bold": True, "align": "center"}),
        "subtitle": workbook.add_format({"font_name": "Times New Roman", "font_size": 12, "italic": True,
                                         "align": "center"}),
        "head": workbook.add_format({**base, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#D9D9D9"}),
        "text": workbook.add_format({**base, "text_wrap": True}),
        "quoted": workbook.add_format({**base, "text_wrap": True, "quote_prefix": True}),
        # Dates as the report body writes them (30/6/2024, 05/01/2024): month padded only for 01–02.
        "date": workbook.add_format({**base, "num_format": "dd/m/yyyy", "align": "center"}),
        "date_padded_month": workbook.add_format({**base, "num_format": "dd/mm/yyyy", "align": "center"}),
        "number": workbook.add_format({**base, "align": "center"}),
    }


def _text(sheet, row: int, col: int, value: str, formats: dict) -> None:
    value = xml_safe(value)
    sheet.write_string(row, col, value, formats["quoted"] if is_formula_like(value) else formats["text"])


def _date(sheet, row: int, col: int, value: date | None, formats: dict) -> None:
    if value is None:
        sheet.write_blank(row, col, None, formats["text"])
    else:
        style = formats["date_padded_month"] if value.month <= 2 else formats["date"]
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), style)


def _write_row(sheet, row: int, number: int, item: AnnexRow, formats: dict) -> None:
    sheet.write_number(row, 0, number, formats["number"])
    for col, value in ((1, item.directive), (2, item.task), (3, item.lead), (4, item.coordinators)):
        _text(sheet, row, col, value, formats)
    _date(sheet, row, 5, item.due, formats)
    _date(sheet, row, 6, item.original_due, formats)
    for col, value in ((7, item.status), (8, item.timeliness), (9, item.last_report)):
        _text(sheet, row, col, value, formats)
