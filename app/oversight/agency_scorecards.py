"""Agency scorecards (bảng điểm cơ quan) as of a cut-off date C (chốt số liệu), and the quarterly trend.

A unit belongs to the period its *first* due date falls in (``Task.original_due_date``; extensions never
rewrite history, as the progress rules say), and is judged only on facts dated on or before C: completed on
or before its original due date (đúng hạn), completed later (trễ hạn), not completed and past its original
due date (chưa hoàn thành: without an extension, exactly the units the overdue review lists on C), not
completed and not yet due (đang thực hiện).  Tasks from directives issued after C are not counted, so a
scorecard for a past cut-off is reproducible.  A completion with no recorded date is taken as on its due
date.  Continuous tasks are counted apart and never enter the rates.  Percentages come from
:mod:`app.core.numbers` (exact, half-up, one rounding).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from app.core.clock import today_local
from app.core.enums import TaskKind, TaskStatus
from app.core.errors import NotFound, ValidationFailed
from app.core.numbers import pct_of_value, percent_value
from app.core.periods import Period, last_quarters
from app.core.permissions import has_permission, issued_task_clause
from app.extensions import db
from app.models import ContentItem, Directive, Indicator, IndicatorValue, Organisation, Task, User
from app.progress import indicators as arithmetic
from app.tasks.units import unit_original_due, unit_owner

CATEGORIES = ("on_time", "late", "not_completed", "in_progress")


def category_label(name: str) -> str:
    return {
        "on_time": _("Hoàn thành đúng hạn"),
        "late": _("Hoàn thành trễ hạn"),
        "not_completed": _("Chưa hoàn thành (quá hạn)"),
        "in_progress": _("Đang thực hiện (chưa đến hạn)"),
        "continuous": _("Thường xuyên"),
    }[name]


@dataclass
class IndicatorTally:
    met: int = 0
    above_75: int = 0
    above_50: int = 0
    low: int = 0
    year_end: int = 0
    no_data: int = 0

    @property
    def total(self) -> int:
        return self.met + self.above_75 + self.above_50 + self.low + self.year_end + self.no_data

    @property
    def measured(self) -> int:
        return self.met + self.above_75 + self.above_50 + self.low

    @property
    def met_rate(self) -> Decimal | None:
        return percent_value(self.met, self.measured) if self.measured else None


@dataclass
class Scorecard:
    """One agency's record for a period as of a cut-off (see the module docstring for the rules)."""

    organisation_id: int
    name: str
    code: str
    period: Period
    cutoff: date
    on_time: int = 0
    late: int = 0
    not_completed: int = 0
    in_progress: int = 0
    continuous: int = 0
    indicators: IndicatorTally = field(default_factory=IndicatorTally)

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.not_completed + self.in_progress

    @property
    def completed(self) -> int:
        return self.on_time + self.late

    def rate(self, name: str) -> Decimal | None:
        """Share of the period's units in a category, in %; None when there is nothing to measure:
        no unit at all, or (for the judged categories) none come due yet — "—", not an alarming 0 %."""
        judged = name != "in_progress" and not (self.completed + self.not_completed)
        return None if judged or not self.total else percent_value(getattr(self, name), self.total)

    @property
    def on_time_rate(self) -> Decimal | None:
        return self.rate("on_time")

    @property
    def completion_rate(self) -> Decimal | None:
        """None, like :meth:`rate`, while nothing is completed or come due: nothing to measure yet."""
        return percent_value(self.completed, self.total) if self.completed + self.not_completed else None

    def as_dict(self) -> dict:
        return {
            "organisation_id": self.organisation_id, "code": self.code, "name": self.name,
            "period": self.period.code, "cutoff": self.cutoff.isoformat(),
            **{name: getattr(self, name) for name in (*CATEGORIES, "continuous", "total")},
            "on_time_rate": _dec(self.on_time_rate), "completion_rate": _dec(self.completion_rate),
        }


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def default_cutoff(period: Period, today: date | None = None) -> date:
    today = today or today_local()
    return min(period.end, today)


