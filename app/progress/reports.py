"""Agencies submit progress reports (báo cáo tiến độ); the lead's report is applied to the task.

- The lead agency's report (chủ trì) *is* the task's status: it sets ``Task.status`` and
  ``progress_percent``, or a content item's when the report names one, and the task then rolls up
  from its items (:mod:`app.tasks.rollup`). A coordinating agency's report (phối hợp) is a contribution:
  it is kept and shown but changes no status. Office staff may enter the lead's report on the agency's behalf.
- A lead report carries the task version its form showed; the task row is locked first
  (:mod:`app.progress.locks`) and a stale version is refused.
- Every write adds one audit event with ``task_id`` so the task page's history is complete.
  Services flush, never commit (the web pages, the API and the CLI all call these functions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core import audit
from app.core.clock import now_utc, today_local
from app.core.enums import ReviewState, TaskStatus
from app.core.errors import ValidationFailed
from app.core.templating import vn_date
from app.core.uploads import discard_upload
from app.directives.refs import parse_references
from app.extensions import db
from app.models import ContentItem, Directive, DocumentReference, ProgressReport, Task, User
from app.progress.evidence import evidence_present, real_files, store_evidence
from app.progress.figures import check_figure_targets, parse_figures, record_figures
from app.progress.limits import MAX_FILES_PER_REPORT, MAX_RESULT_CHARS
from app.progress.locks import lock_task
from app.progress.notifications import notify_on_report
from app.progress.roles import ReportingRole, is_office, reporting_role, statuses_for
from app.tasks import rollup
from app.tasks.services import check_version

#: Fields a lead report changes on the task (or item), shown in the history's before/after.
STATUS_FIELDS = ("status", "progress_percent", "completed_on")


def _text(data: Mapping, name: str) -> str:
    value = data.get(name)
    return "" if value is None else str(value).strip()


def _parse_status(value) -> TaskStatus:
    try:
        return TaskStatus.coerce(value)
    except ValueError:
        raise ValidationFailed(_("Trạng thái không hợp lệ."), field="status") from None


def _parse_percent_field(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationFailed(_("Tiến độ phải là số nguyên từ 0 đến 100."), field="progress_percent") from None
    if not 0 <= number <= 100:
        raise ValidationFailed(_("Tiến độ phải là số nguyên từ 0 đến 100."), field="progress_percent")
    return number


def _normalise_percent(status: TaskStatus, percent: int | None) -> int:
    """Percent consistent with the status: proposing or confirming completion means 100%."""
    if status in (TaskStatus.COMPLETION_PROPOSED, TaskStatus.COMPLETED):
        return 100
    if percent is None:
        raise ValidationFailed(_("Vui lòng nhập tiến độ (%)."), field="progress_percent")
    if status is TaskStatus.NOT_STARTED and percent != 0:
        raise ValidationFailed(_("Nhiệm vụ chưa triển khai thì tiến độ phải là 0%."), field="progress_percent")
    return percent


def _parse_report_date(value, task: Task) -> date:
    today = today_local()
    if value in (None, ""):
        return today
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value))
        except ValueError:
            raise ValidationFailed(_("Ngày báo cáo không hợp lệ."), field="reported_on") from None
    if value > today:
        raise ValidationFailed(_("Ngày báo cáo không được sau hôm nay."), field="reported_on")
    issued = task.directive.issued_on if task.directive else None
    if issued and value < issued:
        raise ValidationFailed(
            _("Ngày báo cáo không được trước ngày ban hành văn bản (%(d)s).", d=vn_date(issued)), field="reported_on"
        )
    return value


def _pick_item(task: Task, role: ReportingRole, value) -> ContentItem | None:
    item_id = int(value) if value not in (None, "", 0, "0") else None
    if item_id is None:
        if role.must_name_item:
            if len(role.item_ids) == 1:
                item_id = next(iter(role.item_ids))
            else:
                raise ValidationFailed(_("Vui lòng chọn nội dung mà cơ quan báo cáo."), field="content_item_id")
        else:
            return None
    if item_id not in role.item_ids:
        raise ValidationFailed(_("Nội dung được chọn không thuộc phần việc của cơ quan."), field="content_item_id")
    return next(item for item in task.items if item.id == item_id)


def _supersede_pending(actor: User, task: Task, item: ContentItem | None) -> list[ProgressReport]:
    """A new lead report replaces a completion proposal still waiting for review on the same target."""
    pending = list(db.session.scalars(
        sa.select(ProgressReport).where(
            ProgressReport.task_id == task.id,
            ProgressReport.review_state == ReviewState.PENDING,
            ProgressReport.content_item_id.is_(None) if item is None else ProgressReport.content_item_id == item.id,
        )
    ))
    for report in pending:
        report.review_state = ReviewState.RETURNED
        report.reviewed_at = now_utc()
        report.review_note = _("Được thay bằng báo cáo mới của cơ quan.")
    return pending


def submit_progress_report(actor: User, task: Task, data: Mapping, files: Iterable | None = None,
                           expected_version: int | None = None) -> ProgressReport:
    """Record a progress report (báo cáo tiến độ) and apply it.

    ``data`` keys: ``status`` (a TaskStatus or its value), ``progress_percent`` (0–100),
    ``result_text`` (kết quả thực hiện, required), ``reported_on`` (default today),
    ``content_item_id`` (optional) and ``figures`` (rows for :func:`parse_figures`).
    ``files`` are werkzeug FileStorage objects stored as evidence. A lead report must carry the
    task version its form showed (``expected_version``); a stale one raises Conflict.
    """
    role = reporting_role(actor, task)
    lock_task(task)
    if role.is_lead:
        check_version(task, expected_version)
    status = _parse_status(data.get("status"))
    if status not in statuses_for(actor, task):
        if status is TaskStatus.COMPLETED:
            raise ValidationFailed(_("Chỉ Văn phòng xác nhận hoàn thành. Hãy chọn “Đề nghị hoàn thành” và gửi kèm minh chứng."),
                                   field="status")
        raise ValidationFailed(_("Cơ quan phối hợp báo cáo phần việc của mình; đề nghị hoàn thành do cơ quan chủ trì gửi."),
                               field="status")
    if task.status is TaskStatus.COMPLETED and not is_office(actor):
        raise ValidationFailed(_("Nhiệm vụ đã được xác nhận hoàn thành; không nhận thêm báo cáo."), field="status")
    percent = _normalise_percent(status, _parse_percent_field(data.get("progress_percent")))
    result_text = _text(data, "result_text")
    if not result_text:
        raise ValidationFailed(_("Vui lòng nêu kết quả thực hiện."), field="result_text")
    if len(result_text) > MAX_RESULT_CHARS:
        raise ValidationFailed(_("Kết quả thực hiện quá dài (tối đa %(n)d ký tự).", n=MAX_RESULT_CHARS), field="result_text")
    reported_on = _parse_report_date(data.get("reported_on"), task)
    item = _pick_item(task, role, data.get("content_item_id")) if role.is_lead else None
    figures = parse_figures(data.get("figures") or [])
    indicators_by_id = check_figure_targets(task, role.organisation_id, figures)
    uploads = real_files(files)
    if len(uploads) > MAX_FILES_PER_REPORT:
        raise ValidationFailed(_("Mỗi báo cáo đính kèm tối đa %(n)d tệp.", n=MAX_FILES_PER_REPORT), field="evidence")
    if status in (TaskStatus.COMPLETION_PROPOSED, TaskStatus.COMPLETED) and not evidence_present(uploads, figures, result_text):
        raise ValidationFailed(
            _("Đề nghị hoàn thành cần có minh chứng: tệp đính kèm, số liệu chỉ tiêu hoặc số hiệu văn bản đã ban hành."),
            field="evidence",
        )

    report = ProgressReport(
        task_id=task.id, content_item_id=item.id if item else None, organisation_id=role.organisation_id,
        author_id=actor.id, is_lead_report=role.is_lead, status=status, progress_percent=percent,
        result_text=result_text, reported_on=reported_on, created_at=now_utc(),
    )
    db.session.add(report)
    db.session.flush()
    stored = store_evidence(actor, report, uploads)
    try:
        values = record_figures(actor, report, figures, indicators_by_id)
        _link_references(report)
        before, after, superseded = ({}, {}, [])
        if role.is_lead:
            superseded = _supersede_pending(actor, task, item)
            before, after = _apply_lead_report(actor, task, item, report)
        audit.record(actor, "report" if role.is_lead else "contribute", report, task_id=task.id,
                     summary=_report_summary(report, item, len(stored), len(values), superseded),
                     before=before or None, after=after or {"status": status.value, "progress_percent": percent})
        notify_on_report(actor, task, report)
    except BaseException:
        for values_ in stored:
            discard_upload(values_)
        raise
    return report


def _apply_lead_report(actor: User, task: Task, item: ContentItem | None, report: ProgressReport) -> tuple[dict, dict]:
    """The lead's report becomes the status of the item, or of the whole task (app.tasks.rollup's
    whole-task rule), and the task then rolls up from its items."""
    before = audit.snapshot(task, STATUS_FIELDS)
    on = report.reported_on if report.status is TaskStatus.COMPLETED else None
    if item is not None:
        rollup.apply_to_item(task, item, report.status, report.progress_percent, on)
    else:
        rollup.apply_to_whole_task(actor, task, report.status, report.progress_percent, on)
    if report.status is TaskStatus.COMPLETED:
        # The office reporting "Hoàn thành" directly is its own confirmation.
        report.review_state = ReviewState.CONFIRMED
        report.reviewed_by_id = actor.id
        report.reviewed_at = now_utc()
    if report.status is TaskStatus.COMPLETION_PROPOSED:
        report.review_state = ReviewState.PENDING
    # Touch the task even when the figures did not change, so every lead report bumps the version
    # (a form opened before it is then refused instead of silently passing).
    task.updated_at = now_utc()
    after = audit.snapshot(task, STATUS_FIELDS)
    old, new = audit.diff(before, after)
    return old, new


def _report_summary(report: ProgressReport, item: ContentItem | None, n_files: int, n_figures: int,
                    superseded: Sequence[ProgressReport]) -> str:
    if report.is_lead_report:
        text = _("Báo cáo tiến độ: %(status)s, %(pct)d%%", status=report.status.label, pct=report.progress_percent)
    else:
        text = _("Cơ quan phối hợp %(org)s báo cáo: %(status)s, %(pct)d%%",
                 org=report.organisation.name, status=report.status.label, pct=report.progress_percent)
    if item is not None:
        text += _(" (nội dung %(n)d)", n=item.ordinal)
    if n_files:
        text += _("; %(n)d tệp minh chứng", n=n_files)
    if n_figures:
        text += _("; %(n)d số liệu chỉ tiêu", n=n_figures)
    if superseded:
        text += _("; thay đề nghị hoàn thành đang chờ xác nhận")
    return text


def _link_references(report: ProgressReport) -> None:
    """Documents cited in the result ("Kế hoạch số 175-KH/HU …") are linked when the system knows them."""
    seen = set()
    for ref in parse_references(report.result_text):
        number = ref.number.lstrip("0") or "0"
        candidates = db.session.scalars(
            sa.select(Directive).where(Directive.doc_type == ref.code, Directive.issuer_suffix == ref.issuer)
        ).all()
        for directive in candidates:
            if (directive.number or "").lstrip("0") == number and directive.id not in seen:
                seen.add(directive.id)
                db.session.add(DocumentReference(source_kind="progress_report", source_id=report.id,
                                                 target_directive_id=directive.id, matched_text=ref.match[:500],
                                                 flags=" ".join(ref.flags)[:200]))
