"""Agencies report progress (báo cáo tiến độ): reports with evidence and indicator figures, the office's
completion review (xác nhận hoàn thành), extension requests (đề nghị gia hạn) and the agency inbox.

Rules, in one place (the web pages, the API and the CLI all call these functions):

- The lead agency's report (chủ trì) *is* the task's status: it sets ``Task.status`` and
  ``progress_percent``, or a content item's when the report names one, and the task then rolls up
  from its items. A coordinating agency's report (phối hợp) is a contribution: it is kept and shown
  but changes no status. Office staff may enter the lead's report on the agency's behalf.
- Agencies never set "Hoàn thành" themselves: they propose completion (đề nghị hoàn thành) with
  evidence, and office staff confirm it (the task is then completed on the report's date) or return
  it with a reason. On-time vs late is judged against ``Task.original_due_date``; an approved
  extension is shown beside it, never instead of it.
- No lost updates: a lead report carries the task version it was written against; the task row is
  locked (``SELECT … FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) and a stale version
  is refused with :class:`~app.core.errors.Conflict` naming who changed what meanwhile.
- Indicator figures store counts only (numerator, and the base for rate indicators); percentages
  are computed by :mod:`app.progress.indicators` and never typed. A percentage printed in the
  agency's own document may be kept beside them, to show a discrepancy.
- Every write adds one audit event with ``task_id`` so the task page's history is complete.
  Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, lazyload, selectinload

from app.core import audit
from app.core.clock import now_utc, today_local
from app.core.enums import (
    AGENCY_ROLES,
    OVERSIGHT_ROLES,
    ExtensionState,
    ReviewState,
    Role,
    TaskKind,
    TaskStatus,
)
from app.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.core.numbers import NumberFormatError, decimal_vn, parse_decimal, parse_percent
from app.core.permissions import (
    agency_role_in_task,
    can_report_on_task,
    can_request_extension,
    can_view_task,
    has_permission,
    in_agency_tasks,
    require,
)
from app.core.search import folded_match, query_words
from app.core.templating import vn_date
from app.core.uploads import EVIDENCE_KINDS, discard_upload, store_upload
from app.directives.refs import parse_references
from app.extensions import db
from app.models import (
    Attachment,
    ContentItem,
    Directive,
    DocumentReference,
    ExtensionRequest,
    Indicator,
    IndicatorValue,
    Notification,
    Organisation,
    ProgressReport,
    Task,
    User,
)
from app.progress import indicators as arithmetic
from app.tasks import rollup
from app.tasks.services import check_version, get_task_record_for

#: Roles that may enter a lead report on an agency's behalf (and so may report "Hoàn thành").
#: What a coordinating agency may say about its own part (completion is the lead's to propose).
CONTRIBUTION_STATUSES = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.NOT_COMPLETED)
#: What a lead agency may report; "Hoàn thành" comes only from the office's confirmation.
AGENCY_STATUSES = (
    TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.COMPLETION_PROPOSED, TaskStatus.NOT_COMPLETED,
)
MAX_FILES_PER_REPORT = 10
MAX_RESULT_CHARS = 20000
MAX_REASON_CHARS = 2000
#: Fields a lead report changes on the task (or item), shown in the history's before/after.
STATUS_FIELDS = ("status", "progress_percent", "completed_on")


def _is_office(actor) -> bool:
    """Office staff (those who confirm completions) report for any agency and after completion."""
    return has_permission(actor, "completion.review")


# ============================================================================================
# Who reports as what
# ============================================================================================


@dataclass(frozen=True)
class ReportingRole:
    """How the actor's report counts on a task: its organisation, lead or contribution, the items it covers."""

    organisation_id: int
    is_lead: bool
    #: Items this actor may name (all of them for the lead agency and the office).
    item_ids: frozenset[int]
    #: An item-lead agency (a commune in an "all communes" task) must name its item.
    must_name_item: bool = False


