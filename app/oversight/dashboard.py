"""Figures of the dashboards: Chart.js-ready chart data (completion, four-quarter trend, ageing) and the
office chief's glance at the home page (overdue counts, completions and extensions awaiting, open explanations)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.clock import today_local
from app.core.enums import ExtensionState, ReviewState
from app.core.periods import Period
from app.extensions import db
from app.models import ExplanationRequest, ExtensionRequest, Organisation, ProgressReport, User
from app.oversight.agency_scorecards import (
    CATEGORIES,
    Scorecard,
    category_label,
    scorecard_trend,
    scorecard_visible_orgs,
    scorecards,
)
from app.oversight.overdue_review import OverdueFilters, bucket_label, overdue_summary
from app.tasks.units import BUCKETS


def completion_chart(user: User, period: Period, cutoff: date) -> dict:
    """Completion by agency (stacked counts) for the period: Chart.js-ready labels and datasets."""
    cards = scorecards(period, cutoff, organisation_ids=scorecard_visible_orgs(user), with_indicators=False)
    cards = [c for c in cards if c.total]
    return {
        "title": _("Kết quả thực hiện theo cơ quan — %(p)s (đến %(d)s)", p=period.label, d=cutoff.strftime("%d/%m/%Y")),
        "type": "bar", "stacked": True, "horizontal": True,
        "labels": [c.name for c in cards],
        "datasets": [{"key": name, "label": category_label(name), "data": [getattr(c, name) for c in cards]}
                     for name in CATEGORIES],
    }


def trend_chart(user: User, cutoff: date, organisation_id: int | None = None) -> dict:
    """On-time and completion rates over the last four quarters (one agency, or the whole district)."""
    allowed = scorecard_visible_orgs(user)
    if allowed is not None:
        organisation_id = allowed[0]
    trend = scorecard_trend([organisation_id] if organisation_id else None, cutoff)
    on_time, completion = [], []
    for _quarter, cards in trend:
        total = Scorecard(0, "", "", _quarter, cutoff)
        for card in cards.values():
            for name in (*CATEGORIES, "continuous"):
                setattr(total, name, getattr(total, name) + getattr(card, name))
        on_time.append(_float(total.on_time_rate))
        completion.append(_float(total.completion_rate))
    name = db.session.get(Organisation, organisation_id).name if organisation_id else _("Toàn huyện")
    return {
        "title": _("Xu hướng 4 quý gần nhất — %(n)s", n=name), "type": "line", "percent": True,
        "labels": [q.label for q, _c in trend],
        "datasets": [{"key": "on_time_rate", "label": _("Tỷ lệ hoàn thành đúng hạn (%)"), "data": on_time},
                     {"key": "completion_rate", "label": _("Tỷ lệ hoàn thành (%)"), "data": completion}],
    }


def ageing_chart(as_of: date) -> dict:
    summary = overdue_summary(OverdueFilters(as_of=as_of))
    worst = sorted(summary.agencies, key=lambda a: (-a.total, a.name))[:10]
    return {
        "title": _("Nhiệm vụ, nội dung quá hạn theo cơ quan (đến %(d)s)", d=as_of.strftime("%d/%m/%Y")),
        "type": "bar", "stacked": True, "horizontal": True,
        "labels": [a.name for a in worst],
        "datasets": [{"key": code, "label": bucket_label(code), "data": [a.buckets[code] for a in worst]}
                     for code, _f, _l in BUCKETS],
    }


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@dataclass
class OfficeDashboard:
    """The office chief's glance: overdue counts, items awaiting confirmation, extension requests."""

    as_of: date
    overdue_total: int
    buckets: dict[str, int]
    awaiting_confirmation: int
    pending_extensions: int
    open_explanations: int


def office_dashboard(user: User, as_of: date | None = None) -> OfficeDashboard:
    as_of = as_of or today_local()
    summary = overdue_summary(OverdueFilters(as_of=as_of))
    counts = db.session.execute(sa.select(
        sa.select(sa.func.count()).select_from(ProgressReport)
        .where(ProgressReport.review_state == ReviewState.PENDING).scalar_subquery(),
        sa.select(sa.func.count()).select_from(ExtensionRequest)
        .where(ExtensionRequest.state == ExtensionState.PENDING).scalar_subquery(),
        sa.select(sa.func.count()).select_from(ExplanationRequest)
        .where(ExplanationRequest.answered_at.is_(None)).scalar_subquery(),
    )).one()
    return OfficeDashboard(as_of, summary.total, {code: summary.bucket_total(code) for code, _f, _l in BUCKETS},
                           counts[0] or 0, counts[1] or 0, counts[2] or 0)
