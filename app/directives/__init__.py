"""Directives and their tasks: meetings, conclusion notices, task breakdown, import and references."""

from flask import Blueprint

bp = Blueprint("directives", __name__, url_prefix="/directives")

from app.directives import routes  # noqa: E402,F401