def reporting_role(actor: User, task: Task) -> ReportingRole:
    """Refuses (404/403) an actor who may not report on ``task``; else says how the report counts."""
    if not can_view_task(actor, task):
        raise NotFound(_("Không tìm thấy nhiệm vụ."))
    if not can_report_on_task(actor, task):
        raise PermissionDenied(_("Bạn không có quyền báo cáo tiến độ nhiệm vụ này."))
    all_items = frozenset(item.id for item in task.items)
    if _is_office(actor):
        return ReportingRole(task.lead_org_id, True, all_items)
    role = agency_role_in_task(actor, task)
    if role == "lead":
        return ReportingRole(actor.organisation_id, True, all_items)
    if role == "item_lead":
        own = frozenset(item.id for item in task.items if item.lead_org_id == actor.organisation_id)
        return ReportingRole(actor.organisation_id, True, own, must_name_item=True)
    return ReportingRole(actor.organisation_id, False, frozenset())


def statuses_for(actor: User, task: Task) -> tuple[TaskStatus, ...]:
    """The statuses the actor's report form offers."""
    if _is_office(actor):
        return tuple(TaskStatus)
    if agency_role_in_task(actor, task) == "coordinator":
        return CONTRIBUTION_STATUSES
    return AGENCY_STATUSES


# ============================================================================================
# Progress reports
# ============================================================================================


@dataclass(frozen=True)
class FigureInput:
    """One indicator figure as entered: counts only (Vietnamese format accepted), never a percentage."""

    indicator_id: int
    actual: Decimal
    base: Decimal | None = None
    printed_percent: Decimal | None = None


def _lock_task(task: Task) -> Task:
    """Re-read the task row under a write lock so the version check and the update are atomic.

    PostgreSQL waits here for a concurrent writer to commit (then sees its version); SQLite has
    no FOR UPDATE, but its POST transactions start with BEGIN IMMEDIATE and so never overlap.
    """
    # Fetching the row (not just executing) is what refreshes the loaded task with populate_existing.
    db.session.execute(
        sa.select(Task).where(Task.id == task.id).with_for_update(of=Task).execution_options(populate_existing=True)
    ).scalar_one()
    return task


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


def _parse_number(value, field_name: str, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, float):
        # A JSON number from the API: its shortest repr is what the client meant (43140.5).
        number = Decimal(repr(value))
    else:
        try:
            number = parse_decimal(str(value))
        except (NumberFormatError, InvalidOperation, ValueError) as error:
            message = getattr(error, "message", None) or _("%(label)s không phải là số.", label=label)
            raise ValidationFailed(str(message), field=field_name) from None
    if number < 0:
        raise ValidationFailed(_("%(label)s không được âm.", label=label), field=field_name)
    return number


def _parse_printed(value) -> Decimal | None:
    """A percentage as the agency's document prints it ("70,87%"), or a JSON number from the API."""
    if value in (None, ""):
        return None
    try:
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return Decimal(value)
        if isinstance(value, float):
            return Decimal(repr(value))
        return parse_percent(str(value))
    except (NumberFormatError, InvalidOperation, ValueError):
        raise ValidationFailed(_("Tỷ lệ ghi trong văn bản không hợp lệ."), field="figures") from None


def parse_figures(rows: Iterable[Mapping]) -> list[FigureInput]:
    """Figures from form or API rows (indicator_id, actual, base, printed_percent); blank rows are skipped."""
    figures = []
    for row in rows:
        actual_text = row.get("actual")
        if actual_text in (None, "") and row.get("base") in (None, "") and row.get("printed_percent") in (None, ""):
            continue
        try:
            indicator_id = int(row.get("indicator_id"))
        except (TypeError, ValueError):
            raise ValidationFailed(_("Chỉ tiêu không hợp lệ."), field="figures") from None
        actual = _parse_number(actual_text, "figures", _("Số thực hiện"))
        if actual is None:
            raise ValidationFailed(_("Vui lòng nhập số thực hiện của chỉ tiêu."), field="figures")
        figures.append(FigureInput(indicator_id, actual, _parse_number(row.get("base"), "figures", _("Số gốc")),
                                   _parse_printed(row.get("printed_percent"))))
    return figures


