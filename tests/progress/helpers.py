"""Helpers for the progress tests: fresh reads, counts, form parsing and real sample files."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, ProgressReport

VERSION_RE = re.compile(r'name="version" type="hidden" value="(\d+)"|name="version" value="(\d+)"')


def fresh(model, ident):
    """The row as committed now (not the test session's cached copy)."""
    db.session.expire_all()
    return db.session.get(model, ident)


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


def task_events(task_id: int, action: str | None = None) -> list[AuditEvent]:
    stmt = sa.select(AuditEvent).where(AuditEvent.task_id == task_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


def report_count(task_id: int) -> int:
    return count(ProgressReport, ProgressReport.task_id == task_id)


def form_version(html: str) -> int:
    match = VERSION_RE.search(html)
    assert match, "no version field in the form"
    return int(match.group(1) or match.group(2))


def report_payload(version: int, **overrides) -> dict:
    data = {"version": str(version), "status": "in_progress", "progress_percent": "40",
            "result_text": "Đã tổ chức hội nghị quán triệt cho 120 đảng viên.", "content_item_id": "0"}
    data.update(overrides)
    return data


def pdf_bytes(size: int = 200) -> bytes:
    return b"%PDF-1.4\n" + b"0" * max(0, size - 9)


def png_bytes() -> bytes:
    return (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
            b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def docx_bytes(text: str = "Báo cáo kết quả") -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Số liệu"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
