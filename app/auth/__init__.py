"""Accounts: login, logout, revocable sessions, profile, and user administration services."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import first_password, recovery, routes  # noqa: E402,F401

bp.before_app_request(first_password.require_own_password)
bp.add_url_rule("/password/change", view_func=first_password.change_password, methods=["GET", "POST"])