def _evidence_present(files: Sequence, figures: Sequence[FigureInput], text: str) -> bool:
    """Completion needs evidence (domain.md §3.6): a file, a figure, or an issued document cited by number."""
    return bool(files) or bool(figures) or bool(parse_references(text))


def _real_files(files: Iterable | None) -> list:
    return [f for f in (files or []) if f is not None and getattr(f, "filename", "")]


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
    _lock_task(task)
    if role.is_lead:
        check_version(task, expected_version)
    status = _parse_status(data.get("status"))
    if status not in statuses_for(actor, task):
        if status is TaskStatus.COMPLETED:
            raise ValidationFailed(_("Chỉ Văn phòng xác nhận hoàn thành. Hãy chọn “Đề nghị hoàn thành” và gửi kèm minh chứng."),
                                   field="status")
        raise ValidationFailed(_("Cơ quan phối hợp báo cáo phần việc của mình; đề nghị hoàn thành do cơ quan chủ trì gửi."),
                               field="status")
    if task.status is TaskStatus.COMPLETED and not _is_office(actor):
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
    indicators_by_id = _check_figure_targets(task, role.organisation_id, figures)
    uploads = _real_files(files)
    if len(uploads) > MAX_FILES_PER_REPORT:
        raise ValidationFailed(_("Mỗi báo cáo đính kèm tối đa %(n)d tệp.", n=MAX_FILES_PER_REPORT), field="evidence")
    if status in (TaskStatus.COMPLETION_PROPOSED, TaskStatus.COMPLETED) and not _evidence_present(uploads, figures, result_text):
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
    stored = _store_evidence(actor, report, uploads)
    try:
        values = _record_figures(actor, report, figures, indicators_by_id)
        _link_references(report)
        before, after, superseded = ({}, {}, [])
        if role.is_lead:
            superseded = _supersede_pending(actor, task, item)
            before, after = _apply_lead_report(actor, task, item, report)
        audit.record(actor, "report" if role.is_lead else "contribute", report, task_id=task.id,
                     summary=_report_summary(report, item, len(stored), len(values), superseded),
                     before=before or None, after=after or {"status": status.value, "progress_percent": percent})
        _notify_on_report(actor, task, report)
    except BaseException:
        for values_ in stored:
            discard_upload(values_)
        raise
    return report


def _store_evidence(actor: User, report: ProgressReport, uploads: list) -> list[dict]:
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


# ============================================================================================
# Indicator figures
# ============================================================================================


def reportable_indicators(task: Task, organisation_id: int) -> list[Indicator]:
    """Indicators a report on ``task`` may give figures for: the task's own indicators (the
    district's or the reporting agency's)."""
    return list(db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.task_id == task.id,
               sa.or_(Indicator.organisation_id.is_(None), Indicator.organisation_id == organisation_id))
        .order_by(Indicator.display_order, Indicator.code, Indicator.id)
    ))


def _check_figure_targets(task: Task, organisation_id: int, figures: Sequence[FigureInput]) -> dict[int, Indicator]:
    allowed = {indicator.id: indicator for indicator in reportable_indicators(task, organisation_id)}
    seen = set()
    for figure in figures:
        indicator = allowed.get(figure.indicator_id)
        if indicator is None:
            raise ValidationFailed(_("Chỉ tiêu này không thuộc nhiệm vụ hoặc cơ quan báo cáo."), field="figures")
        if figure.indicator_id in seen:
            raise ValidationFailed(_("Mỗi chỉ tiêu chỉ nhập một số liệu trong một báo cáo."), field="figures")
        seen.add(figure.indicator_id)
        if indicator.target_rate is not None:
            if figure.base is None or figure.base == 0:
                raise ValidationFailed(
                    _("Chỉ tiêu “%(name)s” tính theo tỷ lệ: vui lòng nhập số gốc (lớn hơn 0).", name=indicator.phrase),
                    field="figures")
            if figure.actual > figure.base:
                raise ValidationFailed(
                    _("Chỉ tiêu “%(name)s”: số thực hiện không được lớn hơn số gốc.", name=indicator.phrase),
                    field="figures")
        elif figure.base is not None:
            raise ValidationFailed(
                _("Chỉ tiêu “%(name)s” tính theo số lượng nên không có số gốc.", name=indicator.phrase), field="figures")
    return allowed


