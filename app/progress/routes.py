"""Progress pages: the agency inbox, the report form, completion review, extensions, evidence download."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.core.clock import today_local
from app.core.enums import TaskStatus
from app.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.core.permissions import can_request_extension, has_permission, requires
from app.core.templating import per_language, status_badge
from app.core.uploads import EVIDENCE_KINDS, accept_attribute, describe_kinds, human_size, open_upload
from app.extensions import db
from app.models import Organisation
from app.progress import (
    evidence,
    extension_requests,
    figures,
    indicator_rows,
    limits,
    reports,
    review,
    roles,
)
from app.progress import inbox as inboxes
from app.progress.blueprint import bp
from app.progress.forms import (
    ConfirmCompletionForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    InboxFilterForm,
    ProgressReportForm,
    ReturnCompletionForm,
)
from app.tasks import page_reuse
from app.tasks.services import form_version, get_task_for


def _commit_or_discard(report=None) -> None:
    """Commit the boundary's transaction; if that fails, remove the files the report stored."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        evidence.discard_report_files(report)
        raise


def _task_url(task_id: int) -> str:
    return url_for("tasks.detail", task_id=task_id)


# --------------------------------------------------------------------------------------------
# Inbox
# --------------------------------------------------------------------------------------------


def _inbox_organisation(form: InboxFilterForm) -> Organisation:
    allowed = inboxes.inbox_organisations(current_user)
    form.agency.choices = [SelectChoice(str(o.id), o.name) for o in allowed]
    wanted = request.args.get("agency", "")
    chosen = next((o for o in allowed if str(o.id) == wanted), None)
    if chosen is None:
        chosen = current_user.organisation if not has_permission(current_user, "agency.any") or not wanted else None
    if chosen is None:
        raise NotFound(_("Không tìm thấy cơ quan."))
    form.agency.data = str(chosen.id)
    return chosen


INBOX_FILTER_ARGS = ("q", "role", "status", "agency", "directive", "completed")


@bp.route("/inbox")
@requires("progress.inbox")
def inbox():
    form = InboxFilterForm(request.args)
    form.status.choices = [SelectChoice("", _("Chưa hoàn thành (mặc định)"))] + TaskStatus.choices()
    organisation = _inbox_organisation(form)
    status = request.args.get("status") or None
    directive = request.args.get("directive", "")
    filters = inboxes.InboxFilters(
        query=(request.args.get("q") or "").strip()[:200] or None,
        role=request.args.get("role") if request.args.get("role") in ("lead", "coordinator") else None,
        status=TaskStatus(status) if status in {s.value for s in TaskStatus} else None,
        directive_id=int(directive) if directive.isdigit() else None,
        include_completed=request.args.get("completed") in ("y", "1", "on"),
    )
    today = today_local()
    group = request.args.get("group")
    # The filters carried into "see all" and "next page" links (only these: url_for takes _scheme …).
    kept = {k: v for k in INBOX_FILTER_ARGS if (v := request.args.get(k, "").strip()[:200])}
    return render_template("progress/inbox.html", form=form, filters=filters, organisation=organisation,
                           today=today, week_end=inboxes.end_of_week(today), kept=kept,
                           only=group if group in inboxes.INBOX_GROUPS else None,
                           groups_html=_inbox_groups_html(organisation, filters, today, group, kept),
                           can_pick_agency=has_permission(current_user, "agency.any"))


def _inbox_groups_html(organisation: Organisation, filters: inboxes.InboxFilters, today, group: str | None,
                       kept: dict[str, str]):
    """The inbox's groups of tasks.  They depend on the agency, the filters, the page and the language,
    not on who looks, so a process renders them once while the data holds (app.tasks.page_reuse)."""
    after = request.args.get("after")

    def render() -> str:
        box = inboxes.agency_inbox(organisation, filters, today, group=group, after=after,
                                   page_size=inboxes.INBOX_PAGE_SIZE)
        template = current_app.jinja_env.get_template("progress/_inbox_groups.html")
        return template.render(inbox=box, filters=filters, kept=kept, **per_language("progress.inbox", _inbox_words))

    key = (organisation.id, filters, group, after, tuple(kept.items()))
    return page_reuse.cached_fragment("progress.inbox", key, today, render)


def _inbox_words() -> dict:
    """The list's words and link prefixes, made once per page rather than once per row."""
    return {
        "groups": {
            "overdue": (_("Quá hạn"), _("Không có nhiệm vụ quá hạn.")),
            "this_week": (_("Đến hạn trong tuần này"), _("Không có nhiệm vụ đến hạn trong tuần.")),
            "later": (_("Hạn sau tuần này"), _("Không có nhiệm vụ.")),
            "continuous": (_("Nhiệm vụ thường xuyên"), _("Không có nhiệm vụ thường xuyên.")),
            "completed": (_("Đã hoàn thành"), _("Chưa có nhiệm vụ hoàn thành.")),
        },
        "roles": {"lead": _("Chủ trì"), "item_lead": _("Thực hiện nội dung"), "coordinator": _("Phối hợp")},
        "statuses": {s: (status_badge(s), s.label) for s in TaskStatus},
        "t": {"continuous": _("Thường xuyên"), "late_fmt": _("quá hạn %(n)d ngày"),
              "original_fmt": _("hạn ban đầu %(d)s"), "report": _("Báo cáo"),
              "review_pending": _("Chờ xác nhận hoàn thành"), "extension_pending": _("Đang chờ quyết định gia hạn"),
              "due_fmt": _("hạn %(d)s")},
        # Column headings, repeated on every row as its label on a phone.
        "cols": {"task": _("Nhiệm vụ"), "document": _("Văn bản"), "role": _("Vai trò"), "due": _("Hạn"),
                 "status": _("Trạng thái"), "progress": _("Tiến độ")},
        "urls": {"task": url_for("tasks.detail", task_id=0)[:-1],
                 "report": url_for("progress.report", task_id=0)[:-len("0/report")]},
    }


