"""The ``admin`` blueprint; its views are in :mod:`app.admin.imports`, :mod:`app.admin.routes` (imported by the application factory)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
