"""`flask report quarterly|period`: write the report (or its annex) to a file from the command line.

The file is built exactly as the web download is: the period's report row supplies the narrative and
issuing details when it exists, and the same renderer writes the bytes, so for the same cut-off the
CLI output and the downloaded file are byte-identical.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.core.errors import DomainError

report_cli = AppGroup("report", help="Báo cáo định kỳ: xuất Word (.docx), phụ lục Excel (.xlsx) hoặc PDF.")


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"ngày phải có dạng YYYY-MM-DD, không phải {value!r}") from None


def export_period(code: str, as_of_text: str | None, out: Path) -> list[str]:
    """Build the period's report as of the cut-off and write it to ``out`` by extension; return warnings."""
    from app.core.periods import parse_period
    from app.reports.builder import build_period_report
    from app.reports.docx import PdfUnavailable, convert_to_pdf, render_docx
    from app.reports.drafts import find_report
    from app.reports.xlsx import annex_for

    suffix = out.suffix.lower()
    if suffix not in (".docx", ".xlsx", ".pdf"):
        raise click.BadParameter("tệp ra phải là .docx, .xlsx hoặc .pdf", param_hint="--out")
    try:
        period = parse_period(code, field="quarter")
        row = find_report(period)
        if as_of_text is None and row is None:
            raise click.BadParameter("chưa có báo cáo cho kỳ này; cần nhập --as-of", param_hint="--as-of")
        as_of = _parse_day(as_of_text) if as_of_text else row.as_of
        built = build_period_report(period.year, period.kind, period.index, as_of, report=row)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    if suffix == ".xlsx":
        data = annex_for(built)
    else:
        data = render_docx(built)
        if suffix == ".pdf":
            try:
                data = convert_to_pdf(data)
            except PdfUnavailable as error:
                raise click.ClickException(f"không tạo được PDF: {error}") from None
    out.write_bytes(data)
    return list(built.warnings) + list(built.errors)


@report_cli.command("quarterly")
@click.option("--quarter", required=True, help="Quý của buổi làm việc, dạng 2024-Q2.")
@click.option("--as-of", "as_of", default=None, help="Ngày chốt số liệu YYYY-MM-DD (mặc định: của báo cáo đã lập).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Tệp ra .docx, .xlsx hoặc .pdf.")
def quarterly(quarter: str, as_of: str | None, out: Path) -> None:
    """Write the quarterly working-session report, e.g. --quarter 2024-Q2 --as-of 2024-06-20 --out bc.docx."""
    if not quarter.upper().partition("-")[2].startswith("Q"):
        raise click.BadParameter("dạng NĂM-Qn, ví dụ 2024-Q2", param_hint="--quarter")
    _finish(export_period(quarter, as_of, out), out)


@report_cli.command("period")
@click.option("--period", "code", required=True, help="Kỳ báo cáo: 2024-Q2, 2024-H1, 2024-9M hoặc 2024 (cả năm; viết 2024-Y cũng được).")
@click.option("--as-of", "as_of", default=None, help="Ngày chốt số liệu YYYY-MM-DD.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Tệp ra .docx, .xlsx hoặc .pdf.")
def period(code: str, as_of: str | None, out: Path) -> None:
    """Write the report for a quarter, 6 months, 9 months or the year."""
    _finish(export_period(code, as_of, out), out)


def _finish(notes: list[str], out: Path) -> None:
    for note in notes:
        click.echo(f"lưu ý: {note}", err=True)
    click.echo(str(out))


def register(app: Flask) -> None:
    app.cli.add_command(report_cli)