def _record_figures(actor: User, report: ProgressReport, figures: Sequence[FigureInput],
                    indicators_by_id: Mapping[int, Indicator]) -> list[IndicatorValue]:
    """One IndicatorValue per figure as of the report date (a second report the same day replaces it)."""
    values = []
    for figure in figures:
        value = db.session.scalar(sa.select(IndicatorValue).where(
            IndicatorValue.indicator_id == figure.indicator_id, IndicatorValue.as_of == report.reported_on))
        if value is None:
            value = IndicatorValue(indicator_id=figure.indicator_id, as_of=report.reported_on)
            db.session.add(value)
        value.actual = figure.actual
        value.base = figure.base
        value.printed_percent = figure.printed_percent
        value.progress_report_id = report.id
        value.entered_by_id = actor.id
        value.created_at = now_utc()
        value.indicator = indicators_by_id[figure.indicator_id]
        values.append(value)
    return values


def figure_of(indicator: Indicator, value: IndicatorValue | None) -> arithmetic.IndicatorFigure | None:
    """The arithmetic view of a stored value (None when nothing was reported yet)."""
    if value is None:
        return None
    if indicator.target_rate is not None:
        return arithmetic.IndicatorFigure(actual=value.actual, base=value.base, target_rate=indicator.target_rate,
                                          unit=indicator.unit, phrase=indicator.phrase,
                                          base_label=indicator.base_label or "", year_end=indicator.is_year_end)
    return arithmetic.IndicatorFigure(actual=value.actual, target=indicator.target, unit=indicator.unit,
                                      phrase=indicator.phrase, year_end=indicator.is_year_end)


@dataclass(frozen=True)
class IndicatorRow:
    """An indicator's latest figure as shown: "112/158 đảng viên, đạt 70,89% chỉ tiêu" and any warning."""

    indicator: Indicator
    value: IndicatorValue | None
    line: str | None
    percent: Decimal | None
    discrepancy: str | None
    organisation: Organisation | None = None

    @property
    def percent_text(self) -> str | None:
        return None if self.percent is None else arithmetic.DEFAULT_STYLE.format_value(self.percent)


def _printed_check(figure: arithmetic.IndicatorFigure, printed: Decimal | None) -> str | None:
    """Warning when the agency's printed percentage disagrees with its own numbers (domain.md §4.5)."""
    if printed is None:
        return None
    if figure.is_rate:
        # C = (actual/base) / target rate, compared at the printed precision.
        numerator, denominator = figure.actual * 100 / figure.base, figure.target_rate
    else:
        if not figure.target:
            return None
        numerator, denominator = figure.actual, figure.target
    # Stored as Numeric(10, 4): the trailing zeros are not the author's, so the precision checked is
    # that of the significant decimals ("70,8700" was printed "70,87").
    check = arithmetic.check_printed(decimal_vn(printed, None) + "%", numerator, denominator)
    return check.message


def indicator_row(indicator: Indicator, value: IndicatorValue | None) -> IndicatorRow:
    figure = figure_of(indicator, value)
    if figure is None:
        return IndicatorRow(indicator, None, None, None, None, indicator.organisation)
    return IndicatorRow(indicator, value, arithmetic.indicator_line(figure).removeprefix("- "),
                        arithmetic.achievement(figure), _printed_check(figure, value.printed_percent),
                        indicator.organisation)


