"""Directives (văn bản): the header, its number, attachments, the list and progress at a glance.

A directive's tasks must not fall due before its meeting (else its issue date).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.core import audit
from app.core.clock import today_local
from app.core.db import check_version
from app.core.enums import DirectiveStatus, TaskStatus
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.permissions import (
    can_view_directive,
    directive_visibility_clause,
    has_permission,
    task_visibility_clause,
)
from app.core.search import like_contains
from app.core.uploads import DOCUMENT_KINDS, discard_upload, store_upload
from app.directives.citations import reference_targets, sync_directive_references
from app.directives.due_dates import date_floor
from app.directives.editing import (
    active_organisation,
    clean,
    directive_label,
    require_editor,
    select_ids,
    vn_date,
)
from app.directives.numbering import check_symbol_free, term_start_year_for
from app.directives.refs import DOC_TYPES
from app.extensions import db
from app.models import (
    Attachment,
    ContentItem,
    Directive,
    DocumentReference,
    Meeting,
    ProgressReport,
    Task,
    TaskCarryOver,
    task_coordinator,
)
from app.tasks.units import task_is_overdue

DIRECTIVE_FIELDS = ("doc_type", "number", "issuer_suffix", "issued_on", "issuing_body", "term_start_year", "title",
                    "body", "meeting_id", "parent_directive_id", "status", "issuer_id")
_NUMBER = re.compile(r"\d{1,6}")
_ISSUER = re.compile(r"[A-ZĐ][A-ZĐa-z0-9]*(?:-[A-ZĐa-z0-9]+)*")


@dataclass
class DirectiveInput:
    """What a person types for a directive (văn bản): a notice, resolution, plan …"""

    title: str
    doc_type: str = "TB"
    number: str = ""
    issuer_suffix: str = "HU"
    issued_on: date | None = None
    issuing_body: str = ""
    body: str = ""
    meeting_id: int | None = None
    parent_directive_id: int | None = None
    status: str = DirectiveStatus.ISSUED.value
    issuer_id: int | None = None


def _validate_directive(data: DirectiveInput) -> dict:
    title = clean(data.title)
    if not title:
        raise ValidationFailed(_("Chưa nhập trích yếu (tiêu đề) văn bản."), field="title")
    if len(title) > 1000:
        raise ValidationFailed(_("Trích yếu quá dài (tối đa 1000 ký tự)."), field="title")
    doc_type = (data.doc_type or "").strip()
    if doc_type not in DOC_TYPES:
        raise ValidationFailed(_("Loại văn bản “%(code)s” không hợp lệ.", code=doc_type), field="doc_type")
    number = (data.number or "").strip()
    if number and not _NUMBER.fullmatch(number):
        raise ValidationFailed(_("Số văn bản “%(n)s” phải là số (ví dụ 198).", n=number), field="number")
    if number and int(number) == 0:
        raise ValidationFailed(_("Số văn bản phải lớn hơn 0."), field="number")
    issuer = (data.issuer_suffix or "").strip() or None
    if issuer and not _ISSUER.fullmatch(issuer):
        raise ValidationFailed(_("Ký hiệu cơ quan ban hành “%(s)s” không hợp lệ (chữ in hoa, ví dụ HU).", s=issuer),
                               field="issuer_suffix")
    if number and not issuer:
        raise ValidationFailed(_("Văn bản có số phải có ký hiệu cơ quan ban hành (ví dụ HU)."), field="issuer_suffix")
    try:
        status = DirectiveStatus.coerce(data.status or DirectiveStatus.ISSUED.value)
    except ValueError:
        raise ValidationFailed(_("Trạng thái văn bản không hợp lệ."), field="status") from None
    meeting = db.session.get(Meeting, data.meeting_id) if data.meeting_id else None
    if data.meeting_id and meeting is None:
        raise ValidationFailed(_("Buổi làm việc đã chọn không tồn tại."), field="meeting_id")
    if meeting is not None and data.issued_on is not None and data.issued_on < meeting.held_on:
        raise ValidationFailed(_("Ngày ban hành %(d)s trước ngày họp %(m)s.", d=vn_date(data.issued_on),
                                 m=vn_date(meeting.held_on)), field="issued_on")
    if data.parent_directive_id and db.session.get(Directive, data.parent_directive_id) is None:
        raise ValidationFailed(_("Văn bản cấp trên đã chọn không tồn tại."), field="parent_directive_id")
    if data.issuer_id:
        active_organisation(data.issuer_id, _("Cơ quan ban hành"))
    return {
        "title": title, "doc_type": doc_type, "number": f"{int(number):02d}" if number else None,
        "issuer_suffix": issuer, "issued_on": data.issued_on, "issuing_body": clean(data.issuing_body)[:200] or None,
        "body": clean(data.body), "meeting_id": data.meeting_id or None,
        "parent_directive_id": data.parent_directive_id or None, "status": status, "issuer_id": data.issuer_id or None,
        "term_start_year": term_start_year_for(data.issued_on or (meeting.held_on if meeting else today_local())),
    }


def create_directive(actor, data: DirectiveInput, *, files: Sequence = ()) -> Directive:
    """Create a directive with its attachments (the signed PDF/DOCX), linking the references in its text.

    When the number was already known as a mere reference (mentioned in another text), that record
    is promoted to this document, so every earlier mention now links to it.
    """
    require_editor(actor)
    values = _validate_directive(data)
    directive = check_symbol_free(values, None)
    creating = directive is None
    if creating:
        directive = Directive(created_by_id=getattr(actor, "id", None))
        db.session.add(directive)
    for name, value in values.items():
        setattr(directive, name, value)
    db.session.flush()
    add_attachments(actor, directive, files)
    sync_directive_references(directive)
    audit.record(actor, "create" if creating else "promote", directive, summary=directive_label(directive),
                 after=audit.snapshot(directive, DIRECTIVE_FIELDS))
    return directive


def update_directive(actor, directive: Directive, data: DirectiveInput, *, expected_version: int | None = None
                     ) -> Directive:
    """Edit a directive's header and text; its tasks must not fall due before its meeting."""
    require_editor(actor)
    check_version(directive, expected_version)
    values = _validate_directive(data)
    if check_symbol_free(values, directive) is not None:
        raise Conflict(_("Số, ký hiệu này đang là một văn bản được dẫn chiếu khác; hãy mở văn bản đó để cập nhật."))
    before = audit.snapshot(directive, DIRECTIVE_FIELDS)
    for name, value in values.items():
        setattr(directive, name, value)
    floor = date_floor(directive)
    earliest = db.session.scalar(sa.select(sa.func.min(Task.due_date)).where(Task.directive_id == directive.id))
    if floor and earliest and earliest < floor:
        raise ValidationFailed(_("Đã có nhiệm vụ hạn %(due)s, trước ngày họp/ban hành %(d)s.",
                                 due=vn_date(earliest), d=vn_date(floor)))
    old, new = audit.diff(before, audit.snapshot(directive, DIRECTIVE_FIELDS))
    db.session.flush()
    sync_directive_references(directive)
    if new:
        audit.record(actor, "update", directive, summary=directive_label(directive), before=old, after=new)
    return directive


