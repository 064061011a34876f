"""The calendar feed (lịch ICS) of the due dates a user follows, behind a revocable token of which only the
hash is stored; confidential tasks show their title only."""

from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.core import audit
from app.core.clock import now_utc, today_local
from app.core.enums import TaskKind, TaskStatus
from app.core.permissions import has_permission, task_visibility_clause
from app.core.security import new_token, token_hash
from app.extensions import db
from app.models import ContentItem, Organisation, Task, User, task_coordinator
from app.tasks.units import task_may_be_open, unit_due, unit_open_on, unit_owner

CALENDAR_PAST_DAYS = 60
CALENDAR_FUTURE_DAYS = 400
CALENDAR_MAX_EVENTS = 2000


def issue_calendar_token(user: User) -> str:
    """A new feed token (shown once); the previous feed URL stops working. Only its hash is stored."""
    token = new_token()
    had = user.calendar_token_hash is not None
    user.calendar_token_hash = token_hash(token)
    audit.record(user, "calendar_token", user, summary=_("Cấp lại địa chỉ lịch") if had else _("Cấp địa chỉ lịch"))
    return token


def revoke_calendar_token(user: User) -> bool:
    if user.calendar_token_hash is None:
        return False
    user.calendar_token_hash = None
    audit.record(user, "calendar_revoke", user, summary=_("Thu hồi địa chỉ lịch"))
    return True


def user_for_calendar_token(token: str) -> User | None:
    if not token or len(token) > 200:
        return None
    user = db.session.scalar(sa.select(User).where(User.calendar_token_hash == token_hash(token)))
    return user if user is not None and user.is_active else None


def calendar_units(user: User, today: date) -> list[dict]:
    """Due dates of the open units the user follows (an agency: its own), from 60 days ago on."""
    due, org = unit_due(), unit_owner()
    stmt = (
        sa.select(Task.id, ContentItem.id, Task.title, ContentItem.text, ContentItem.ordinal, due, Task.is_confidential,
                  Organisation.name, sa.func.coalesce(ContentItem.status, Task.status))
        .select_from(Task).outerjoin(ContentItem, ContentItem.task_id == Task.id)
        .join(Organisation, Organisation.id == org)
        .where(task_may_be_open(), Task.kind != TaskKind.CONTINUOUS, unit_open_on(today),
               due >= today - timedelta(days=CALENDAR_PAST_DAYS), due <= today + timedelta(days=CALENDAR_FUTURE_DAYS))
        .order_by(due, Task.id).limit(CALENDAR_MAX_EVENTS)
    )
    if not has_permission(user, "agency.any"):
        org_id = user.organisation_id
        coordinates = sa.exists().where(task_coordinator.c.task_id == Task.id, task_coordinator.c.organisation_id == org_id)
        # The one visibility rule (drafts hidden), then only the agency's own units of those tasks.
        stmt = stmt.where(task_visibility_clause(user),
                          sa.or_(Task.lead_org_id == org_id, ContentItem.lead_org_id == org_id, coordinates))
    return [
        {"task_id": t, "item_id": i, "title": title, "item": text, "ordinal": ordinal, "due": d,
         "confidential": confidential, "agency": agency, "status": TaskStatus.coerce(status)}
        for t, i, title, text, ordinal, d, confidential, agency, status in db.session.execute(stmt)
    ]


def calendar_ics(user: User, today: date | None = None) -> bytes:
    """The user's due dates as an iCalendar feed (all-day events; content of confidential tasks omitted)."""
    import icalendar

    today = today or today_local()
    base = current_app.config["BASE_URL"].rstrip("/")
    host = re.sub(r"^https?://", "", base).split("/")[0] or "localhost"
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Theo doi thuc hien ket luan//oversight//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("Hạn nhiệm vụ — %(n)s", n=user.organisation.name if has_permission(user, "agency.own") else user.name))
    cal.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    stamp = now_utc()
    for unit in calendar_units(user, today):
        event = icalendar.Event()
        uid_item = f"-{unit['item_id']}" if unit["item_id"] else ""
        event.add("uid", f"task-{unit['task_id']}{uid_item}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", unit["due"])
        event.add("dtend", unit["due"] + timedelta(days=1))
        title = unit["title"]
        if unit["item_id"] and not unit["confidential"] and unit["item"]:
            title = f"{title} — {unit['ordinal']}. {unit['item']}"
        late = (today - unit["due"]).days
        prefix = _("[Quá hạn] ") if late > 0 else _("[Hạn] ")
        event.add("summary", (prefix + title)[:250])
        event.add("description", "\n".join([_("Cơ quan: %(a)s", a=unit["agency"]),
                                            _("Trạng thái: %(s)s", s=unit["status"].label),
                                            f"{base}/tasks/{unit['task_id']}"]))
        event.add("url", f"{base}/tasks/{unit['task_id']}")
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