def _scorecard_counts(periods: Sequence[Period], cutoff: date,
                      organisation_ids: Sequence[int] | None) -> dict[tuple[int, int], sa.Row]:
    """(agency, index of the period) → units of that period (by first due date) in the four categories
    as of ``cutoff``.  Several periods are counted in one pass over the tasks (the four-quarter trend)."""
    judged_due = unit_original_due()
    item_done = sa.and_(ContentItem.id.is_not(None), ContentItem.status == TaskStatus.COMPLETED)
    done_on = sa.case(
        (item_done, sa.func.coalesce(ContentItem.completed_on, judged_due)),
        (Task.status == TaskStatus.COMPLETED, sa.func.coalesce(Task.completed_on, judged_due)),
        else_=sa.null(),
    )
    done_by_cutoff = sa.and_(done_on.is_not(None), done_on <= cutoff)
    which = sa.case(*((sa.and_(judged_due >= p.start, judged_due <= p.end), i) for i, p in enumerate(periods)),
                    else_=-1)
    org = unit_owner()
    units = (
        sa.select(org.label("org_id"), which.label("period"), judged_due.label("due"), done_on.label("done_on"),
                  sa.case((done_by_cutoff, 1), else_=0).label("done"))
        .select_from(Task).outerjoin(ContentItem, ContentItem.task_id == Task.id)
        .join(Directive, Directive.id == Task.directive_id)
        .where(Task.kind != TaskKind.CONTINUOUS, issued_task_clause(), judged_due >= min(p.start for p in periods),
               judged_due <= max(p.end for p in periods),
               sa.or_(Directive.issued_on.is_(None), Directive.issued_on <= cutoff))
    )
    if organisation_ids is not None:
        ids = list(organisation_ids)
        # Only the named agencies' tasks (as lead or content-item lead), found by index, instead of
        # judging every task of the district (an agency's home page shows its own scorecard).
        theirs = sa.union(sa.select(Task.id).where(Task.lead_org_id.in_(ids)),
                          sa.select(ContentItem.task_id).where(ContentItem.lead_org_id.in_(ids)))
        units = units.where(Task.id.in_(theirs), org.in_(ids))
    u = units.subquery("u")
    stmt = (
        sa.select(
            u.c.org_id, u.c.period,
            sa.func.count().filter(u.c.done == 1, u.c.done_on <= u.c.due).label("on_time"),
            sa.func.count().filter(u.c.done == 1, u.c.done_on > u.c.due).label("late"),
            sa.func.count().filter(u.c.done == 0, u.c.due < cutoff).label("not_completed"),
            sa.func.count().filter(u.c.done == 0, u.c.due >= cutoff).label("in_progress"),
        ).where(u.c.period >= 0).group_by(u.c.org_id, u.c.period)
    )
    return {(row.org_id, row.period): row for row in db.session.execute(stmt)}


def _continuous_counts(period: Period, cutoff: date, organisation_ids: Sequence[int] | None):
    """Continuous tasks (thường xuyên) running during the period, by lead agency."""
    stmt = (
        sa.select(Task.lead_org_id, sa.func.count())
        .join(Directive, Directive.id == Task.directive_id)
        .where(Task.kind == TaskKind.CONTINUOUS, issued_task_clause(),
               sa.or_(Directive.issued_on.is_(None), Directive.issued_on <= min(cutoff, period.end)),
               sa.not_(sa.and_(Task.status == TaskStatus.COMPLETED, Task.completed_on < period.start)))
        .group_by(Task.lead_org_id)
    )
    if organisation_ids is not None:
        stmt = stmt.where(Task.lead_org_id.in_(list(organisation_ids)))
    return dict(db.session.execute(stmt).all())


def indicator_tallies(year: int, cutoff: date, organisation_ids: Sequence[int] | None) -> dict[int, IndicatorTally]:
    """Each agency's indicators for ``year`` bucketed by achievement on their latest figure dated on
    or before the cut-off (domain.md §4.3 buckets; year-end indicators apart)."""
    stmt = sa.select(Indicator).where(Indicator.year == year, Indicator.organisation_id.is_not(None))
    if organisation_ids is not None:
        stmt = stmt.where(Indicator.organisation_id.in_(list(organisation_ids)))
    indicators = list(db.session.scalars(stmt))
    latest: dict[int, IndicatorValue] = {}
    if indicators:
        ranked = (
            sa.select(IndicatorValue, sa.func.row_number().over(
                partition_by=IndicatorValue.indicator_id,
                order_by=(IndicatorValue.as_of.desc(), IndicatorValue.id.desc())).label("rank"))
            .where(IndicatorValue.indicator_id.in_([i.id for i in indicators]), IndicatorValue.as_of <= cutoff)
            .subquery()
        )
        value_alias = aliased(IndicatorValue, ranked)
        for value in db.session.scalars(sa.select(value_alias).where(ranked.c.rank == 1)):
            latest[value.indicator_id] = value
    tallies: dict[int, IndicatorTally] = {}
    for indicator in indicators:
        tally = tallies.setdefault(indicator.organisation_id, IndicatorTally())
        if indicator.is_year_end:
            tally.year_end += 1
            continue
        value = latest.get(indicator.id)
        try:
            if value is None:
                raise ValueError("no figure")
            figure = arithmetic.IndicatorFigure(
                actual=value.actual, target=None if indicator.target_rate is not None else indicator.target,
                target_rate=indicator.target_rate, base=value.base if indicator.target_rate is not None else None)
            bucket = arithmetic.bucket_of(figure)
        except (ValueError, TypeError, arithmetic.TallyError):
            tally.no_data += 1
            continue
        name = bucket.value
        setattr(tally, name, getattr(tally, name) + 1)
    return tallies