def delete_directive(actor, directive: Directive) -> list[str]:
    """Delete a directive and its tasks; refused once an agency has reported or a carry-over points at it.

    Returns the stored names of its files so the caller removes them after the commit.
    """
    require_editor(actor)
    task_ids = select_ids(sa.select(Task.id).where(Task.directive_id == directive.id))
    if task_ids and db.session.scalar(sa.select(sa.func.count()).select_from(ProgressReport)
                                      .where(ProgressReport.task_id.in_(task_ids))):
        raise Conflict(_("Văn bản đã có nhiệm vụ được báo cáo tiến độ, không thể xóa."))
    if db.session.scalar(sa.select(sa.func.count()).select_from(TaskCarryOver).where(
            sa.or_(TaskCarryOver.from_directive_id == directive.id, TaskCarryOver.to_directive_id == directive.id))):
        raise Conflict(_("Văn bản có nhiệm vụ chuyển tiếp, không thể xóa."))
    children = db.session.scalar(sa.select(sa.func.count()).select_from(Directive)
                                 .where(Directive.parent_directive_id == directive.id))
    if children:
        raise Conflict(_("Văn bản đang là văn bản cấp trên của %(n)d văn bản khác, không thể xóa.", n=children))
    stored = [a.stored_name for a in directive.attachments]
    db.session.execute(sa.delete(DocumentReference).where(
        sa.or_(sa.and_(DocumentReference.source_kind == "directive", DocumentReference.source_id == directive.id),
               sa.and_(DocumentReference.source_kind == "task", DocumentReference.source_id.in_(task_ids or [0])))))
    audit.record(actor, "delete", directive, summary=directive_label(directive),
                 before=audit.snapshot(directive, DIRECTIVE_FIELDS))
    db.session.delete(directive)
    db.session.flush()
    return stored


