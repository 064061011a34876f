"""Accounts: login, logout, revocable sessions, profile, and user administration services."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import first_password, recovery, routes  # noqa: E402,F401
