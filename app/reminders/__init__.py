"""Nhắc việc: reminder policy, working-day calendar, the idempotent tick, the scheduler process,
and the admin and office-chief pages."""

from flask import Blueprint

bp = Blueprint("reminders", __name__, url_prefix="/reminders")

from app.reminders import routes  # noqa: E402,F401
