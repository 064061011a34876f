"""The Excel annex: one row per task as of the cut-off, formula-like text kept inert."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl

from app.core.enums import TaskStatus
from app.extensions import db
from app.reports.builder import build_period_report
from app.reports.xlsx import COLUMNS, annex_for


def workbook(as_of=date(2024, 6, 20)):
    data = annex_for(build_period_report(2024, "quarter", 2, as_of))
    return openpyxl.load_workbook(io.BytesIO(data)).active


def rows(sheet) -> list[tuple]:
    return [r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0] is not None]


def test_one_row_per_task_with_the_annex_columns(as01):
    sheet = workbook()
    assert [c.value for c in sheet[4]] == [name for name, _ in COLUMNS]
    assert "số liệu đến ngày 20/6/2024" in sheet["A2"].value
    table = rows(sheet)
    assert len(table) == 9
    by_task = {r[2]: r for r in table}
    tan_binh = by_task["Xây dựng xã Tân Bình đạt chuẩn Nông thôn mới"]
    assert tan_binh[1] == "198-TB/HU" and tan_binh[3] == "Đảng ủy xã Tân Bình"
    assert tan_binh[5] == datetime(2024, 6, 30) and tan_binh[7] == "Đang thực hiện" and tan_binh[8] == "Trong hạn"
    done = by_task["Tổ chức học tập, quán triệt Đề án số 09-ĐA/TU"]
    assert (done[7], done[8]) == ("Hoàn thành", "Đúng hạn")


def test_on_time_and_late_as_of_the_cut_off(as01):
    task = as01.tasks[0]
    task.completed_on = date(2024, 7, 3)
    db.session.commit()
    by_task = {r[2]: r for r in rows(workbook(as_of=date(2024, 7, 10)))}
    assert by_task[task.title][8] == "Trễ hạn 3 ngày"
    assert by_task["Xây dựng xã Tân Bình đạt chuẩn Nông thôn mới"][8] == "Quá hạn 10 ngày"
    by_task = {r[2]: r for r in rows(workbook(as_of=date(2024, 6, 20)))}
    assert by_task[task.title][7] == TaskStatus.IN_PROGRESS.label  # completed after that cut-off


def test_formula_like_text_is_stored_as_inert_text(as01, factories, agencies):
    factories.task(agencies["BTG"], directive_=as01.conclusion, title='=HYPERLINK("http://x","bấm")', ordinal=20)
    sheet = workbook()
    cell = next(row[2] for row in sheet.iter_rows(min_row=5) if str(row[2].value).startswith("="))
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x","bấm")'
    assert cell.quotePrefix


def test_annex_is_deterministic(as01):
    report = build_period_report(2024, "quarter", 2, date(2024, 6, 20))
    assert annex_for(report) == annex_for(report)
