"""Extension requests (đề nghị gia hạn): the lead agency asks for a new due date, the committee decides.

An approved extension moves ``Task.due_date`` and keeps the first one in ``Task.original_due_date``.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app.core import audit
from app.core.clock import now_utc, today_local
from app.core.enums import ExtensionState, Role, TaskKind, TaskStatus
from app.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.core.permissions import can_request_extension, can_view_task, has_permission, require
from app.core.templating import vn_date
from app.directives.numbering import TERM_LENGTH
from app.extensions import db
from app.models import ExtensionRequest, Task, User
from app.progress.limits import MAX_REASON_CHARS
from app.progress.locks import lock_task
from app.progress.notifications import notify_agency, notify_roles
from app.tasks import rollup
from app.tasks.services import get_task_record_for


def extension_horizon(today: date) -> date:
    """The latest due date an extension may ask for: the end of the year one Party term from now."""
    return date(today.year + TERM_LENGTH, 12, 31)


def request_extension(actor: User, task: Task, requested_due_date: date | None, reason: str) -> ExtensionRequest:
    """The lead agency (or the office for it) asks for a new due date with a reason."""
    if not can_view_task(actor, task):
        raise NotFound(_("Không tìm thấy nhiệm vụ."))
    if not can_request_extension(actor, task):
        raise PermissionDenied(_("Chỉ cơ quan chủ trì được đề nghị gia hạn nhiệm vụ."))
    lock_task(task)
    if task.kind is TaskKind.CONTINUOUS or task.due_date is None:
        raise ValidationFailed(_("Nhiệm vụ thường xuyên hoặc không có hạn thì không cần gia hạn."))
    if task.status is TaskStatus.COMPLETED:
        raise ValidationFailed(_("Nhiệm vụ đã hoàn thành, không thể gia hạn."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Vui lòng nêu lý do đề nghị gia hạn."), field="reason")
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationFailed(_("Lý do quá dài (tối đa %(n)d ký tự).", n=MAX_REASON_CHARS), field="reason")
    if requested_due_date is None:
        raise ValidationFailed(_("Vui lòng chọn hạn mới."), field="requested_due_date")
    if requested_due_date <= task.due_date:
        raise ValidationFailed(_("Hạn mới phải sau hạn hiện tại (%(d)s).", d=vn_date(task.due_date)),
                               field="requested_due_date")
    if requested_due_date < today_local():
        raise ValidationFailed(_("Hạn mới không được trước hôm nay."), field="requested_due_date")
    horizon = extension_horizon(today_local())
    if requested_due_date > horizon:
        raise ValidationFailed(_("Hạn mới không được sau %(d)s (quá một nhiệm kỳ kể từ nay).", d=vn_date(horizon)),
                               field="requested_due_date")
    if pending_extension_for(task) is not None:
        raise Conflict(_("Nhiệm vụ đã có đề nghị gia hạn đang chờ quyết định."))
    request = ExtensionRequest(task_id=task.id, organisation_id=_requesting_org(actor, task), requested_by_id=actor.id,
                               current_due_date=task.due_date, requested_due_date=requested_due_date, reason=reason,
                               state=ExtensionState.PENDING, created_at=now_utc())
    db.session.add(request)
    summary = _("Đề nghị gia hạn từ %(old)s đến %(new)s: %(reason)s", old=vn_date(task.due_date),
                new=vn_date(requested_due_date), reason=reason)
    audit.record(actor, "extension_request", request, task_id=task.id, summary=summary,
                 after={"requested_due_date": requested_due_date.isoformat(), "reason": reason})
    notify_roles(task, (Role.COMMITTEE,), "extension_requested", summary)
    return request


def _requesting_org(actor: User, task: Task) -> int:
    return actor.organisation_id if has_permission(actor, "agency.own") else task.lead_org_id


def decide_extension(actor: User, request: ExtensionRequest, approve: bool, note: str | None = None) -> ExtensionRequest:
    """The committee approves (the due date moves; the original is kept) or rejects (nothing moves)."""
    require(actor, "extension.decide", _("Chỉ Thường trực quyết định gia hạn."))
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationFailed(_("Vui lòng nêu lý do không đồng ý gia hạn."), field="note")
    if len(note) > MAX_REASON_CHARS:
        raise ValidationFailed(_("Ý kiến quá dài (tối đa %(n)d ký tự).", n=MAX_REASON_CHARS), field="note")
    task = request.task
    lock_task(task)
    db.session.refresh(request)
    if request.state is not ExtensionState.PENDING:
        raise Conflict(_("Đề nghị gia hạn này đã được quyết định (%(state)s).", state=request.state.label))
    request.state = ExtensionState.APPROVED if approve else ExtensionState.REJECTED
    request.decided_by_id = actor.id
    request.decided_at = now_utc()
    request.decision_note = note or None
    before = audit.snapshot(task, ("due_date", "original_due_date"))
    if approve:
        if task.original_due_date is None:
            task.original_due_date = task.due_date
        task.due_date = request.requested_due_date
        summary = _("Đồng ý gia hạn đến %(d)s (hạn ban đầu %(orig)s)", d=vn_date(task.due_date),
                    orig=vn_date(task.original_due_date))
    else:
        summary = _("Không đồng ý gia hạn: %(note)s", note=note)
    rollup.apply_rollup(task)  # the due date moved, the status did not: kept the roll-up of the items
    if note and approve:
        summary += f". {note}"
    old, new = audit.diff(before, audit.snapshot(task, ("due_date", "original_due_date")))
    audit.record(actor, "extension_decision", request, task_id=task.id, summary=summary, before=old or None,
                 after=new or {"state": request.state.value})
    notify_agency(task, request.organisation_id, "extension_decided", summary, also=request.requested_by)
    return request


def get_extension_for(actor: User, request_id: int) -> ExtensionRequest:
    return get_task_record_for(actor, ExtensionRequest, request_id, _("Không tìm thấy đề nghị gia hạn."))


def pending_extension_for(task: Task) -> ExtensionRequest | None:
    return db.session.scalar(sa.select(ExtensionRequest).where(
        ExtensionRequest.task_id == task.id, ExtensionRequest.state == ExtensionState.PENDING).limit(1))


def task_extensions(task: Task) -> list[ExtensionRequest]:
    """Every extension request on the task, oldest first (the history is kept)."""
    return list(db.session.scalars(sa.select(ExtensionRequest).where(ExtensionRequest.task_id == task.id)
                                   .order_by(ExtensionRequest.created_at, ExtensionRequest.id)))


def pending_extensions(limit: int = 200) -> list[ExtensionRequest]:
    # The list shows each request's task (directive, lead agency) and who asked: loaded with the rows.
    return list(db.session.scalars(sa.select(ExtensionRequest).where(ExtensionRequest.state == ExtensionState.PENDING)
                                   .options(joinedload(ExtensionRequest.task).joinedload(Task.directive),
                                            joinedload(ExtensionRequest.requested_by))
                                   .order_by(ExtensionRequest.created_at, ExtensionRequest.id).limit(limit)))


def recent_extension_decisions(limit: int = 30) -> list[ExtensionRequest]:
    return list(db.session.scalars(sa.select(ExtensionRequest).where(ExtensionRequest.state != ExtensionState.PENDING)
                                   .options(joinedload(ExtensionRequest.task), joinedload(ExtensionRequest.decided_by))
                                   .order_by(ExtensionRequest.decided_at.desc(), ExtensionRequest.id.desc())
                                   .limit(limit)))