# --------------------------------------------------------------------------------------------
# Report form
# --------------------------------------------------------------------------------------------


def _status_choice_label(status: TaskStatus) -> str:
    """The report form's wording: next to "Đang thực hiện", a bare "Chưa hoàn thành" reads as
    "not finished yet"; what an agency reports with it is that the task cannot be completed."""
    if status is TaskStatus.NOT_COMPLETED:
        return _("Không thể hoàn thành (nêu rõ lý do, khó khăn)")
    return status.label


def _report_form(task, role: roles.ReportingRole) -> ProgressReportForm:
    form = ProgressReportForm()
    form.status.choices = [SelectChoice(s.value, _status_choice_label(s)) for s in roles.statuses_for(current_user, task)]
    items = [i for i in task.items if i.id in role.item_ids]
    whole = [] if role.must_name_item else [SelectChoice(0, _("Cả nhiệm vụ"))]
    form.content_item_id.choices = whole + [SelectChoice(i.id, f"{i.ordinal}. {i.text[:120]}") for i in items]
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    form.evidence.description = _("Nhận %(kinds)s; mỗi tệp tối đa %(max)s, tối đa %(n)d tệp.",
                                  kinds=describe_kinds(EVIDENCE_KINDS), max=human_size(max_bytes),
                                  n=limits.MAX_FILES_PER_REPORT)
    return form


def _prefill(form: ProgressReportForm, task, indicators) -> None:
    form.version.data = str(task.version_id)
    allowed = roles.statuses_for(current_user, task)
    if task.status in allowed:
        form.status.data = task.status.value
    # The task page's "Đề nghị hoàn thành" button opens this form with the proposal chosen.
    asked = request.args.get("status")
    if asked and asked in {status.value for status in allowed}:
        form.status.data = asked
    form.progress_percent.data = task.progress_percent
    form.reported_on.data = today_local()
    for indicator in indicators:
        form.figures.append_entry({"indicator_id": str(indicator.id)})


def _report_data(form: ProgressReportForm) -> dict:
    return {
        "status": form.status.data,
        "progress_percent": form.progress_percent.data,
        "content_item_id": form.content_item_id.data,
        "reported_on": form.reported_on.data,
        "result_text": form.result_text.data,
        "figures": [entry.data for entry in form.figures],
    }


@bp.route("/tasks/<int:task_id>/report", methods=["GET", "POST"])
@requires("progress.report")
def report(task_id: int):
    task = get_task_for(current_user, task_id)
    role = roles.reporting_role(current_user, task)
    indicators = figures.reportable_indicators(task, role.organisation_id)
    form = _report_form(task, role)
    if request.method == "GET":
        _prefill(form, task, indicators)
    status_code = 200
    if form.validate_on_submit():
        try:
            created = reports.submit_progress_report(
                current_user, task, _report_data(form), request.files.getlist(form.evidence.name),
                expected_version=form_version(form.version.data),
            )
            warnings = [row.discrepancy for row in indicator_rows.report_indicator_rows(created) if row.discrepancy]
            _commit_or_discard(created)
        except (Conflict, ValidationFailed) as error:
            db.session.rollback()
            flash(error.message, "danger")
            status_code = error.status_code
            field = getattr(form, getattr(error, "field", None) or "", None)
            if field is not None and hasattr(field, "errors"):  # the message next to its field too
                field.errors = [*field.errors, error.message]
            if isinstance(error, Conflict):
                # Show the task as it is now; the user's text stays in the form to re-apply knowingly.
                db.session.expire_all()
                task = get_task_for(current_user, task_id)
                form.version.data = str(task.version_id)
        else:
            flash(_("Đã gửi báo cáo tiến độ."), "success")
            for warning in warnings:
                flash(warning, "warning")
            return redirect(_task_url(task.id))
    elif request.method == "POST":
        status_code = 422
    return render_template("progress/report.html", form=form, task=task, role=role,
                           indicators={i.id: i for i in indicators},
                           accept=accept_attribute(EVIDENCE_KINDS)), status_code


# --------------------------------------------------------------------------------------------
# Completion review
# --------------------------------------------------------------------------------------------


@bp.route("/reviews")
@requires("completion.review")
def reviews():
    return render_template("progress/reviews.html", reports=review.pending_reviews())


