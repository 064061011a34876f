"""The office's completion review (xác nhận hoàn thành) and the on-time verdict.

Agencies never set "Hoàn thành" themselves: they propose completion (đề nghị hoàn thành) with
evidence, and office staff confirm it (the task is then completed on the report's date) or return
it with a reason. On-time vs late is judged against ``Task.original_due_date``; an approved
extension is shown beside it, never instead of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from app.core import audit
from app.core.clock import now_utc, today_local
from app.core.enums import ReviewState, TaskKind, TaskStatus
from app.core.errors import Conflict, ValidationFailed
from app.core.permissions import require
from app.core.templating import vn_date
from app.extensions import db
from app.models import ContentItem, ProgressReport, Task, User
from app.progress.limits import MAX_REASON_CHARS
from app.progress.locks import lock_task
from app.progress.notifications import notify_agency
from app.progress.reports import STATUS_FIELDS
from app.tasks import rollup
from app.tasks.services import get_task_record_for
from app.tasks.units import unit_of


@dataclass(frozen=True)
class Timeliness:
    """Đúng hạn / trễ hạn: judged against the original due date; an approved extension is shown beside it."""

    completed_on: date
    original_due: date | None
    extended_due: date | None

    @property
    def days_late(self) -> int:
        if self.original_due is None:
            return 0
        return max(0, (self.completed_on - self.original_due).days)

    @property
    def on_time(self) -> bool:
        return self.days_late == 0

    @property
    def within_extension(self) -> bool:
        return self.extended_due is not None and self.completed_on <= self.extended_due

    def describe(self) -> str:
        if self.original_due is None:
            text = _("Hoàn thành ngày %(d)s (nhiệm vụ không có hạn).", d=vn_date(self.completed_on))
        elif self.on_time:
            text = _("Hoàn thành ngày %(d)s, đúng hạn (hạn %(due)s).", d=vn_date(self.completed_on),
                     due=vn_date(self.original_due))
        else:
            text = _("Hoàn thành ngày %(d)s, trễ %(n)d ngày so với hạn ban đầu %(due)s.", d=vn_date(self.completed_on),
                     n=self.days_late, due=vn_date(self.original_due))
        if self.extended_due is not None:
            if self.within_extension:
                text += " " + _("Đã được gia hạn đến %(d)s: trong hạn gia hạn.", d=vn_date(self.extended_due))
            else:
                text += " " + _("Đã được gia hạn đến %(d)s: quá cả hạn gia hạn.", d=vn_date(self.extended_due))
        return text


def timeliness(task: Task, item: ContentItem | None = None) -> Timeliness | None:
    """On-time vs late for a completed task (or item); None while it is open or if it is continuous."""
    target = item or task
    if target.status is not TaskStatus.COMPLETED or target.completed_on is None or task.kind is TaskKind.CONTINUOUS:
        return None
    if item is not None and item.due_date is not None:
        return Timeliness(item.completed_on, item.due_date, None)
    original = unit_of(task, None).original_due
    extended = task.due_date if task.due_date and original and task.due_date != original else None
    return Timeliness(target.completed_on, original, extended)


def _pending_report(report: ProgressReport) -> None:
    if report.review_state is not ReviewState.PENDING:
        raise Conflict(_("Đề nghị hoàn thành này đã được xử lý (%(state)s). Vui lòng tải lại trang.",
                         state=report.review_state.label if report.review_state else _("không có đề nghị")))


def confirm_completion(actor: User, report: ProgressReport, *, completed_on: date | None = None,
                       note: str | None = None) -> Timeliness | None:
    """The office confirms a completion proposal: the task (or item) is completed on the report's date.

    ``completed_on`` lets the reviewer correct the date (not after today); returns the on-time verdict.
    """
    require(actor, "completion.review", _("Chỉ Văn phòng xác nhận hoàn thành nhiệm vụ."))
    task = report.task
    lock_task(task)
    db.session.refresh(report)
    _pending_report(report)
    completed_on = completed_on or report.reported_on or today_local()
    if completed_on > today_local():
        raise ValidationFailed(_("Ngày hoàn thành không được sau hôm nay."), field="completed_on")
    before = audit.snapshot(task, STATUS_FIELDS)
    if report.content_item is not None:
        rollup.apply_to_item(task, report.content_item, TaskStatus.COMPLETED, 100, completed_on)
    else:
        rollup.apply_to_whole_task(actor, task, TaskStatus.COMPLETED, 100, completed_on)
    task.updated_at = now_utc()
    report.review_state = ReviewState.CONFIRMED
    report.reviewed_by_id = actor.id
    report.reviewed_at = now_utc()
    report.review_note = (note or "").strip()[:MAX_REASON_CHARS] or None
    verdict = timeliness(task, report.content_item)
    old, new = audit.diff(before, audit.snapshot(task, STATUS_FIELDS))
    summary = _("Xác nhận hoàn thành") + (_(" nội dung %(n)d", n=report.content_item.ordinal) if report.content_item else "")
    if verdict is not None:
        summary += ": " + verdict.describe()
    audit.record(actor, "confirm", report, task_id=task.id, summary=summary, before=old or None,
                 after=new or {"review_state": ReviewState.CONFIRMED.value})
    notify_agency(task, report.organisation_id, "completion_confirmed", summary, also=report.author)
    return verdict


def return_completion(actor: User, report: ProgressReport, reason: str) -> ProgressReport:
    """The office returns a completion proposal with a reason: the task (or item) is back in progress."""
    require(actor, "completion.review", _("Chỉ Văn phòng xác nhận hoặc trả lại đề nghị hoàn thành."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Vui lòng nêu lý do trả lại."), field="reason")
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationFailed(_("Lý do quá dài (tối đa %(n)d ký tự).", n=MAX_REASON_CHARS), field="reason")
    task = report.task
    lock_task(task)
    db.session.refresh(report)
    _pending_report(report)
    before = audit.snapshot(task, STATUS_FIELDS)
    if report.content_item is not None:
        rollup.apply_to_item(task, report.content_item, TaskStatus.IN_PROGRESS, report.content_item.progress_percent, None)
    else:
        rollup.return_whole_task(actor, task)
    task.updated_at = now_utc()
    report.review_state = ReviewState.RETURNED
    report.reviewed_by_id = actor.id
    report.reviewed_at = now_utc()
    report.review_note = reason
    old, new = audit.diff(before, audit.snapshot(task, STATUS_FIELDS))
    summary = _("Trả lại đề nghị hoàn thành: %(reason)s", reason=reason)
    audit.record(actor, "return", report, task_id=task.id, summary=summary, before=old or None,
                 after=new or {"review_state": ReviewState.RETURNED.value})
    notify_agency(task, report.organisation_id, "completion_returned", summary, also=report.author)
    return report


def get_report_for(actor: User, report_id: int) -> ProgressReport:
    """A report whose task the actor may see (404 otherwise, not disclosing other agencies' work)."""
    return get_task_record_for(actor, ProgressReport, report_id, _("Không tìm thấy báo cáo."))


def pending_reviews(limit: int = 200) -> list[ProgressReport]:
    """Completion proposals waiting for the office, oldest first."""
    return list(db.session.scalars(
        sa.select(ProgressReport).where(ProgressReport.review_state == ReviewState.PENDING)
        # The list shows each report's task (with its directive), agency, author, item and files.
        .options(joinedload(ProgressReport.task).joinedload(Task.directive), joinedload(ProgressReport.organisation),
                 joinedload(ProgressReport.author), joinedload(ProgressReport.content_item),
                 selectinload(ProgressReport.attachments))
        .order_by(ProgressReport.created_at, ProgressReport.id).limit(limit)))


def pending_review_for(task: Task) -> list[ProgressReport]:
    return list(db.session.scalars(
        sa.select(ProgressReport).where(ProgressReport.task_id == task.id,
                                        ProgressReport.review_state == ReviewState.PENDING)
        .order_by(ProgressReport.created_at, ProgressReport.id)))
