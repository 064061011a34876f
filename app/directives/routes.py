"""Web pages: meetings, directives, the task-breakdown editor, notice import and reference search.

Views parse the request, call one service, and commit once; a refused operation (DomainError)
is rolled back and the form is shown again with its Vietnamese message, so nothing is saved.
"""

from __future__ import annotations

from datetime import date

from flask import flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields.choices import SelectChoice

from app.core.args import int_arg
from app.core.clock import today_local
from app.core.due_phrases import resolve_due_phrase
from app.core.enums import (
    DirectiveStatus,
    MeetingKind,
    OrganisationKind,
    Recurrence,
    TaskKind,
    TaskStatus,
)
from app.core.errors import DomainError, NotFound
from app.core.periods import PeriodPhraseError
from app.core.permissions import can_view_directive, has_permission, requires
from app.directives import breakdown as task_breakdown
from app.directives import citations, due_dates, import_flow, notices, numbering, recurrence
from app.directives import meetings as meeting_records
from app.directives.blueprint import bp
from app.directives.forms import (
    ActionForm,
    AttachmentForm,
    DirectiveForm,
    ImportForm,
    ImportReviewForm,
    MeetingForm,
    TaskRowsForm,
    parse_review,
    parse_task_rows,
)
from app.directives.refs import DOC_TYPES
from app.directives.status_ring import status_rings
from app.directory.lookups import listed_organisations
from app.extensions import db
from app.models import Directive, Organisation, Task
from app.tasks.services import form_version


def _refused(error: DomainError) -> None:
    db.session.rollback()
    flash(error.message, "danger")


def _discard(stored_names) -> None:
    from app.core.uploads import discard_upload

    for name in stored_names:
        discard_upload(name)


def _org_groups() -> list[tuple[str, list[Organisation]]]:
    """Active organisations grouped by kind, in report order: the picker's organisation tree."""
    groups: dict[OrganisationKind, list[Organisation]] = {}
    for org in listed_organisations():
        groups.setdefault(org.kind, []).append(org)
    return [(kind.label, groups[kind]) for kind in OrganisationKind if kind in groups]


def _editor_context() -> dict:
    return {"org_groups": _org_groups(), "kinds": list(TaskKind), "recurrences": list(Recurrence),
            "commune_count": len(task_breakdown.active_communes())}


# =============================================================================================
# Directives
# =============================================================================================


@bp.route("/")
@requires("directive.view")
def index():
    status = request.args.get("status") or None
    if status not in {s.value for s in DirectiveStatus}:
        status = None
    doc_type = request.args.get("type") or None
    filters = notices.DirectiveFilters(
        year=int_arg("year"), quarter=int_arg("quarter"),
        issuer_suffix=(request.args.get("issuer") or "").strip()[:32] or None,
        doc_type=doc_type if doc_type in DOC_TYPES else None, status=status, agency_id=int_arg("agency"),
        meeting_id=int_arg("meeting"), query=(request.args.get("q") or "").strip()[:200] or None)
    directives, next_after = notices.list_directives(current_user, filters, after_id=int_arg("after"))
    agencies = listed_organisations() if has_permission(current_user, "agency.any") else [current_user.organisation]
    return render_template("directives/index.html", directives=directives, next_after=next_after, filters=filters,
                           options=notices.filter_options(), agencies=agencies, statuses=list(DirectiveStatus),
                           targets=citations.reference_targets(current_user, filters.query or ""),
                           rings=status_rings(current_user, [d.id for d in directives], today_local()))


def _directive_form(form: DirectiveForm) -> DirectiveForm:
    form.meeting_id.choices = [SelectChoice(0, _("— Không gắn buổi làm việc —"))] + [
        SelectChoice(m.id, f"{m.period_label} · {m.held_on.strftime('%d/%m/%Y')} · {m.chair}")
        for m in meeting_records.meeting_choices()]
    return form


@bp.route("/new", methods=["GET", "POST"])
@requires("directive.edit")
def create():
    form = _directive_form(DirectiveForm())
    if request.method == "GET":
        form.meeting_id.data = int_arg("meeting") or 0
        meeting = meeting_records.find_meeting(form.meeting_id.data)
        proposal = numbering.propose_symbol("HU", "TB", meeting.held_on if meeting else None)
        form.number.data = proposal["number"]
    if form.validate_on_submit():
        try:
            directive = notices.create_directive(current_user, form.to_input(), files=form.attachments.data or [])
            stored = [a.stored_name for a in directive.attachments]
            try:
                db.session.commit()
            except Exception:
                _discard(stored)
                raise
        except DomainError as error:
            _refused(error)
            return render_template("directives/form.html", form=form, directive=None), error.status_code
        flash(_("Đã lưu văn bản %(s)s.", s=directive.symbol or directive.title[:60]), "success")
        return redirect(url_for("directives.detail", directive_id=directive.id))
    status = 422 if request.method == "POST" else 200
    return render_template("directives/form.html", form=form, directive=None), status


