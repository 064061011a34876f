"""The ``tasks`` blueprint; its views are in :mod:`app.tasks.routes` (imported by the application factory)."""

from flask import Blueprint

from app.tasks.units import item_due, item_owner, task_days_late, task_is_overdue

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

# The unit-of-work rules, for every page that shows a task's or an item's deadline and owner.
for rule in (task_is_overdue, task_days_late, item_due, item_owner):
    bp.add_app_template_global(rule, rule.__name__)
