"""The ``auth`` blueprint; its views are in :mod:`app.auth.recovery`, :mod:`app.auth.routes` (imported by the application factory)."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
