"""Periodic reports (báo cáo định kỳ): the quarterly working-session report built from the data,
edited by the office, frozen, exported to Word/Excel, and carried over into the next conclusion."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from app.reports import routes  # noqa: E402,F401
