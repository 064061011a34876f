"""The ``reminders`` blueprint; its views are in :mod:`app.reminders.routes` (imported by the application factory)."""

from flask import Blueprint

bp = Blueprint("reminders", __name__, url_prefix="/reminders")
