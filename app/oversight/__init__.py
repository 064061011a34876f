"""Oversight: the office chief's overdue review (rà soát quá hạn), agency scorecards, dashboard charts,
search, the calendar feed and explanation requests. Each concern's rules are in its own module here."""

from flask import Blueprint
from flask_login import current_user

from app.core.clock import today_local
from app.core.periods import Period
from app.oversight.agency_scorecards import default_cutoff, pct_text, scorecard_for
from app.oversight.dashboard import office_dashboard
from app.oversight.explanation_requests import open_explanations_count

bp = Blueprint("oversight", __name__, url_prefix="/oversight")


@bp.app_template_global("oversight_office_dashboard")
def oversight_office_dashboard():
    """Overdue counts by ageing bucket, completions awaiting confirmation, extension requests and open
    explanations, for the office and committee home pages (templates/oversight/_dashboard_office.html)."""
    return office_dashboard(current_user)


@bp.app_template_global("oversight_agency_scorecard")
def oversight_agency_scorecard():
    """The current user's agency scorecard for this quarter, as of today (templates/oversight/_dashboard_agency.html)."""
    today = today_local()
    period = Period.quarter_containing(today)
    card = scorecard_for(current_user.organisation, period, default_cutoff(period, today))
    return {"card": card, "open_explanations": open_explanations_count(current_user)}


@bp.app_template_filter("pct_text")
def pct_text_filter(value) -> str:
    return pct_text(value)


from app.oversight import routes  # noqa: E402,F401
