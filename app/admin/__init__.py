"""Administration: organisations and user accounts."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import imports, routes  # noqa: E402,F401
