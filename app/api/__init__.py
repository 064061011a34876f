"""JSON API v1 (``/api/v1``) for document-management systems (eOffice) and other integrations.

Bearer-token authentication (``flask users token EMAIL``, revocable on the profile page), the same
permission table and the same services as the web pages; described by the OpenAPI document served
at ``/api/v1/openapi.json`` (:mod:`app.api.openapi`), which is also what validates every request.
"""

from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Requests carry a bearer token, never the session cookie, so there is nothing for CSRF to protect
# (and a cookie alone never authenticates an API call).
csrf.exempt(bp)

from app.api import report_inputs, routes  # noqa: E402,F401