@bp.route("/<int:directive_id>")
@requires("directive.view")
def detail(directive_id: int):
    directive = notices.get_directive_for(current_user, directive_id)
    progress = notices.directive_progress(current_user, directive)
    references = citations.outgoing_references("directive", directive.id)
    return render_template(
        "directives/detail.html", directive=directive, progress=progress, references=references,
        citations=citations.citations_of(current_user, directive), today_date=today_local(),
        statuses=list(TaskStatus), action_form=ActionForm(), attachment_form=AttachmentForm(),
        body_html=citations.link_references(directive.body, _directive_url),
    )


def _directive_url(directive_id: int) -> str:
    return url_for("directives.detail", directive_id=directive_id)


@bp.route("/<int:directive_id>/edit", methods=["GET", "POST"])
@requires("directive.edit")
def edit(directive_id: int):
    directive = notices.get_directive_for(current_user, directive_id)
    form = _directive_form(DirectiveForm(obj=directive))
    if request.method == "GET":
        form.version.data = str(directive.version_id)
        form.meeting_id.data = directive.meeting_id or 0
        form.status.data = directive.status.value
    if form.validate_on_submit():
        try:
            notices.update_directive(current_user, directive, form.to_input(),
                                      expected_version=form_version(form.version.data))
            db.session.commit()
        except DomainError as error:
            _refused(error)
            return render_template("directives/form.html", form=form, directive=directive), error.status_code
        flash(_("Đã lưu văn bản."), "success")
        return redirect(url_for("directives.detail", directive_id=directive.id))
    status = 422 if request.method == "POST" else 200
    return render_template("directives/form.html", form=form, directive=directive), status


@bp.route("/<int:directive_id>/delete", methods=["POST"])
@requires("directive.edit")
def delete(directive_id: int):
    directive = notices.get_directive_for(current_user, directive_id)
    try:
        stored = notices.delete_directive(current_user, directive)
        db.session.commit()
    except DomainError as error:
        _refused(error)
        return redirect(url_for("directives.detail", directive_id=directive_id))
    _discard(stored)
    flash(_("Đã xóa văn bản."), "success")
    return redirect(url_for("directives.index"))


@bp.route("/<int:directive_id>/attachments", methods=["POST"])
@requires("directive.edit")
def upload_attachments(directive_id: int):
    directive = notices.get_directive_for(current_user, directive_id)
    form = AttachmentForm()
    if not form.validate_on_submit() or not [f for f in (form.attachments.data or []) if f and f.filename]:
        flash(_("Chưa chọn tệp."), "danger")
        return redirect(url_for("directives.detail", directive_id=directive_id))
    try:
        created = notices.add_attachments(current_user, directive, form.attachments.data)
        db.session.commit()
    except DomainError as error:
        _refused(error)
        return redirect(url_for("directives.detail", directive_id=directive_id)), 303
    flash(_("Đã tải lên %(n)d tệp.", n=len(created)), "success")
    return redirect(url_for("directives.detail", directive_id=directive_id))


