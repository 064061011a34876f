"""Trang chủ: which home page each role lands on, and everything it shows, gathered before rendering
(templates only lay it out)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from app.core.enums import Role
from app.core.periods import Period
from app.main import services
from app.models import User
from app.oversight.agency_scorecards import default_cutoff, scorecard_for
from app.oversight.dashboard import office_dashboard
from app.oversight.explanation_requests import open_explanations_count

#: Role → the home page it lands on (templates/main/home_<page>.html).
HOME_PAGES: dict[Role, str] = {
    Role.ADMIN: "admin",
    Role.COMMITTEE: "committee",
    Role.OFFICE: "office",
    Role.OFFICE_CHIEF: "office",
    Role.AGENCY_HEAD: "agency",
    Role.AGENCY_OFFICER: "agency",
}


def _admin_home(user: User, today: date) -> dict:
    return {"system": services.system_counts()}


def _committee_home(user: User, today: date) -> dict:
    return {"meeting": services.latest_meeting(), "directives": services.recent_directives(),
            "worst": services.overdue_by_agency(today), "extensions": services.pending_extension_requests()}


def _office_home(user: User, today: date) -> dict:
    return {"overdue": services.overdue_tasks(user, today), "reviews": services.pending_completion_reviews(),
            "extensions": services.pending_extension_requests(), "directives": services.recent_directives(),
            "dash": office_dashboard(user, today)}


def _agency_home(user: User, today: date) -> dict:
    """The agency's own tasks, and its scorecard for the quarter so far."""
    period = Period.quarter_containing(today)
    card = scorecard_for(user.organisation, period, default_cutoff(period, today))
    return {"overdue": services.overdue_tasks(user, today), "upcoming": services.upcoming_tasks(user, today),
            "own": {"card": card, "open_explanations": open_explanations_count(user)}}


_PAGE_CONTENT: dict[str, Callable[[User, date], dict]] = {
    "admin": _admin_home, "committee": _committee_home, "office": _office_home, "agency": _agency_home,
}


def home_for(user: User, today: date) -> tuple[str, dict]:
    """The template of ``user``'s home page and its context as of ``today``."""
    page = HOME_PAGES[user.role]
    context = {"today_date": today, "counts": services.status_counts(user, today)}
    context.update(_PAGE_CONTENT[page](user, today))
    return f"main/home_{page}.html", context