def add_attachments(actor, directive: Directive, files: Iterable) -> list[Attachment]:
    """Store uploaded files (PDF or DOCX, type checked from the content) as the directive's attachments.

    A refused file raises ``UploadRefused`` (a ValidationFailed); files already stored in this call
    are removed from disk again, and the caller rolls the transaction back.
    """
    stored: list[dict] = []
    created: list[Attachment] = []
    try:
        for file_storage in files:
            if file_storage is None or not getattr(file_storage, "filename", ""):
                continue
            values = store_upload(file_storage, allowed_kinds=DOCUMENT_KINDS, field="attachments")
            stored.append(values)
            attachment = Attachment(**values, directive_id=directive.id, uploaded_by_id=getattr(actor, "id", None))
            db.session.add(attachment)
            created.append(attachment)
        db.session.flush()
    except BaseException:
        for values in stored:
            discard_upload(values)
        raise
    for attachment in created:
        audit.record(actor, "attach", attachment, summary=_("Đính kèm %(name)s vào %(d)s", name=attachment.filename,
                                                            d=directive_label(directive)))
    return created


def remove_attachment(actor, attachment: Attachment) -> str:
    """Delete an attachment row; returns its stored name for removal from disk after the commit."""
    require_editor(actor)
    audit.record(actor, "detach", attachment, summary=attachment.filename)
    stored = attachment.stored_name
    db.session.delete(attachment)
    db.session.flush()
    return stored


def attachment_of_directive(directive_id: int, attachment_id: int) -> Attachment:
    """The directive's attachment; NotFound if missing or attached to another directive."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.directive_id != directive_id:
        raise NotFound(_("Không tìm thấy tệp đính kèm."))
    return attachment


def viewable_attachment(user, attachment_id: int) -> Attachment:
    """A directive's attachment if *user* may see the directive, else NotFound."""
    found = db.session.get(Attachment, attachment_id)
    if found is None or found.directive is None or not can_view_directive(user, found.directive):
        raise NotFound(_("Không tìm thấy tệp đính kèm."))
    return found


def get_directive_for(user, directive_id: int) -> Directive:
    """The directive if *user* may see it, else NotFound (drafts are not disclosed to agencies)."""
    directive = db.session.get(Directive, directive_id)
    if directive is None or not can_view_directive(user, directive):
        raise NotFound(_("Không tìm thấy văn bản."))
    return directive


@dataclass(frozen=True)
class DirectiveFilters:
    year: int | None = None
    quarter: int | None = None
    issuer_suffix: str | None = None
    doc_type: str | None = None
    status: str | None = None
    agency_id: int | None = None
    meeting_id: int | None = None
    query: str | None = None


def _period_clause(year: int | None, quarter: int | None):
    if not year or not 1900 <= year <= 2999:
        return sa.true()
    if quarter in (1, 2, 3, 4):
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    else:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    in_meeting = sa.exists().where(Meeting.id == Directive.meeting_id, Meeting.held_on >= start, Meeting.held_on < end)
    return sa.or_(sa.and_(Directive.issued_on >= start, Directive.issued_on < end), in_meeting)


def _agency_clause(agency_id: int):
    as_lead = sa.exists().where(Task.directive_id == Directive.id, Task.lead_org_id == agency_id)
    as_coord = sa.exists().where(Task.directive_id == Directive.id, task_coordinator.c.task_id == Task.id,
                                 task_coordinator.c.organisation_id == agency_id)
    as_item = sa.exists().where(Task.directive_id == Directive.id, ContentItem.task_id == Task.id,
                                ContentItem.lead_org_id == agency_id)
    return sa.or_(as_lead, as_coord, as_item)


