"""Jinja filters and globals shared by every template (Vietnamese dates and numbers, badges)."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from datetime import date, datetime
from typing import TypeVar

from flask import Flask, current_app, request
from flask_login import current_user
from markupsafe import Markup

from app.core.clock import LOCAL_TZ, today_local
from app.core.dates import DAY_PATTERN
from app.core.enums import TaskStatus
from app.core.permissions import has_permission

T = TypeVar("T")

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


def per_language(name: str, make: Callable[[], T], *extra: Hashable) -> T:
    """``make()`` once per language, site root (and ``extra`` key parts) in this app, then reused.

    For what every request in one language shows alike: a list's translated labels, link prefixes,
    a role's menu.  Flask-Babel's gettext costs tens of microseconds a call; a list page makes dozens."""
    from flask_babel import get_locale

    cache = current_app.extensions.setdefault("per_language_cache", {})
    key = (name, str(get_locale()), request.script_root, *extra)
    value = cache.get(key)
    if value is None:
        value = cache[key] = make()
    return value


def nav_menu() -> Markup:
    """The main menu of the current user's role: the same for every user of a role (links the role
    may open), so rendered once per role and language rather than on every page."""

    def render() -> Markup:
        template = current_app.jinja_env.get_template("_nav_menu.html")
        # Jinja escapes what it outputs: the rendered fragment is safe markup.
        return Markup(template.render(current_user=current_user, nav_endpoints=current_app.view_functions))  # noqa: S704

    return mark_current_page(per_language("nav_menu", render, current_user.role), request.path)


_NAV_LINK = re.compile(r'class="(nav-link|dropdown-item)" href="([^"]+)"')


def mark_current_page(menu: Markup, path: str) -> Markup:
    """The role's cached menu with the open page's link marked (``aria-current="page"`` and the
    active style): the link whose address is the longest prefix of ``path`` ("/" only for itself)."""
    best = None
    for match in _NAV_LINK.finditer(menu):
        href = match.group(2)
        if (path == href or (href != "/" and path.startswith(href.rstrip("/") + "/")) or path == href.rstrip("/")) \
                and (best is None or len(href) > len(best.group(2))):
            best = match
    if best is None:
        return menu
    marked = f'class="{best.group(1)} active" aria-current="page" href="{best.group(2)}"'
    html = str(menu)
    return Markup(html[:best.start()] + marked + html[best.end():])  # noqa: S704 - the menu is already safe markup


def register(app: Flask) -> None:
    app.add_template_filter(vn_date, "vn_date")
    app.add_template_filter(vn_datetime, "vn_datetime")
    app.add_template_filter(vn_number, "vn_number")
    app.add_template_global(status_badge, "status_badge")
    app.add_template_global(has_permission, "has_permission")
    app.add_template_global(nav_menu, "nav_menu")
    app.add_template_global(today_local, "today")
    app.add_template_global(DAY_PATTERN, "day_pattern")

    from flask_babel import get_locale

    app.add_template_global(get_locale, "get_locale")