def _latest_values(indicator_ids: Sequence[int], as_of: date | None = None) -> dict[int, IndicatorValue]:
    if not indicator_ids:
        return {}
    stmt = sa.select(IndicatorValue).where(IndicatorValue.indicator_id.in_(indicator_ids))
    if as_of is not None:
        stmt = stmt.where(IndicatorValue.as_of <= as_of)
    latest: dict[int, IndicatorValue] = {}
    for value in db.session.scalars(stmt.order_by(IndicatorValue.as_of)):
        latest[value.indicator_id] = value
    return latest


def task_indicator_rows(task: Task) -> list[IndicatorRow]:
    """The task's indicators with their latest figures (for the task page)."""
    indicators = list(db.session.scalars(
        sa.select(Indicator).where(Indicator.task_id == task.id).order_by(Indicator.display_order, Indicator.id)))
    latest = _latest_values([i.id for i in indicators])
    return [indicator_row(i, latest.get(i.id)) for i in indicators]


def report_indicator_rows(report: ProgressReport) -> list[IndicatorRow]:
    values = db.session.scalars(sa.select(IndicatorValue).where(IndicatorValue.progress_report_id == report.id)).all()
    return [indicator_row(v.indicator, v) for v in values]


@dataclass(frozen=True)
class IndicatorGroup:
    """One indicator code in one year across the agencies that carry it, with the district total."""

    code: str
    phrase: str
    rows: list[IndicatorRow]
    total: IndicatorRow | None
    total_note: str | None = None


def indicator_overview(user: User, year: int, as_of: date | None = None) -> list[IndicatorGroup]:
    """Indicators of ``year`` the user may see, grouped by code, each group with a district total.

    The total sums numerators and denominators (``indicators.aggregate``), never averages the
    agencies' percentages: 1/2 and 99/100 make 100/102 = 98,04%, not 74,5%.
    """
    stmt = sa.select(Indicator).where(Indicator.year == year)
    if user.role not in OVERSIGHT_ROLES:
        stmt = stmt.where(Indicator.organisation_id == user.organisation_id)
    indicators = list(db.session.scalars(stmt.order_by(Indicator.code, Indicator.display_order, Indicator.id)))
    latest = _latest_values([i.id for i in indicators], as_of)
    groups: dict[str, list[Indicator]] = {}
    for indicator in indicators:
        groups.setdefault(indicator.code, []).append(indicator)
    return [_group(code, members, latest) for code, members in groups.items()]


def _group(code: str, members: list[Indicator], latest: Mapping[int, IndicatorValue]) -> IndicatorGroup:
    rows = [indicator_row(i, latest.get(i.id)) for i in members]
    if len(members) < 2:
        return IndicatorGroup(code, members[0].phrase, rows, None)
    figures = [figure_of(i, latest.get(i.id)) for i in members]
    if any(f is None for f in figures):
        return IndicatorGroup(code, members[0].phrase, rows, None,
                              _("Chưa đủ số liệu của các cơ quan nên chưa cộng tổng."))
    try:
        total = arithmetic.aggregate(figures)
    except ValueError as error:
        return IndicatorGroup(code, members[0].phrase, rows, None, str(error))
    exact = arithmetic.achievement(total)
    line = arithmetic.indicator_line(total).removeprefix("- ")
    return IndicatorGroup(code, members[0].phrase, rows, IndicatorRow(members[0], None, line, exact, None))


# ============================================================================================
# Completion review
# ============================================================================================


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
    original = task.original_due_date or task.due_date
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
    _lock_task(task)
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
    _notify_agency(task, report.organisation_id, "completion_confirmed", summary, also=report.author)
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
    _lock_task(task)
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
    _notify_agency(task, report.organisation_id, "completion_returned", summary, also=report.author)
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


# ============================================================================================
# Extension requests
# ============================================================================================


def extension_horizon(today: date) -> date:
    """The latest due date an extension may ask for: the end of the year one Party term from now."""
    from app.directives.numbering import TERM_LENGTH

    return date(today.year + TERM_LENGTH, 12, 31)


