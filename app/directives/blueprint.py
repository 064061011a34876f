"""The ``directives`` blueprint; its views are in :mod:`app.directives.routes` (imported by the application factory)."""

from flask import Blueprint

bp = Blueprint("directives", __name__, url_prefix="/directives")