def _agencies(organisation_ids: Sequence[int] | None) -> list[Organisation]:
    stmt = sa.select(Organisation).order_by(Organisation.display_order, Organisation.name)
    if organisation_ids is not None:
        stmt = stmt.where(Organisation.id.in_(list(organisation_ids)))
    return list(db.session.scalars(stmt))


def scorecards(period: Period, cutoff: date, *, organisation_ids: Sequence[int] | None = None,
               include_empty: bool = False, with_indicators: bool = True) -> list[Scorecard]:
    """Scorecards of every agency with work in the period (or the agencies named), report order."""
    if cutoff < period.start:
        raise ValidationFailed(_("Ngày chốt số liệu phải từ ngày đầu kỳ (%(d)s) trở đi.",
                                 d=period.start.strftime("%d/%m/%Y")), field="cutoff")
    counts = {org_id: row for (org_id, _i), row in _scorecard_counts([period], cutoff, organisation_ids).items()}
    continuous = _continuous_counts(period, cutoff, organisation_ids)
    tallies = indicator_tallies(period.year, cutoff, organisation_ids) if with_indicators else {}
    cards = []
    for org in _agencies(organisation_ids):
        row = counts.get(org.id)
        if row is None and org.id not in continuous and org.id not in tallies and not (
                include_empty or organisation_ids is not None):
            continue
        card = Scorecard(org.id, org.name, org.code, period, cutoff, continuous=continuous.get(org.id, 0),
                         indicators=tallies.get(org.id, IndicatorTally()))
        if row is not None:
            card.on_time, card.late, card.not_completed, card.in_progress = (
                row.on_time, row.late, row.not_completed, row.in_progress)
        cards.append(card)
    return cards


def scorecard_for(organisation: Organisation, period: Period, cutoff: date) -> Scorecard:
    return scorecards(period, cutoff, organisation_ids=[organisation.id])[0]


def scorecard_trend(organisation_ids: Sequence[int] | None, cutoff: date, n: int = 4) -> list[tuple[Period, dict[int, Scorecard]]]:
    """The last ``n`` quarters up to the cut-off's, each counted as of the same cut-off (reproducible).
    Continuous tasks and indicators are not part of the trend."""
    quarters = last_quarters(cutoff, n)
    counts = _scorecard_counts(quarters, cutoff, organisation_ids)
    names = {org.id: org for org in _agencies(organisation_ids)}
    out = []
    for index, quarter in enumerate(quarters):
        cards: dict[int, Scorecard] = {}
        for org_id, org in names.items():
            row = counts.get((org_id, index))
            if row is None and organisation_ids is None:
                continue
            card = cards[org_id] = Scorecard(org_id, org.name, org.code, quarter, cutoff)
            if row is not None:
                card.on_time, card.late, card.not_completed, card.in_progress = (
                    row.on_time, row.late, row.not_completed, row.in_progress)
        out.append((quarter, cards))
    return out


def scorecard_visible_orgs(user: User) -> list[int] | None:
    """None (every agency) for oversight roles; an agency sees its own scorecard only."""
    return None if has_permission(user, "agency.any") else [user.organisation_id]


def visible_agency_or_404(user: User, organisation_id: int) -> Organisation:
    """The agency whose scorecard the user asked for; NotFound when it is not there or not the user's to see."""
    allowed = scorecard_visible_orgs(user)
    if allowed is not None and organisation_id not in allowed:
        raise NotFound(_("Không tìm thấy cơ quan."))
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(_("Không tìm thấy cơ quan."))
    return organisation


def pct_text(value: Decimal | None) -> str:
    return "—" if value is None else pct_of_value(value)