def request_extension(actor: User, task: Task, requested_due_date: date | None, reason: str) -> ExtensionRequest:
    """The lead agency (or the office for it) asks for a new due date with a reason."""
    if not can_view_task(actor, task):
        raise NotFound(_("Không tìm thấy nhiệm vụ."))
    if not can_request_extension(actor, task):
        raise PermissionDenied(_("Chỉ cơ quan chủ trì được đề nghị gia hạn nhiệm vụ."))
    _lock_task(task)
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
    _notify_roles(task, (Role.COMMITTEE,), "extension_requested", summary)
    return request


def _requesting_org(actor: User, task: Task) -> int:
    return actor.organisation_id if actor.role in AGENCY_ROLES else task.lead_org_id


def decide_extension(actor: User, request: ExtensionRequest, approve: bool, note: str | None = None) -> ExtensionRequest:
    """The committee approves (the due date moves; the original is kept) or rejects (nothing moves)."""
    require(actor, "extension.decide", _("Chỉ Thường trực quyết định gia hạn."))
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationFailed(_("Vui lòng nêu lý do không đồng ý gia hạn."), field="note")
    if len(note) > MAX_REASON_CHARS:
        raise ValidationFailed(_("Ý kiến quá dài (tối đa %(n)d ký tự).", n=MAX_REASON_CHARS), field="note")
    task = request.task
    _lock_task(task)
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
    _notify_agency(task, request.organisation_id, "extension_decided", summary, also=request.requested_by)
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


# ============================================================================================
# Notifications (the bell icon)
# ============================================================================================


def _add_notifications(users: Iterable[User], task: Task, kind: str, message: str) -> None:
    now = now_utc()
    # Only people who may see the task (an agency never hears of a draft's task).
    for user in {u.id: u for u in users if u is not None and u.is_active and can_view_task(u, task)}.values():
        db.session.add(Notification(user_id=user.id, task_id=task.id, kind=kind[:32], message=message[:1000],
                                    created_at=now))


def _notify_agency(task: Task, organisation_id: int, kind: str, summary: str, *, also: User | None = None) -> None:
    users = list(db.session.scalars(sa.select(User).where(User.organisation_id == organisation_id,
                                                          User.role.in_(list(AGENCY_ROLES)))))
    _add_notifications([*users, also], task, kind, f"{task.title[:200]}: {summary}")


def _notify_roles(task: Task, roles: Iterable[Role], kind: str, summary: str) -> None:
    users = db.session.scalars(sa.select(User).where(User.role.in_(list(roles)))).all()
    _add_notifications(users, task, kind, f"{task.title[:200]}: {summary}")


def _notify_on_report(actor: User, task: Task, report: ProgressReport) -> None:
    if report.status is TaskStatus.COMPLETION_PROPOSED:
        _notify_roles(task, (Role.OFFICE, Role.OFFICE_CHIEF), "completion_proposed",
                      _("%(org)s đề nghị xác nhận hoàn thành", org=report.organisation.name))


# ============================================================================================
# Agency inbox
# ============================================================================================


@dataclass(frozen=True)
class InboxEntry:
    task: Task
    #: "lead", "item_lead" or "coordinator".
    role: str
    pending_review: bool = False
    pending_extension: bool = False


#: The inbox's groups in page order (quá hạn, trong tuần này, sau đó, thường xuyên, đã hoàn thành).
INBOX_GROUPS = ("overdue", "this_week", "later", "continuous", "completed")
#: Rows shown per group; the rest of a group is one keyset page away.
INBOX_PAGE_SIZE = 25
_NO_DUE = date(9999, 12, 31)  # sorts tasks without a due date last, as a keyset value


@dataclass
class InboxGroup:
    key: str
    entries: list[InboxEntry] = field(default_factory=list)
    #: Every task of the group under the filters, not only those shown.
    total: int = 0
    #: Keyset cursor of the next page when the group is opened on its own.
    next_cursor: str | None = None

    @property
    def has_more(self) -> bool:
        return self.total > len(self.entries)


