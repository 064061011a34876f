"""The ``api`` blueprint; its views are in :mod:`app.api.report_inputs`, :mod:`app.api.routes` (imported by the application factory)."""

from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Requests carry a bearer token, never the session cookie, so there is nothing for CSRF to protect
# (and a cookie alone never authenticates an API call).
csrf.exempt(bp)
