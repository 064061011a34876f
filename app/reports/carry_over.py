"""Carry-over (AS-09 branch B): unfinished tasks of the conclusion section I reports move into the next
session's draft conclusion with new due dates, keeping their id, history and original due date.

Services flush, never commit; every write is audited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.core import audit
from app.core.clock import now_utc
from app.core.enums import DirectiveStatus, TaskStatus
from app.core.errors import Conflict, ValidationFailed
from app.core.numbers import date_vn
from app.core.periods import Period
from app.core.permissions import require
from app.extensions import db
from app.models import Directive, Meeting, PeriodReport, Task, TaskCarryOver
from app.reports.conclusion import conclusion_result
from app.reports.document import ConclusionResult, ConclusionUnit
from app.reports.meetings import conclusions_of, meeting_label, session_meetings


@dataclass(frozen=True)
class CarryCandidate:
    """A task with content items unfinished at the cut-off; ``carried`` once it is in the next conclusion."""

    task: Task
    units: tuple[ConclusionUnit, ...]
    suggested_due: date
    carried: bool = False


def report_conclusion(report: PeriodReport) -> ConclusionResult | None:
    """Section I's figures alone (the previous session's conclusion at the report's cut-off)."""
    _current, previous = session_meetings(report.period, report.as_of)
    if previous is None:
        return None
    issued, _drafts = conclusions_of(previous)
    return conclusion_result(previous, issued, report.as_of) if issued else None


def carry_over_candidates(report: PeriodReport) -> list[CarryCandidate]:
    """Tasks with content items still unfinished at the cut-off, from the conclusion section I reports."""
    result = report_conclusion(report)
    if result is None:
        return []
    by_task: dict[int, list[ConclusionUnit]] = defaultdict(list)
    for unit in result.unfinished:
        if unit.completed_on is None:
            by_task[unit.task_id].append(unit)
    if not by_task:
        return []
    tasks = {t.id: t for t in db.session.scalars(
        sa.select(Task).where(Task.id.in_(list(by_task))).options(selectinload(Task.items)))}
    meeting = db.session.get(Meeting, report.meeting_id) if report.meeting_id else None
    next_ids = set(db.session.scalars(sa.select(Directive.id).where(Directive.meeting_id == meeting.id))) if meeting else set()
    base = meeting.held_on if meeting else report.as_of
    return [
        CarryCandidate(tasks[tid], tuple(units), Period.quarter_containing(base).next_quarter().end, carried=tasks[tid].directive_id in next_ids)
        for tid, units in by_task.items() if tid in tasks and tasks[tid].status is not TaskStatus.COMPLETED
    ]


def _draft_conclusion(actor, meeting: Meeting) -> Directive:
    """The meeting's draft conclusion notice, created on first use (one per meeting)."""
    existing = db.session.scalar(sa.select(Directive).where(
        Directive.meeting_id == meeting.id, Directive.doc_type == "TB", Directive.status == DirectiveStatus.DRAFT)
        .order_by(Directive.id).limit(1))
    if existing is not None:
        return existing
    participants = "; ".join(meeting.participant_list)
    title = f"Kết luận của {meeting.chair} tại buổi làm việc định kỳ {meeting_label(meeting)}"
    if participants:
        title += f" với {participants}"
    directive = Directive(doc_type="TB", number=None, issuer_suffix="HU", issued_on=None,
                          issuing_body=meeting.chair, title=title[:1000], meeting_id=meeting.id,
                          status=DirectiveStatus.DRAFT, created_by_id=actor.id)
    db.session.add(directive)
    db.session.flush()
    audit.record(actor, "create", directive, summary=_("Tạo dự thảo kết luận: %(t)s", t=title[:200]))
    return directive


def carry_over(actor, report: PeriodReport, choices: Mapping[int, date]) -> Directive:
    """Move the chosen unfinished tasks into the next session's draft conclusion with new due dates.

    Each task keeps its id, history and original due date; a TaskCarryOver row records where it came
    from and its previous due date; its unfinished content items take the new due date too.
    """
    require(actor, "report.carry_over", _("Chỉ Văn phòng được chuyển tiếp nhiệm vụ."))
    if not choices:
        raise ValidationFailed(_("Chưa chọn nhiệm vụ nào để chuyển tiếp."))
    meeting = db.session.get(Meeting, report.meeting_id) if report.meeting_id else None
    if meeting is None:
        raise ValidationFailed(_("Chưa có buổi làm việc định kỳ %(p)s trên hệ thống; hãy tạo buổi làm việc trước.",
                                 p=report.period.label))
    candidates = {c.task.id: c for c in carry_over_candidates(report)}
    if any(tid not in candidates for tid in choices):
        raise ValidationFailed(_("Có nhiệm vụ không thuộc danh sách chưa hoàn thành của kỳ báo cáo."))
    carried = [candidates[tid].task.title[:80] for tid in choices if candidates[tid].carried]
    if carried:
        raise Conflict(_("Nhiệm vụ đã được chuyển tiếp vào kết luận của buổi làm việc này: %(t)s", t="; ".join(carried)))
    for tid, due in choices.items():
        if due is None or due <= meeting.held_on:
            raise ValidationFailed(_("Hạn mới của “%(t)s” phải sau ngày họp %(d)s.",
                                     t=candidates[tid].task.title[:80], d=date_vn(meeting.held_on)), field=f"due_{tid}")
    target = _draft_conclusion(actor, meeting)
    ordinal = db.session.scalar(sa.select(sa.func.max(Task.ordinal)).where(Task.directive_id == target.id)) or 0
    for tid, due in choices.items():
        ordinal += 1
        _carry_task(actor, candidates[tid], target, due, ordinal)
    return target


def _carry_task(actor, candidate: CarryCandidate, target: Directive, due: date, ordinal: int) -> None:
    task = candidate.task
    before = {"directive_id": task.directive_id, "due_date": task.due_date.isoformat() if task.due_date else None,
              "due_phrase": task.due_phrase}
    db.session.add(TaskCarryOver(task_id=task.id, from_directive_id=task.directive_id, to_directive_id=target.id,
                                 previous_due_date=task.due_date, new_due_date=due, carried_at=now_utc(),
                                 carried_by_id=actor.id))
    quarter = Period.quarter_containing(due)
    phrase = f"trong {quarter.label}" if due == quarter.end else None
    if task.original_due_date is None:
        task.original_due_date = task.due_date
    task.directive_id, task.due_date, task.due_phrase, task.ordinal = target.id, due, phrase, ordinal
    if task.status is TaskStatus.NOT_COMPLETED:
        task.status = TaskStatus.IN_PROGRESS  # re-assigned: work goes on under the new conclusion
    open_ids = {u.item_id for u in candidate.units}
    for item in task.items:
        if item.id in open_ids:
            item.due_date, item.due_phrase = due, phrase
            if item.status is TaskStatus.NOT_COMPLETED:
                item.status = TaskStatus.IN_PROGRESS
    db.session.flush()
    audit.record(actor, "carry_over", task, task_id=task.id, before=before,
                 after={"directive_id": target.id, "due_date": due.isoformat(), "due_phrase": phrase},
                 summary=_("Chuyển tiếp sang %(d)s, hạn mới %(due)s", d=target.title[:200], due=date_vn(due)))
