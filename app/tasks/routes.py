from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.core.args import int_arg
from app.core.clock import today_local
from app.core.enums import TaskStatus
from app.core.errors import Conflict, ValidationFailed
from app.core.permissions import can_report_on_task, requires
from app.directory.lookups import listed_organisations
from app.extensions import db
from app.progress.panel import task_panel
from app.tasks.blueprint import bp
from app.tasks.forms import TaskEditForm
from app.tasks.services import (
    TaskFilters,
    agencies_for_filter,
    form_version,
    get_task_for,
    latest_reports,
    list_tasks,
    task_history,
    update_task,
)


@bp.route("/")
@requires("task.list")
def index():
    status = request.args.get("status") or None
    if status not in {s.value for s in TaskStatus}:
        status = None
    filters = TaskFilters(
        status=status,
        agency_id=int_arg("agency"),
        directive_id=int_arg("directive"),
        query=(request.args.get("q") or "").strip()[:200] or None,
        overdue_as_of=today_local() if request.args.get("overdue") == "1" else None,
    )
    tasks, next_after = list_tasks(current_user, filters, after_id=int_arg("after"))
    return render_template(
        "tasks/index.html",
        tasks=tasks,
        next_after=next_after,
        filters=filters,
        agencies=agencies_for_filter(current_user),
        statuses=list(TaskStatus),
        today_date=today_local(),
    )


@bp.route("/<int:task_id>")
@requires("task.view")
def detail(task_id: int):
    task = get_task_for(current_user, task_id)
    return render_template(
        "tasks/detail.html",
        task=task,
        history=task_history(task),
        reports=latest_reports(task),
        today_date=today_local(),
        can_report=can_report_on_task(current_user, task),
        panel=task_panel(current_user, task),
    )


@bp.route("/<int:task_id>/edit", methods=["GET", "POST"])
@requires("task.edit")
def edit(task_id: int):
    task = get_task_for(current_user, task_id)
    form = TaskEditForm(obj=task)
    form.lead_org_id.choices = [SelectChoice(o.id, o.name) for o in listed_organisations()]
    if request.method == "GET":
        form.version.data = str(task.version_id)
        form.kind.data = task.kind.value
    if form.validate_on_submit():
        changes = {name: getattr(form, name).data for name in
                   ("title", "description", "lead_org_id", "due_phrase", "due_date", "kind", "is_confidential")}
        try:
            update_task(current_user, task, changes, expected_version=form_version(form.version.data))
            db.session.commit()
        except (Conflict, ValidationFailed) as error:
            db.session.rollback()
            flash(error.message, "danger")
            return render_template("tasks/edit.html", form=form, task=task), error.status_code
        flash(_("Đã lưu nhiệm vụ."), "success")
        return redirect(url_for("tasks.detail", task_id=task.id))
    return render_template("tasks/edit.html", form=form, task=task)
