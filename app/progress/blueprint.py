"""The ``progress`` blueprint; its views are in :mod:`app.progress.routes` (imported by the application factory)."""

from flask import Blueprint

bp = Blueprint("progress", __name__, url_prefix="/progress")


@bp.app_template_global("progress_panel")
def progress_panel(task):
    """The task page's progress actions for the current user (templates/tasks/_actions.html)."""
    from flask_login import current_user

    from app.progress.panel import task_panel

    return task_panel(current_user, task)


@bp.app_template_global("deadline_timeline")
def deadline_timeline(inbox):
    """The inbox's deadline timeline (templates/progress/_timeline.html), from the tasks it shows."""
    from app.progress.timeline import deadline_timeline as build

    return build([e.task for group in inbox.groups.values() for e in group.entries], inbox.today)


@bp.app_template_filter("vn_quantity")
def vn_quantity(value) -> str:
    """A stored figure as written in Vietnamese: 158, 43.140, 82,41 (exact, no trailing zeros)."""
    from app.core.numbers import quantity

    return "" if value is None else quantity(value, pad=False)