@bp.route("/reports/<int:report_id>/confirm", methods=["POST"])
@requires("completion.review")
def confirm(report_id: int):
    target = review.get_report_for(current_user, report_id)
    form = ConfirmCompletionForm()
    try:
        if not form.validate_on_submit():
            raise ValidationFailed(_("Ngày hoàn thành không hợp lệ."))
        verdict = review.confirm_completion(current_user, target, completed_on=form.completed_on.data,
                                            note=form.note.data)
        db.session.commit()
    except (Conflict, ValidationFailed) as error:
        return _refused(error, target.task_id)
    flash(_("Đã xác nhận hoàn thành.") + (" " + verdict.describe() if verdict else ""), "success")
    return redirect(_next_url(target.task_id))


@bp.route("/reports/<int:report_id>/return", methods=["POST"])
@requires("completion.review")
def return_report(report_id: int):
    target = review.get_report_for(current_user, report_id)
    form = ReturnCompletionForm()
    form.validate_on_submit()
    try:
        review.return_completion(current_user, target, form.reason.data or "")
        db.session.commit()
    except (Conflict, ValidationFailed) as error:
        return _refused(error, target.task_id)
    flash(_("Đã trả lại đề nghị hoàn thành."), "success")
    return redirect(_next_url(target.task_id))


def _refused(error, task_id: int):
    """A refused review or decision: nothing was saved; say why on the page the user came from."""
    db.session.rollback()
    flash(error.message, "danger")
    return redirect(_next_url(task_id), code=303)


def _next_url(task_id: int) -> str:
    """Back to the review list when the action came from it, else to the task page."""
    return url_for("progress.reviews") if request.form.get("next") == "reviews" else _task_url(task_id)


# --------------------------------------------------------------------------------------------
# Extensions
# --------------------------------------------------------------------------------------------


@bp.route("/tasks/<int:task_id>/extension", methods=["GET", "POST"])
@requires("extension.request")
def request_extension(task_id: int):
    task = get_task_for(current_user, task_id)
    form = ExtensionRequestForm()
    status_code = 200
    if form.validate_on_submit():
        try:
            extension_requests.request_extension(current_user, task, form.requested_due_date.data, form.reason.data)
            db.session.commit()
        except (Conflict, ValidationFailed) as error:
            db.session.rollback()
            flash(error.message, "danger")
            status_code = error.status_code
            task = get_task_for(current_user, task_id)
        else:
            flash(_("Đã gửi đề nghị gia hạn; Thường trực sẽ xem xét."), "success")
            return redirect(_task_url(task.id))
    elif request.method == "POST":
        status_code = 422
    elif not can_request_extension(current_user, task):
        raise PermissionDenied(_("Chỉ cơ quan chủ trì được đề nghị gia hạn nhiệm vụ."))
    return render_template("progress/extension_request.html", form=form, task=task,
                           extensions=extension_requests.task_extensions(task)), status_code


@bp.route("/extensions")
@requires("extension.decide")
def extensions():
    return render_template("progress/extensions.html", pending=extension_requests.pending_extensions(),
                           decided=extension_requests.recent_extension_decisions(), form=ExtensionDecisionForm())


@bp.route("/extensions/<int:request_id>/decide", methods=["POST"])
@requires("extension.decide")
def decide_extension(request_id: int):
    ext = extension_requests.get_extension_for(current_user, request_id)
    form = ExtensionDecisionForm()
    target = url_for("progress.extensions") if request.form.get("next") == "extensions" else _task_url(ext.task_id)
    try:
        if not form.validate_on_submit() or not (form.approve.data or form.reject.data):
            raise ValidationFailed(_("Vui lòng chọn đồng ý hoặc không đồng ý."))
        extension_requests.decide_extension(current_user, ext, approve=bool(form.approve.data), note=form.note.data)
        db.session.commit()
    except (Conflict, ValidationFailed) as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(target, code=303)
    flash(_("Đã đồng ý gia hạn.") if form.approve.data else _("Đã ghi ý kiến không đồng ý gia hạn."), "success")
    return redirect(target)


# --------------------------------------------------------------------------------------------
# Indicators and evidence
# --------------------------------------------------------------------------------------------


@bp.route("/indicators")
@requires("indicator.view")
def indicators():
    year_arg = request.args.get("year", "")
    year = int(year_arg) if year_arg.isdigit() and 2000 <= int(year_arg) <= 2100 else today_local().year
    groups = indicator_rows.indicator_overview(current_user, year)
    return render_template("progress/indicators.html", groups=groups, year=year,
                           sees_all=has_permission(current_user, "agency.any"))


@bp.route("/attachments/<int:attachment_id>", endpoint="attachment")
@requires("task.view")
def attachment(attachment_id: int):
    """Evidence of a progress report, served only to those who may see its task (404 otherwise, so
    another agency's files are not disclosed). A directive's files have their own checked view."""
    item = evidence.viewable_evidence(current_user, attachment_id)
    response = send_file(open_upload(item), mimetype=item.content_type, as_attachment=True,
                         download_name=item.filename, max_age=0, conditional=False, etag=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response
