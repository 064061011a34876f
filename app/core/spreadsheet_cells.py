"""Cells of the spreadsheets the application writes: text never becomes a formula.

A CSV cell beginning with = + - @, a tab or a carriage return is run as a formula by Excel and
LibreOffice (CSV injection), so every CSV writer passes its cells through :func:`csv_safe`, which
puts an apostrophe in front; our own imports take that apostrophe off again (:func:`csv_unescape`),
so an exported file reads back unchanged. XLSX writers store user text as strings, never formulas.
"""

from __future__ import annotations

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def csv_safe(value):
    """The cell to write to a CSV file (or as plain text anywhere): formula-like text gets a leading
    apostrophe."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def csv_safe_row(values) -> list:
    return [csv_safe(value) for value in values]


def csv_unescape(value: str) -> str:
    """A cell read from a CSV file with the apostrophe :func:`csv_safe` added taken off again."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def as_text_cells(row) -> None:
    """Mark an openpyxl row's string cells as text (openpyxl makes a formula of any "=…" string)."""
    for cell in row:
        if isinstance(cell.value, str) and cell.data_type == "f":
            cell.data_type = "s"
