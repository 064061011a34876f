"""The ``oversight`` blueprint; its views are in :mod:`app.oversight.routes` (imported by the application factory)."""

from flask import Blueprint

from app.oversight.agency_scorecards import pct_text

bp = Blueprint("oversight", __name__, url_prefix="/oversight")


@bp.app_template_filter("pct_text")
def pct_text_filter(value) -> str:
    return pct_text(value)
