"""The ``tasks`` blueprint; its views are in :mod:`app.tasks.routes` (imported by the application factory)."""

from flask import Blueprint

bp = Blueprint("tasks", __name__, url_prefix="/tasks")
