"""Evidence attached to a progress report: which files count, storing them all or none, and removing
them after a failed commit. Completion needs evidence: a file, a figure or an issued document cited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask_babel import gettext as _

from app.core.errors import NotFound
from app.core.permissions import can_view_task
from app.core.uploads import EVIDENCE_KINDS, discard_upload, store_upload
from app.directives.refs import parse_references
from app.extensions import db
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


def viewable_evidence(user: User, attachment_id: int) -> Attachment:
    """A progress report's file if *user* may see its task; NotFound otherwise, so another agency's
    files are not disclosed (a directive's files are looked up in app.directives.notices)."""
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.progress_report_id is None:
        raise NotFound(_("Không tìm thấy tệp đính kèm."))
    owner = db.session.get(ProgressReport, item.progress_report_id)
    if owner is None or not can_view_task(user, owner.task):
        raise NotFound(_("Không tìm thấy tệp đính kèm."))
    return item


def discard_report_files(report: ProgressReport | None) -> None:
    """After a failed commit: remove the files a report stored (their rows were never saved)."""
    for attachment in getattr(report, "attachments", None) or []:
        discard_upload(attachment.stored_name)