@dataclass
class Inbox:
    """An agency's tasks grouped by when they are due (quá hạn, trong tuần này, sau đó, thường xuyên).

    Either every group's first page, or one group (``only``) paged by keyset."""

    organisation: Organisation
    today: date
    groups: dict[str, InboxGroup]
    only: str | None = None

    @property
    def week_end(self) -> date:
        return end_of_week(self.today)


@dataclass(frozen=True)
class InboxFilters:
    query: str | None = None
    #: "lead" (as lead or item lead) or "coordinator".
    role: str | None = None
    status: TaskStatus | None = None
    directive_id: int | None = None
    include_completed: bool = False


def end_of_week(day: date) -> date:
    """Sunday of ``day``'s week (weeks run Monday to Sunday)."""
    return day + timedelta(days=6 - day.weekday())


def inbox_cursor(task: Task) -> str:
    return f"{(task.due_date or _NO_DUE).isoformat()}.{task.id}"


def parse_inbox_cursor(value: str | None) -> tuple[date, int] | None:
    """``"2024-06-30.123"`` → (30/06/2024, 123); anything else → None (the first page)."""
    due, _sep, task_id = (value or "").partition(".")
    try:
        return date.fromisoformat(due), int(task_id)
    except ValueError:
        return None


def agency_inbox(organisation: Organisation, filters: InboxFilters, today: date | None = None, *,
                 group: str | None = None, after: str | None = None, page_size: int = INBOX_PAGE_SIZE) -> Inbox:
    """The agency's tasks as lead, item lead and coordinator, grouped by due date, in one query.

    Each group shows its first ``page_size`` tasks (earliest due first) and its total; ``group`` opens
    one group alone, paged by the keyset cursor ``after``.  Search ignores diacritics and case
    ("bao cao" finds "Báo cáo"): every word must start a word of the title, description, directive
    number or due phrase.  Completed tasks are listed only on request.
    """
    today = today or today_local()
    org_id = organisation.id
    ranked = _ranked_inbox(org_id, filters, today)
    pending_review = sa.exists().where(ProgressReport.task_id == Task.id,
                                       ProgressReport.review_state == ReviewState.PENDING)
    pending_extension = sa.exists().where(ExtensionRequest.task_id == Task.id,
                                          ExtensionRequest.state == ExtensionState.PENDING)
    stmt = (sa.select(Task, ranked.c.grp, ranked.c.role, ranked.c.n, pending_review, pending_extension)
            .join(ranked, ranked.c.task_id == Task.id)
            # The list shows the directive's number only: not its body, which can be the whole notice.
            .options(joinedload(Task.directive).load_only(Directive.number, Directive.doc_type,
                                                          Directive.issuer_suffix, Directive.title),
                     lazyload(Task.lead_org),
                     # Days late are the task's units' (app.tasks.units): its items, in one query.
                     selectinload(Task.items)))
    only = group if group in INBOX_GROUPS else None
    if only:
        stmt = stmt.where(ranked.c.grp == only)
        cursor = parse_inbox_cursor(after)
        if cursor:
            stmt = stmt.where(sa.or_(ranked.c.sort_due > cursor[0],
                                     sa.and_(ranked.c.sort_due == cursor[0], Task.id > cursor[1])))
        stmt = stmt.order_by(ranked.c.sort_due, Task.id).limit(page_size + 1)
    else:
        stmt = stmt.where(ranked.c.rn <= page_size).order_by(ranked.c.rn)
    groups = {key: InboxGroup(key) for key in ((only,) if only else INBOX_GROUPS)}
    for task, key, role, total, reviewing, extending in db.session.execute(stmt):
        bucket = groups[key]
        bucket.total = total
        if len(bucket.entries) < page_size:
            bucket.entries.append(InboxEntry(task, role, bool(reviewing), bool(extending)))
        else:
            bucket.next_cursor = inbox_cursor(bucket.entries[-1].task)
    return Inbox(organisation=organisation, today=today, groups=groups, only=only)