def list_directives(user, filters: DirectiveFilters, *, after_id: int | None = None, limit: int = 50
                    ) -> tuple[list[Directive], int | None]:
    """One page of directives for *user*, newest first, keyset-paginated on the id.

    Referenced documents (status “reference”) are listed only when that status is asked for.
    Agency users see issued directives that hold one of their tasks.  A query that names a document
    ("26-NQ/TW", "Nghị quyết số 26-NQ/TW") finds it and every directive whose text cites it.
    """
    stmt = sa.select(Directive).order_by(Directive.id.desc()).limit(limit + 1)
    if filters.status:
        stmt = stmt.where(Directive.status == DirectiveStatus.coerce(filters.status))
    else:
        stmt = stmt.where(Directive.status != DirectiveStatus.REFERENCE)
    stmt = stmt.where(directive_visibility_clause(user))
    if not has_permission(user, "agency.any"):
        if not filters.status or filters.status != DirectiveStatus.REFERENCE.value:
            visible = sa.exists().where(Task.directive_id == Directive.id, task_visibility_clause(user))
            stmt = stmt.where(visible)
    stmt = stmt.where(_period_clause(filters.year, filters.quarter))
    if filters.issuer_suffix:
        stmt = stmt.where(Directive.issuer_suffix == filters.issuer_suffix)
    if filters.doc_type:
        stmt = stmt.where(Directive.doc_type == filters.doc_type)
    if filters.agency_id:
        stmt = stmt.where(_agency_clause(filters.agency_id))
    if filters.meeting_id:
        stmt = stmt.where(Directive.meeting_id == filters.meeting_id)
    if filters.query:
        stmt = stmt.where(_query_clause(user, filters.query))
    if after_id:
        stmt = stmt.where(Directive.id < after_id)
    rows = list(db.session.scalars(stmt))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def _query_clause(user, query: str):
    targets = reference_targets(user, query)
    text = clean(query)[:200]
    clauses = [like_contains(Directive.title, text), like_contains(Directive.body, text),
               like_contains(Directive.issuing_body, text)]
    if targets:
        ids = [t.id for t in targets]
        citing = sa.select(DocumentReference.source_id).where(
            DocumentReference.source_kind == "directive", DocumentReference.target_directive_id.in_(ids))
        citing_tasks = sa.select(Task.directive_id).join(
            DocumentReference, sa.and_(DocumentReference.source_kind == "task", DocumentReference.source_id == Task.id)
        ).where(DocumentReference.target_directive_id.in_(ids))
        clauses += [Directive.id.in_(ids), Directive.id.in_(citing), Directive.id.in_(citing_tasks)]
    return sa.or_(*clauses)


def filter_options() -> dict:
    """Values for the list filters: issuer suffixes, types and years in use."""
    suffixes = db.session.scalars(sa.select(Directive.issuer_suffix).where(Directive.issuer_suffix.is_not(None))
                                  .distinct().order_by(Directive.issuer_suffix)).all()
    years = sorted({d.year for d in db.session.scalars(sa.select(Directive.issued_on)
                                                        .where(Directive.issued_on.is_not(None)).distinct())} |
                   set(db.session.scalars(sa.select(Meeting.year).distinct())), reverse=True)
    return {"suffixes": suffixes, "doc_types": DOC_TYPES, "years": years}


# --------------------------------------------------------------------------- progress at a glance


@dataclass
class DirectiveProgress:
    """Counts by status and overall progress of the tasks a user can see under one directive."""

    tasks: list[Task]
    by_status: dict[TaskStatus, int]
    overdue: int
    average_percent: int
    item_count: int

    @property
    def total(self) -> int:
        return len(self.tasks)


def directive_tasks(user, directive: Directive) -> list[Task]:
    """The directive's tasks that *user* may see, in breakdown order (occurrences after their series)."""
    stmt = (sa.select(Task).where(Task.directive_id == directive.id, task_visibility_clause(user))
            .options(selectinload(Task.items), selectinload(Task.coordinators))
            .order_by(Task.ordinal, Task.parent_task_id.is_not(None), Task.due_date, Task.id))
    return list(db.session.scalars(stmt))


def directive_progress(user, directive: Directive, today: date | None = None) -> DirectiveProgress:
    today = today or today_local()
    tasks = directive_tasks(user, directive)
    by_status = {status: 0 for status in TaskStatus}
    for task in tasks:
        by_status[task.status] += 1
    average = round(sum(t.progress_percent for t in tasks) / len(tasks)) if tasks else 0
    return DirectiveProgress(tasks=tasks, by_status=by_status, overdue=sum(task_is_overdue(t, today) for t in tasks),
                             average_percent=average, item_count=sum(len(t.items) for t in tasks))
