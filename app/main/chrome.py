"""What the base layout shows a signed-in user on every page: unread notifications and, for whoever
may watch it, a stale-scheduler banner. Computed here, never inside a template."""

from __future__ import annotations

from flask import Flask, current_app
from flask_login import current_user

from app.core.permissions import has_permission
from app.main.services import scheduler_is_stale, unread_notification_count


def layout_context() -> dict:
    # No user outside a request (e-mails rendered by the scheduler).
    if not current_user or not current_user.is_authenticated:
        return {}
    return {
        "nav_endpoints": current_app.view_functions,
        "unread_count": unread_notification_count(current_user),
        "scheduler_stale": has_permission(current_user, "scheduler.status") and scheduler_is_stale(),
    }


def register_layout_context(app: Flask) -> None:
    app.context_processor(layout_context)
