"""Exported spreadsheets never run user text as a formula (CSV injection), and read back unchanged."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from app.core.spreadsheet_cells import csv_safe, csv_unescape
from app.directory.organisations import export_file

FORMULA = '=HYPERLINK("http://evil.example","Bấm vào")'


@pytest.mark.parametrize("text", ["=1+1", "+84 123", "-Phòng", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_cells_get_an_apostrophe_that_import_removes(text):
    assert csv_safe(text) == "'" + text
    assert csv_unescape(csv_safe(text)) == text


@pytest.mark.parametrize("text", ["Ban Tuyên giáo", "'quoted", "", "x=1"])
def test_other_cells_are_left_alone(text):
    assert csv_safe(text) == text and csv_unescape(text) == text


def test_export_neutralises_formulas_and_round_trips(runner, factories, tmp_path):
    hu = factories.org("HU", name="Huyện ủy")
    factories.org("BTG", name=FORMULA, short_name="-Tuyên giáo", parent=hu)

    text = export_file("csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",'-Tuyên giáo," in text
    sheet = load_workbook(io.BytesIO(export_file("xlsx"))).active
    cells = {cell.value: cell.data_type for row in sheet.iter_rows() for cell in row}
    assert cells[FORMULA] == "s" and cells["-Tuyên giáo"] == "s"  # text, not a formula

    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"export.{fmt}"
        out.write_bytes(export_file(fmt))
        again = runner.invoke(args=["orgs", "import", str(out), "--dry-run"])
        assert "created 0, changed 0, unchanged 2" in again.output, again.output
