"""The ``oversight`` blueprint; its views are in :mod:`app.oversight.routes` (imported by the application factory)."""

from flask import Blueprint

bp = Blueprint("oversight", __name__, url_prefix="/oversight")


@bp.app_template_filter("pct_text")
def pct_text_filter(value) -> str:
    from app.oversight.services import pct_text

    return pct_text(value)
