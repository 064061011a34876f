"""Evidence attached to a progress report: which files count, storing them all or none, and removing
them after a failed commit. Completion needs evidence: a file, a figure or an issued document cited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from app.core.uploads import EVIDENCE_KINDS, discard_upload, store_upload
from app.directives.refs import parse_references
from app.models import Attachment, ProgressReport, User
from app.progress.figures import FigureInput


def evidence_present(files: Sequence, figures: Sequence[FigureInput], text: str) -> bool:
    """Completion needs evidence (domain.md §3.6): a file, a figure, or an issued document cited by number."""
    return bool(files) or bool(figures) or bool(parse_references(text))


def real_files(files: Iterable | None) -> list:
    return [f for f in (files or []) if f is not None and getattr(f, "filename", "")]


def store_evidence(actor: User, report: ProgressReport, uploads: list) -> list[dict]:
    """Validate and store every file; if one is refused, none stays on disk."""
    stored: list[dict] = []
    try:
        for upload in uploads:
            stored.append(store_upload(upload, allowed_kinds=EVIDENCE_KINDS, field="evidence"))
    except BaseException:
        for values in stored:
            discard_upload(values)
        raise
    for values in stored:
        report.attachments.append(Attachment(**values, uploaded_by_id=actor.id))
    return stored


def discard_report_files(report: ProgressReport | None) -> None:
    """After a failed commit: remove the files a report stored (their rows were never saved)."""
    for attachment in getattr(report, "attachments", None) or []:
        discard_upload(attachment.stored_name)
