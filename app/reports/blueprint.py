"""The ``reports`` blueprint; its views are in :mod:`app.reports.routes` (imported by the application factory)."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
