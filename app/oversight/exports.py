"""Excel exports (xuất Excel) of the overdue review and of the agency scorecards; every text cell is made
safe from formula injection (:func:`safe_cell`)."""

from __future__ import annotations

import io
from datetime import datetime

from flask_babel import gettext as _

from app.core.periods import Period
from app.core.spreadsheet_cells import csv_safe
from app.core.text import xml_safe
from app.oversight.agency_scorecards import CATEGORIES, Scorecard, category_label
from app.oversight.overdue_pages import overdue_rows
from app.oversight.overdue_review import OverdueFilters, bucket_label, overdue_snapshot, overdue_summary
from app.tasks.units import BUCKETS


def safe_cell(value: str | None) -> str:
    """Text that a spreadsheet will never read as a formula (CSV/formula injection): a leading
    = + - @ (or tab/CR) is neutralised with an apostrophe."""
    return csv_safe(xml_safe("" if value is None else str(value)))


def overdue_xlsx(filters: OverdueFilters, *, district: str = "") -> bytes:
    """The filtered overdue list as an Excel workbook: a summary sheet per agency and bucket, then every unit."""
    import xlsxwriter

    snapshot = overdue_snapshot(filters.as_of)
    summary = overdue_summary(filters, snapshot)
    rows, truncated = overdue_rows(filters, snapshot=snapshot)
    if filters.agency_id:
        summary.agencies = [a for a in summary.agencies if a.organisation_id == filters.agency_id]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1, "bg_color": "#F2F2F2"})
    wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
    number = book.add_format({"valign": "top", "border": 1})
    day = book.add_format({"num_format": "dd/mm/yyyy", "valign": "top", "border": 1})
    title = book.add_format({"bold": True, "font_size": 13})

    sheet = book.add_worksheet(_("Tổng hợp"))
    heading = _("Nhiệm vụ, nội dung quá hạn tính đến ngày %(d)s", d=filters.as_of.strftime("%d/%m/%Y"))
    sheet.write_string(0, 0, safe_cell(f"{heading}{' — ' + district if district else ''}"), title)
    headers = [_("Cơ quan"), *(bucket_label(code) for code, _f, _l in BUCKETS), _("Tổng"), _("Hạn sớm nhất")]
    for col, text in enumerate(headers):
        sheet.write_string(2, col, text, bold)
    for r, agency in enumerate(summary.agencies, start=3):
        sheet.write_string(r, 0, safe_cell(agency.name), wrap)
        for c, (code, _f, _l) in enumerate(BUCKETS, start=1):
            sheet.write_number(r, c, agency.buckets[code], number)
        sheet.write_number(r, len(BUCKETS) + 1, agency.total, number)
        if agency.oldest_due:
            sheet.write_datetime(r, len(BUCKETS) + 2, datetime.combine(agency.oldest_due, datetime.min.time()), day)
    sheet.set_column(0, 0, 45)
    sheet.set_column(1, len(headers), 14)

    detail = book.add_worksheet(_("Danh sách"))
    columns = [
        (_("STT"), 6), (_("Cơ quan"), 30), (_("Văn bản"), 14), (_("Nhiệm vụ, nội dung"), 60), (_("Hạn"), 12),
        (_("Hạn ban đầu"), 12), (_("Số ngày quá hạn"), 10), (_("Nhóm"), 12), (_("Trạng thái"), 16),
        (_("Báo cáo gần nhất"), 50), (_("Ngày báo cáo"), 12), (_("Số lần nhắc"), 10), (_("Mức báo cáo"), 22),
        (_("Giải trình"), 40),
    ]
    for col, (text, width) in enumerate(columns):
        detail.write_string(0, col, text, bold)
        detail.set_column(col, col, width)
    for r, row in enumerate(rows, start=1):
        values = [
            (r, None), (row.agency, "s"), (row.directive_symbol or "", "s"),
            (row.title if not row.is_confidential else f"{row.title} ({_('mật')})", "s"), (row.due, "d"),
            (row.original_due if row.original_due and row.original_due != row.due else None, "d"),
            (row.days_late, None), (bucket_label(row.bucket), "s"), (row.status.label, "s"),
            ("" if row.is_confidential else (row.last_report_text or ""), "s"), (row.last_report_on, "d"),
            (row.reminders_sent, None), (row.escalation, "s"),
            (" — ".join(x for x in (row.explanation_state, row.explanation_answer) if x), "s"),
        ]
        for col, (value, kind) in enumerate(values):
            if kind == "s":
                detail.write_string(r, col, safe_cell(value), wrap)
            elif kind == "d":
                if value:
                    detail.write_datetime(r, col, datetime.combine(value, datetime.min.time()), day)
                else:
                    detail.write_blank(r, col, None, wrap)
            else:
                detail.write_number(r, col, value, number)
    detail.freeze_panes(1, 0)
    if rows:
        detail.autofilter(0, 0, len(rows), len(columns) - 1)
    if truncated:
        detail.write_string(len(rows) + 2, 0, _("Danh sách bị cắt ở %(n)d dòng; hãy lọc hẹp hơn.", n=len(rows)))
    book.close()
    return buffer.getvalue()


def scorecards_xlsx(cards: list[Scorecard], trend: list[tuple[Period, dict[int, Scorecard]]]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True, "text_wrap": True, "border": 1, "bg_color": "#F2F2F2"})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    sheet = book.add_worksheet(_("Bảng điểm"))
    if cards:
        sheet.write_string(0, 0, safe_cell(_("Kết quả thực hiện nhiệm vụ %(p)s, số liệu chốt đến ngày %(d)s",
                                             p=cards[0].period.label, d=cards[0].cutoff.strftime("%d/%m/%Y"))))
    headers = [_("Cơ quan"), *(category_label(c) for c in CATEGORIES), _("Tổng"), _("Tỷ lệ đúng hạn (%)"),
               _("Tỷ lệ hoàn thành (%)"), category_label("continuous"), _("Chỉ tiêu đạt và vượt"),
               _("Chỉ tiêu đạt trên 75%"), _("Chỉ tiêu đạt trên 50%"), _("Chỉ tiêu đạt thấp"), _("Chỉ tiêu xét cuối năm"),
               _("Chỉ tiêu chưa có số liệu"),
               *(_("Đúng hạn %(q)s (%%)", q=q.label) for q, _c in trend)]
    for col, text in enumerate(headers):
        sheet.write_string(2, col, text, bold)
    for r, card in enumerate(cards, start=3):
        values = [card.name, *(getattr(card, c) for c in CATEGORIES), card.total, card.on_time_rate,
                  card.completion_rate, card.continuous, card.indicators.met, card.indicators.above_75,
                  card.indicators.above_50, card.indicators.low, card.indicators.year_end, card.indicators.no_data,
                  *((t.get(card.organisation_id).on_time_rate if t.get(card.organisation_id) else None)
                    for _q, t in trend)]
        for col, value in enumerate(values):
            if isinstance(value, str):
                sheet.write_string(r, col, safe_cell(value), cell)
            elif value is None:
                sheet.write_blank(r, col, None, cell)
            else:
                sheet.write_number(r, col, float(value), cell)
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, len(headers), 13)
    book.close()
    return buffer.getvalue()
