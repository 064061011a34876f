"""Reading and writing the directory's spreadsheets (CSV or XLSX) with named columns.

Each file kind declares its columns once (:class:`Column`): the English code used by `flask orgs
export` and the Vietnamese headings of the template; either is accepted on import, with or without
diacritics and in any case. Row numbers are the spreadsheet's own (the heading is row 1), so an office
can find the line a message is about.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _

from app.core.spreadsheet_cells import as_text_cells, csv_safe_row, csv_unescape
from app.core.text import strip_diacritics

#: More rows than a district has organisations or people by far; a larger file is a mistake.
MAX_ROWS = 5000
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Column:
    code: str
    heading: object  # lazy Vietnamese heading of the template
    required: bool = False
    aliases: tuple[str, ...] = ()

    def keys(self) -> set[str]:
        return {header_key(n) for n in (self.code, str(self.heading), *self.aliases)}


@dataclass
class Problem:
    """Something wrong in the file: ``row`` is None for the file as a whole."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = _("dòng %(n)d", n=self.row) if self.row is not None else _("tệp")
        return f"{where}" + (f", {self.column}" if self.column else "") + f": {self.message}"


@dataclass
class Sheet:
    columns: set[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


@dataclass
class ImportOutcome:
    """What an import plans or did, entry by entry (each entry has an ``action``), and what is wrong."""

    entries: list = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    written: bool = False

    def count(self, action: str) -> int:
        return sum(1 for e in self.entries if e.action == action)


class FileRefused(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def header_key(text: str) -> str:
    return re.sub(r"[\s_\-]+", "_", strip_diacritics(str(text))).strip("_")


def file_format(filename: str) -> str:
    suffix = Path(filename or "").suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise FileRefused([Problem(None, None, _("Chỉ nhận tệp .csv hoặc .xlsx."))])
    return suffix


def read_table(data: bytes, filename: str, columns: tuple[Column, ...]) -> Sheet:
    """The rows of a CSV or XLSX file keyed by column code; raises FileRefused for the file as a whole."""
    fmt = file_format(filename)
    raw_rows = _csv_rows(data) if fmt == "csv" else _xlsx_rows(data, filename)
    header_at, header = next(((n, r) for n, r in raw_rows if any(c.strip() for c in r)), (None, None))
    if header is None:
        raise FileRefused([Problem(None, None, _("Tệp không có dữ liệu."))])
    by_key = {key: c.code for c in columns for key in c.keys()}
    positions: dict[int, str] = {}
    problems = []
    for index, heading in enumerate(header):
        if not heading.strip():
            continue
        code = by_key.get(header_key(heading))
        if code is None:
            problems.append(Problem(header_at, heading, _("Không nhận ra cột “%(h)s”. Các cột: %(cols)s.", h=heading,
                                                           cols=", ".join(c.code for c in columns))))
        elif code in positions.values():
            problems.append(Problem(header_at, heading, _("Cột “%(h)s” xuất hiện hai lần.", h=heading)))
        else:
            positions[index] = code
    missing = [c.code for c in columns if c.required and c.code not in positions.values()]
    if missing:
        problems.append(Problem(None, None, _("Thiếu cột: %(cols)s.", cols=", ".join(missing))))
    if problems:
        raise FileRefused(problems)
    sheet = Sheet(columns=set(positions.values()))
    for number, cells in raw_rows:
        if number <= header_at or not any(c.strip() for c in cells):
            continue
        if len(sheet.rows) >= MAX_ROWS:
            raise FileRefused([Problem(None, None, _("Tệp có hơn %(n)d dòng.", n=MAX_ROWS))])
        sheet.rows.append((number, {code: (cells[i] if i < len(cells) else "") for i, code in positions.items()}))
    return sheet


def _csv_rows(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused([Problem(None, None, _("Tệp CSV phải được lưu với bảng mã UTF-8."))]) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    try:
        # Excel in Vietnamese settings writes ";" between columns; a spreadsheet row is a line.
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        # The apostrophe our export put before formula-like text is not part of the value.
        return [(n, [csv_unescape(cell) for cell in row]) for n, row in enumerate(reader, start=1)]
    except csv.Error as error:
        raise FileRefused([Problem(None, None, _("Tệp CSV không đọc được: %(e)s", e=str(error)))]) from None


def _xlsx_rows(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    from app.core.uploads import check_spreadsheet

    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        handle.write(data)
        handle.flush()
        check_spreadsheet(Path(handle.name), filename)
        try:
            workbook = load_workbook(handle.name, read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged workbook
            raise FileRefused([Problem(None, None, _("Tệp Excel bị hỏng hoặc không đọc được."))]) from None
        try:
            sheet = workbook.worksheets[0]
            rows = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number > MAX_ROWS + 50:
                    raise FileRefused([Problem(None, None, _("Tệp có hơn %(n)d dòng.", n=MAX_ROWS))])
                rows.append((number, [_cell_text(v) for v in values]))
            return rows
        finally:
            workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def is_decomposed(text: str) -> bool:
    """True for text typed or pasted in decomposed form (NFD: a letter followed by combining marks)."""
    return text != unicodedata.normalize("NFC", text)


def write_table(columns: tuple[Column, ...], rows: list[dict[str, str]], fmt: str, *, headings: str = "code") -> bytes:
    """The file `export` writes and the template offers: ``headings`` "code" or "vi" (Vietnamese)."""
    header = [c.code if headings == "code" else str(c.heading) for c in columns]
    body = [[row.get(c.code, "") or "" for c in columns] for row in rows]
    if fmt == "csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(csv_safe_row(header))
        writer.writerows(csv_safe_row(values) for values in body)
        return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in body:
        sheet.append(values)
    for row in sheet.iter_rows():
        as_text_cells(row)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = 14 if column.code != "name" else 40
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def text_cell(problems: list[Problem], number: int, column: str, value: str | None, *, required: bool = False,
              max_len: int = 200) -> str:
    """A cell's text, trimmed and with space runs collapsed; a problem is added when it is decomposed
    (NFD: it would not match the same word typed in composed form), missing or too long."""
    value = value or ""
    if is_decomposed(value):
        problems.append(Problem(number, column, _("Chữ ở dạng tổ hợp (NFD); hãy lưu tệp ở dạng dựng sẵn (NFC).")))
        return ""
    value = " ".join(value.replace("\u00a0", " ").split())
    if required and not value:
        problems.append(Problem(number, column, _("Không được để trống.")))
    elif len(value) > max_len:
        problems.append(Problem(number, column, _("Dài quá %(n)d ký tự.", n=max_len)))
    return value


def email_problem(address: str) -> str | None:
    """Why an e-mail address is refused (the syntax only: nothing is looked up on the network)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return _("Địa chỉ email không hợp lệ: %(e)s.", e=address)
    return None
