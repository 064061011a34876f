"""The ``main`` blueprint; its views are in :mod:`app.main.routes` (imported by the application factory)."""

from flask import Blueprint

bp = Blueprint("main", __name__)