def _ranked_inbox(org_id: int, filters: InboxFilters, today: date):
    """The agency's tasks under the filters with their group, role, sort key, rank in the group and
    the group's size (window functions: one pass, whatever the number of groups)."""
    led_items = sa.select(ContentItem.task_id).where(ContentItem.lead_org_id == org_id)
    role = sa.case((Task.lead_org_id == org_id, "lead"), (Task.id.in_(led_items), "item_lead"),
                   else_="coordinator")
    group = sa.case(
        (Task.status == TaskStatus.COMPLETED, "completed"),
        (Task.kind == TaskKind.CONTINUOUS, "continuous"),
        (Task.due_date < today, "overdue"),
        (Task.due_date <= end_of_week(today), "this_week"),
        else_="later",
    )
    sort_due = sa.func.coalesce(Task.due_date, sa.literal(_NO_DUE, sa.Date))
    stmt = sa.select(Task.id.label("task_id"), group.label("grp"), role.label("role"), sort_due.label("sort_due"))
    stmt = stmt.where(in_agency_tasks(org_id))
    if filters.status is not None:
        stmt = stmt.where(Task.status == filters.status)
    elif not filters.include_completed:
        stmt = stmt.where(Task.status != TaskStatus.COMPLETED)
    if filters.directive_id:
        stmt = stmt.where(Task.directive_id == filters.directive_id)
    if filters.role == "lead":
        stmt = stmt.where(role != "coordinator")
    elif filters.role == "coordinator":
        stmt = stmt.where(role == "coordinator")
    words = query_words(filters.query or "")
    if words:
        symbol = (sa.func.coalesce(Directive.number, "") + "-" + Directive.doc_type + "/"
                  + sa.func.coalesce(Directive.issuer_suffix, ""))
        haystack = (Task.title + " " + sa.func.coalesce(Task.description, "") + " " + symbol + " "
                    + sa.func.coalesce(Task.due_phrase, ""))
        stmt = stmt.join(Directive, Directive.id == Task.directive_id).where(folded_match(haystack, words))
    # Group and rank over the filtered rows (the CASE expressions are computed once per task).
    rows = stmt.subquery("mine")
    return sa.select(
        rows,
        sa.func.row_number().over(partition_by=rows.c.grp, order_by=(rows.c.sort_due, rows.c.task_id)).label("rn"),
        sa.func.count().over(partition_by=rows.c.grp).label("n"),
    ).subquery("ranked")


def inbox_organisations(user: User) -> list[Organisation]:
    """Whose inbox the user may open: their own agency; oversight roles may open any agency's."""
    if user.role in OVERSIGHT_ROLES:
        return Organisation.query_active()
    return [user.organisation]


# ============================================================================================
# The task page's action panel
# ============================================================================================


@dataclass
class TaskPanel:
    """What templates/tasks/_actions.html shows for one task and the current user."""

    task: Task
    can_report: bool
    can_review: bool
    can_request_extension: bool
    can_decide_extension: bool
    pending_reviews: list[ProgressReport]
    pending_extension: ExtensionRequest | None
    extensions: list[ExtensionRequest]
    indicator_rows: list[IndicatorRow]
    timeliness: Timeliness | None


def task_panel(user: User, task: Task) -> TaskPanel:
    extensions = task_extensions(task)
    pending_ext = next((e for e in extensions if e.state is ExtensionState.PENDING), None)
    open_with_due = task.status is not TaskStatus.COMPLETED and task.kind is not TaskKind.CONTINUOUS and task.due_date
    return TaskPanel(
        task=task,
        can_report=can_report_on_task(user, task) and (task.status is not TaskStatus.COMPLETED or _is_office(user)),
        can_review=has_permission(user, "completion.review"),
        can_request_extension=bool(has_permission(user, "extension.request") and can_request_extension(user, task)
                                   and open_with_due and pending_ext is None),
        can_decide_extension=has_permission(user, "extension.decide"),
        pending_reviews=pending_review_for(task),
        pending_extension=pending_ext,
        extensions=extensions,
        indicator_rows=task_indicator_rows(task),
        timeliness=timeliness(task),
    )