@bp.route("/<int:directive_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@requires("directive.edit")
def delete_attachment(directive_id: int, attachment_id: int):
    attachment = notices.attachment_of_directive(directive_id, attachment_id)
    stored = notices.remove_attachment(current_user, attachment)
    db.session.commit()
    _discard([stored])
    flash(_("Đã xóa tệp đính kèm."), "success")
    return redirect(url_for("directives.detail", directive_id=directive_id))


@bp.route("/attachments/<int:attachment_id>")
@requires("directive.view")
def attachment(attachment_id: int):
    from app.core.uploads import open_upload

    found = notices.viewable_attachment(current_user, attachment_id)
    return send_file(open_upload(found), mimetype=found.content_type, as_attachment=True,
                     download_name=found.filename)


@bp.route("/next-number")
@requires("directive.edit")
def next_number():
    """The numbering helper for the directive form's script: next number per issuer, type and term."""
    issuer = (request.args.get("issuer") or "HU").strip()[:32]
    doc_type = request.args.get("type") or "TB"
    if doc_type not in DOC_TYPES or not issuer:
        return jsonify({"error": {"code": "invalid", "message": _("Loại văn bản hoặc ký hiệu không hợp lệ.")}}), 400
    try:
        on = date.fromisoformat(request.args["on"]) if request.args.get("on") else None
    except ValueError:
        return jsonify({"error": {"code": "invalid", "message": _("Ngày không hợp lệ.")}}), 400
    proposal = numbering.propose_symbol(issuer, doc_type, on)
    proposal["hint"] = _("Số tiếp theo đề xuất: %(s)s (nhiệm kỳ %(t)s)", s=proposal["symbol"], t=proposal["term"])
    return jsonify(proposal)


@bp.route("/references")
@requires("directive.view")
def references():
    query = (request.args.get("q") or "").strip()[:300]
    targets = citations.reference_targets(current_user, query) if query else []
    found = [(t, citations.citations_of(current_user, t)) for t in targets]
    parsed = citations.reference_report(query) if query else []
    return render_template("directives/references.html", query=query, found=found, parsed=parsed)


# =============================================================================================
# Task breakdown
# =============================================================================================


def _editable_directive(directive_id: int) -> Directive:
    directive = notices.get_directive_for(current_user, directive_id)
    if directive.status is DirectiveStatus.REFERENCE:
        raise NotFound(_("Văn bản được dẫn chiếu không có nhiệm vụ."))
    return directive


@bp.route("/<int:directive_id>/tasks")
@requires("task.edit")
def breakdown(directive_id: int):
    directive = _editable_directive(directive_id)
    return render_template("directives/breakdown.html", directive=directive,
                           tasks=notices.directive_tasks(current_user, directive), action_form=ActionForm(),
                           today_date=today_local())


def _task_input_from(task: Task) -> task_breakdown.TaskInput:
    return task_breakdown.TaskInput(
        title=task.title, lead_org_id=task.lead_org_id, coordinator_ids=[o.id for o in task.coordinators],
        due_phrase=task.due_phrase or "", due_date=task.due_date if not task.due_phrase else
        (task.due_date if task.due_date != _phrase_date(task) else None),
        kind=task.kind.value, recurrence=task.recurrence.value if task.recurrence else "",
        all_communes=task.is_all_communes, is_confidential=task.is_confidential, description=task.description,
        items=[task_breakdown.ItemInput(text=i.text, lead_org_id=i.lead_org_id, due_phrase=i.due_phrase or "",
                                  due_date=i.due_date, id=i.id) for i in task.items],
        ordinal=task.ordinal)


def _phrase_date(task: Task):
    try:
        return resolve_due_phrase(task.due_phrase, reference_date=due_dates.reference_date_for(task.directive)).due_date
    except PeriodPhraseError:
        return None


@bp.route("/<int:directive_id>/tasks/new", methods=["GET", "POST"])
@requires("task.edit")
def new_task(directive_id: int):
    directive = _editable_directive(directive_id)
    form = TaskRowsForm()
    data = task_breakdown.TaskInput(title="", items=[])
    errors: list[str] = []
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        data, errors = parse_task_rows(request.form, "task")
        if not errors:
            try:
                task = task_breakdown.add_task(current_user, directive, data)
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                errors, status = [error.message], error.status_code
            else:
                flash(_("Đã thêm nhiệm vụ %(n)d.", n=task.ordinal), "success")
                return redirect(url_for("directives.breakdown", directive_id=directive.id))
    return render_template("directives/task_form.html", directive=directive, task=None, data=data, errors=errors,
                           form=form, **_editor_context()), status


@bp.route("/<int:directive_id>/tasks/<int:task_id>/edit", methods=["GET", "POST"])
@requires("task.edit")
def edit_task(directive_id: int, task_id: int):
    directive = _editable_directive(directive_id)
    task = task_breakdown.task_of_directive(directive, task_id)
    form = TaskRowsForm()
    data = _task_input_from(task)
    errors: list[str] = []
    if request.method == "GET":
        form.version.data = str(task.version_id)
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        data, errors = parse_task_rows(request.form, "task")
        if not errors:
            try:
                task_breakdown.update_task_breakdown(current_user, task, data,
                                               expected_version=form_version(form.version.data))
                db.session.commit()
            except StaleDataError:
                db.session.rollback()
                errors, status = [_("Dữ liệu đã được người khác thay đổi. Vui lòng tải lại và nhập lại.")], 409
            except DomainError as error:
                db.session.rollback()
                errors, status = [error.message], error.status_code
            else:
                flash(_("Đã lưu nhiệm vụ %(n)d.", n=task.ordinal), "success")
                return redirect(url_for("directives.breakdown", directive_id=directive.id))
    return render_template("directives/task_form.html", directive=directive, task=task, data=data, errors=errors,
                           form=form, **_editor_context()), status


@bp.route("/<int:directive_id>/tasks/<int:task_id>/delete", methods=["POST"])
@requires("task.edit")
def delete_task(directive_id: int, task_id: int):
    directive = _editable_directive(directive_id)
    task = task_breakdown.task_of_directive(directive, task_id)
    try:
        task_breakdown.delete_task(current_user, task)
        db.session.commit()
        flash(_("Đã xóa nhiệm vụ."), "success")
    except DomainError as error:
        _refused(error)
    return redirect(url_for("directives.breakdown", directive_id=directive_id))


def _offset() -> int:
    return -1 if request.form.get("direction") == "up" else 1


@bp.route("/<int:directive_id>/tasks/<int:task_id>/move", methods=["POST"])
@requires("task.edit")
def move_task(directive_id: int, task_id: int):
    directive = _editable_directive(directive_id)
    task_breakdown.move_task(current_user, task_breakdown.task_of_directive(directive, task_id), _offset())
    db.session.commit()
    return redirect(url_for("directives.breakdown", directive_id=directive_id, _anchor=f"task-{task_id}"))


@bp.route("/<int:directive_id>/tasks/<int:task_id>/items/<int:item_id>/move", methods=["POST"])
@requires("task.edit")
def move_item(directive_id: int, task_id: int, item_id: int):
    task = task_breakdown.task_of_directive(_editable_directive(directive_id), task_id)
    task_breakdown.move_item(current_user, task_breakdown.item_of_task(task, item_id), _offset())
    db.session.commit()
    return redirect(url_for("directives.breakdown", directive_id=directive_id, _anchor=f"task-{task_id}"))


@bp.route("/<int:directive_id>/tasks/<int:task_id>/items/<int:item_id>/delete", methods=["POST"])
@requires("task.edit")
def delete_item(directive_id: int, task_id: int, item_id: int):
    task = task_breakdown.task_of_directive(_editable_directive(directive_id), task_id)
    try:
        task_breakdown.delete_item(current_user, task_breakdown.item_of_task(task, item_id))
        db.session.commit()
        flash(_("Đã xóa nội dung."), "success")
    except DomainError as error:
        _refused(error)
    return redirect(url_for("directives.breakdown", directive_id=directive_id, _anchor=f"task-{task_id}"))


@bp.route("/<int:directive_id>/tasks/<int:task_id>/occurrences", methods=["POST"])
@requires("task.edit")
def generate_occurrences(directive_id: int, task_id: int):
    task = task_breakdown.task_of_directive(_editable_directive(directive_id), task_id)
    created = recurrence.generate_occurrences(current_user, task, today=today_local())
    db.session.commit()
    flash(_("Đã tạo %(n)d kỳ mới.", n=len(created)), "success")
    return redirect(url_for("directives.breakdown", directive_id=directive_id, _anchor=f"task-{task_id}"))


# =============================================================================================
# Import of a conclusion notice
# =============================================================================================


def _review_page(plan, directive, errors, status=200):
    return render_template(
        "directives/import_review.html", plan=plan, directive=directive, errors=errors, form=ImportReviewForm(),
        meetings=meeting_records.meeting_choices() if directive is None else [], doc_types=DOC_TYPES,
        **_editor_context()), status


def _import_message(tasks: int, rows: int) -> str:
    """The count the notice's page will show: occurrences of recurring tasks are named, not hidden."""
    occurrences = rows - tasks
    if occurrences <= 0:
        return _("Đã lưu %(n)d nhiệm vụ từ văn bản.", n=tasks)
    return _("Đã lưu %(n)d nhiệm vụ từ văn bản và %(k)d kỳ tiếp theo của nhiệm vụ định kỳ (%(t)d dòng nhiệm vụ).",
             n=tasks, k=occurrences, t=rows)


def _import(directive: Directive | None):
    form = ImportForm()
    step = request.form.get("step") if request.method == "POST" else None
    if step == "confirm" and ImportReviewForm().validate_on_submit():
        plan, errors = parse_review(request.form, new_directive=directive is None)
        if errors:
            return _review_page(plan, directive, errors, 422)
        before = import_flow.task_count(directive)
        try:
            saved = import_flow.confirm_import(current_user, plan, directive)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
            task_errors = {int(k): v for k, v in (error.details or {}).get("tasks", {}).items()}
            if not task_errors:
                task_errors[-1] = [error.message]
            return _review_page(plan, directive, task_errors, error.status_code)
        flash(_import_message(len(plan.tasks), import_flow.task_count(saved) - before), "success")
        return redirect(url_for("directives.detail", directive_id=saved.id))
    if step == "propose" and form.validate_on_submit():
        try:
            text = form.text.data or ""
            upload = form.file.data
            if upload is not None and getattr(upload, "filename", ""):
                text = import_flow.read_notice_file(upload.read(import_flow.MAX_IMPORT_FILE_BYTES + 1), upload.filename)
            draft = import_flow.propose_import(text, reference_date=due_dates.reference_date_for(directive)
                                            if directive is not None else None)
        except DomainError as error:
            form.text.errors = [*form.text.errors, error.message]
            return render_template("directives/import.html", form=form, directive=directive), error.status_code
        plan = import_flow.plan_from_draft(draft, text, new_directive=directive is None)
        return _review_page(plan, directive, {})
    status = 422 if request.method == "POST" else 200
    return render_template("directives/import.html", form=form, directive=directive), status


@bp.route("/import", methods=["GET", "POST"])
@requires("directive.edit")
def import_new():
    return _import(None)


@bp.route("/<int:directive_id>/import", methods=["GET", "POST"])
@requires("directive.edit")
def import_into(directive_id: int):
    return _import(_editable_directive(directive_id))


# =============================================================================================
# Meetings
# =============================================================================================


@bp.route("/meetings/")
@requires("directive.view")
def meetings():
    kind = request.args.get("kind") or None
    filters = meeting_records.MeetingFilters(year=int_arg("year"),
                                      kind=kind if kind in {k.value for k in MeetingKind} else None)
    rows, next_after = meeting_records.list_meetings(filters, after_id=int_arg("after"))
    return render_template("directives/meetings.html", meetings=rows, next_after=next_after, filters=filters,
                           kinds=list(MeetingKind))


def _meeting_form(form: MeetingForm) -> MeetingForm:
    form.organiser_id.choices = [SelectChoice(0, "—")] + [SelectChoice(o.id, o.name) for o in listed_organisations()]
    return form


@bp.route("/meetings/new", methods=["GET", "POST"])
@requires("meeting.edit")
def new_meeting():
    form = _meeting_form(MeetingForm())
    if form.validate_on_submit():
        try:
            meeting = meeting_records.create_meeting(current_user, form.to_input())
            db.session.commit()
        except DomainError as error:
            _refused(error)
            return render_template("directives/meeting_form.html", form=form, meeting=None), error.status_code
        flash(_("Đã lưu buổi làm việc."), "success")
        return redirect(url_for("directives.meeting", meeting_id=meeting.id))
    status = 422 if request.method == "POST" else 200
    return render_template("directives/meeting_form.html", form=form, meeting=None), status


@bp.route("/meetings/<int:meeting_id>")
@requires("directive.view")
def meeting(meeting_id: int):
    found = meeting_records.get_meeting(meeting_id)
    directives = [d for d in found.directives if can_view_directive(current_user, d)]
    return render_template("directives/meeting.html", meeting=found, directives=directives, action_form=ActionForm())


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@requires("meeting.edit")
def edit_meeting(meeting_id: int):
    found = meeting_records.get_meeting(meeting_id)
    form = _meeting_form(MeetingForm(obj=found))
    if request.method == "GET":
        form.version.data = str(found.version_id)
        form.kind.data = found.kind.value
        form.organiser_id.data = found.organiser_id or 0
    if form.validate_on_submit():
        try:
            meeting_records.update_meeting(current_user, found, form.to_input(),
                                    expected_version=form_version(form.version.data))
            db.session.commit()
        except DomainError as error:
            _refused(error)
            return render_template("directives/meeting_form.html", form=form, meeting=found), error.status_code
        flash(_("Đã lưu buổi làm việc."), "success")
        return redirect(url_for("directives.meeting", meeting_id=found.id))
    status = 422 if request.method == "POST" else 200
    return render_template("directives/meeting_form.html", form=form, meeting=found), status


@bp.route("/meetings/<int:meeting_id>/delete", methods=["POST"])
@requires("meeting.edit")
def delete_meeting(meeting_id: int):
    found = meeting_records.get_meeting(meeting_id)
    try:
        meeting_records.delete_meeting(current_user, found)
        db.session.commit()
    except DomainError as error:
        _refused(error)
        return redirect(url_for("directives.meeting", meeting_id=meeting_id))
    flash(_("Đã xóa buổi làm việc."), "success")
    return redirect(url_for("directives.meetings"))


@bp.app_template_global("can_edit_directives")
def can_edit_directives() -> bool:
    return has_permission(current_user, "directive.edit")
