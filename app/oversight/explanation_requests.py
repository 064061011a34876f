"""Explanation requests (yêu cầu giải trình): the office asks the lead agency why a task is late, one open
request at a time; the agency that leads the task (or one of its items) answers, oversight roles only read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from app.core import audit
from app.core.clock import now_utc
from app.core.enums import TaskStatus
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.permissions import agency_role_in_task, has_permission, require, task_visibility_clause
from app.extensions import db
from app.models import ExplanationRequest, Organisation, Task, User
from app.oversight.actions import agency_users, clean_text, notify, require_issued
from app.tasks.services import get_task_record_for

#: Explanation requests per page (the same size as the overdue list's).
PAGE_SIZE = 50


def request_explanation(actor: User, task: Task, message: str) -> ExplanationRequest:
    """Yêu cầu giải trình: ask the lead agency why the task is late; one open request at a time."""
    require(actor, "explanation.request", _("Bạn không có quyền yêu cầu giải trình."))
    require_issued(task)
    message = clean_text(message, "message", required=True, label=_("nội dung yêu cầu"))
    if task.status is TaskStatus.COMPLETED:
        raise ValidationFailed(_("Nhiệm vụ đã hoàn thành, không cần giải trình."))
    open_request = db.session.scalar(sa.select(ExplanationRequest.id).where(
        ExplanationRequest.task_id == task.id, ExplanationRequest.answered_at.is_(None)).limit(1))
    if open_request is not None:
        raise Conflict(_("Nhiệm vụ đã có yêu cầu giải trình chưa được trả lời."))
    request = ExplanationRequest(task_id=task.id, requested_by_id=actor.id, message=message, requested_at=now_utc())
    db.session.add(request)
    summary = _("Yêu cầu giải trình: %(m)s", m=message)
    audit.record(actor, "explanation_request", request, task_id=task.id, summary=summary, after={"message": message})
    notify(agency_users(task.lead_org_id), task, "explanation_request", f"{task.title[:200]}: {summary}")
    return request


def can_answer_explanation(user: User, request: ExplanationRequest) -> bool:
    """The lead agency (or the agency of one of its items) answers; oversight roles only read."""
    return has_permission(user, "agency.own") and agency_role_in_task(user, request.task) in ("lead", "item_lead")


def answer_explanation(actor: User, request: ExplanationRequest, answer: str) -> ExplanationRequest:
    require(actor, "explanation.answer", _("Chỉ cơ quan thực hiện nhiệm vụ trả lời giải trình."))
    if not can_answer_explanation(actor, request):
        raise NotFound(_("Không tìm thấy yêu cầu giải trình."))
    answer = clean_text(answer, "answer", required=True, label=_("nội dung giải trình"))
    if request.answered_at is not None:
        raise Conflict(_("Yêu cầu này đã được trả lời."))
    request.answer, request.answered_by_id, request.answered_at = answer, actor.id, now_utc()
    task = request.task
    summary = _("Giải trình: %(a)s", a=answer)
    audit.record(actor, "explanation_answer", request, task_id=task.id, summary=summary, after={"answer": answer})
    requester = db.session.get(User, request.requested_by_id)
    notify([requester], task, "explanation_answer", f"{task.title[:200]}: {summary}")
    return request


def get_explanation_for(user: User, request_id: int) -> ExplanationRequest:
    return get_task_record_for(user, ExplanationRequest, request_id, _("Không tìm thấy yêu cầu giải trình."))


@dataclass(frozen=True)
class ExplanationEntry:
    id: int
    task_id: int
    task_title: str
    agency: str
    message: str
    requested_at: datetime
    requested_by: str
    answer: str | None
    answered_at: datetime | None
    answered_by: str | None
    can_answer: bool


def explanation_list(user: User, *, state: str = "open", after_id: int | None = None,
                     limit: int = PAGE_SIZE) -> tuple[list[ExplanationEntry], int | None]:
    """Explanation requests the user may see (an agency: its own tasks), newest first, keyset on id."""
    requester, answerer = aliased(User), aliased(User)
    stmt = (
        sa.select(ExplanationRequest, Task.title, Task.lead_org_id, Organisation.name, requester.name, answerer.name)
        .join(Task, Task.id == ExplanationRequest.task_id)
        .join(Organisation, Organisation.id == Task.lead_org_id)
        .join(requester, requester.id == ExplanationRequest.requested_by_id)
        .outerjoin(answerer, answerer.id == ExplanationRequest.answered_by_id)
        .where(task_visibility_clause(user))
        .order_by(ExplanationRequest.id.desc()).limit(limit + 1)
    )
    if state == "open":
        stmt = stmt.where(ExplanationRequest.answered_at.is_(None))
    elif state == "answered":
        stmt = stmt.where(ExplanationRequest.answered_at.is_not(None))
    if after_id:
        stmt = stmt.where(ExplanationRequest.id < after_id)
    rows = db.session.execute(stmt).all()
    entries = []
    for req, title, lead_id, agency, asked_by, answered_by in rows[:limit]:
        answerable = (has_permission(user, "agency.own") and req.answered_at is None
                      and (lead_id == user.organisation_id or can_answer_explanation(user, req)))
        entries.append(ExplanationEntry(req.id, req.task_id, title, agency, req.message, req.requested_at, asked_by,
                                        req.answer, req.answered_at, answered_by, answerable))
    return entries, (rows[limit - 1][0].id if len(rows) > limit else None)


def open_explanations_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(ExplanationRequest).join(Task, Task.id == ExplanationRequest.task_id)
        .where(ExplanationRequest.answered_at.is_(None), task_visibility_clause(user))) or 0
