"""The ``progress`` blueprint; its views are in :mod:`app.progress.routes` (imported by the application factory)."""

from flask import Blueprint

bp = Blueprint("progress", __name__, url_prefix="/progress")


@bp.app_template_filter("vn_quantity")
def vn_quantity(value) -> str:
    """A stored figure as written in Vietnamese: 158, 43.140, 82,41 (exact, no trailing zeros)."""
    from app.core.numbers import quantity

    return "" if value is None else quantity(value, pad=False)
