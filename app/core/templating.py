"""Jinja filters and globals shared by every template (Vietnamese dates and numbers, badges)."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_login import current_user

from app.core.clock import LOCAL_TZ, today_local
from app.core.enums import TaskStatus
from app.core.permissions import has_permission

STATUS_BADGES = {
    TaskStatus.NOT_STARTED: "secondary",
    TaskStatus.IN_PROGRESS: "primary",
    TaskStatus.COMPLETION_PROPOSED: "info",
    TaskStatus.COMPLETED: "success",
    TaskStatus.NOT_COMPLETED: "warning",
}


def vn_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy for screens (both padded, unlike the documents' d/m style)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    return value.strftime("%d/%m/%Y")


def vn_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


def vn_number(value) -> str:
    """43.140 and 70,89: thousands dot, decimal comma."""
    if value is None:
        return ""
    text = f"{value:,}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def status_badge(status) -> str:
    return STATUS_BADGES.get(TaskStatus.coerce(status), "secondary")


def register(app: Flask) -> None:
    app.add_template_filter(vn_date, "vn_date")
    app.add_template_filter(vn_datetime, "vn_datetime")
    app.add_template_filter(vn_number, "vn_number")
    app.add_template_global(status_badge, "status_badge")
    app.add_template_global(has_permission, "has_permission")
    app.add_template_global(today_local, "today")

    from flask_babel import get_locale

    app.add_template_global(get_locale, "get_locale")

    @app.context_processor
    def inject_user_context():
        # No user outside a request (e-mails rendered by the scheduler).
        if not current_user or not current_user.is_authenticated:
            return {}
        from app.main.services import scheduler_is_stale, unread_notification_count

        return {
            "nav_endpoints": app.view_functions,
            "unread_count": unread_notification_count(current_user),
            "scheduler_stale": current_user.role.value == "admin" and scheduler_is_stale(),
        }
