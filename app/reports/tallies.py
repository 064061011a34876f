"""An agency's indicator tally for the report (AS-03): figures as of a cut-off, buckets, the sentence.

Kept apart from :mod:`app.reports.builder` so the report builder, the agency input service and the
API share one definition of "what the tally line says".  The agency may write its own sentence
(``AgencyPeriodInput.tally_text``); the report prints that one and keeps the computed one beside it
for the office (:func:`printed_tally`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.core.enums import OrganisationKind
from app.extensions import db
from app.models import Indicator, IndicatorValue
from app.progress import indicators as arithmetic

TALLY_PREFIX = "tally_template."
#: Tally sentence per agency as 003 words it (AS-03); every other agency gets NAMED_LOW.
DEFAULT_TALLY_TEMPLATES = {"MTTQ": arithmetic.TallyTemplate.BUCKETS, "LĐLĐ": arithmetic.TallyTemplate.RANGE}
TALLY_KINDS = frozenset({OrganisationKind.FRONT, OrganisationKind.MASS_ORG, OrganisationKind.ASSOCIATION})


def chunks(ids: Sequence[int], size: int = 900) -> Iterable[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def latest_values(indicator_ids: Sequence[int], as_of: date) -> dict[int, IndicatorValue]:
    """The latest value of each indicator dated on or before the cut-off."""
    latest: dict[int, IndicatorValue] = {}
    for chunk in chunks(indicator_ids):
        for value in db.session.scalars(
            sa.select(IndicatorValue).where(IndicatorValue.indicator_id.in_(chunk), IndicatorValue.as_of <= as_of)
            .order_by(IndicatorValue.indicator_id, IndicatorValue.as_of, IndicatorValue.id)
        ):
            latest[value.indicator_id] = value
    return latest


def indicator_figure(indicator: Indicator, value: IndicatorValue) -> arithmetic.IndicatorFigure:
    name = indicator.phrase.strip()
    # Named in a tally ("đạt thấp là hiến máu"): lower-case the first letter unless it is an acronym.
    if len(name) > 1 and name[1].islower():
        name = name[0].lower() + name[1:]
    if indicator.target_rate is not None:
        return arithmetic.IndicatorFigure(
            actual=value.actual, base=value.base, target_rate=indicator.target_rate, unit=indicator.unit,
            phrase=indicator.phrase, base_label=indicator.base_label or "", year_end=indicator.is_year_end, name=name)
    return arithmetic.IndicatorFigure(actual=value.actual, target=indicator.target, unit=indicator.unit,
                                      phrase=indicator.phrase, year_end=indicator.is_year_end, name=name)


def not_started(indicator: Indicator, as_of: date) -> bool:
    """"Chưa đến thời gian thực hiện": the indicator's start date is after the cut-off."""
    return indicator.starts_on is not None and indicator.starts_on > as_of


def tally_template_for(code: str, narrative: Mapping[str, str]) -> arithmetic.TallyTemplate:
    chosen = narrative.get(TALLY_PREFIX + code)
    if chosen in {t.value for t in arithmetic.TallyTemplate}:
        return arithmetic.TallyTemplate(chosen)
    return DEFAULT_TALLY_TEMPLATES.get(code, arithmetic.TallyTemplate.NAMED_LOW)


@dataclass(frozen=True)
class AgencyTally:
    line: str | None
    counts: dict | None
    error: str | None
    missing: tuple[str, ...] = ()


def agency_tally(indicators: Sequence[Indicator], latest: Mapping[int, IndicatorValue], declared: int | None,
                 template: arithmetic.TallyTemplate, as_of: date | None = None) -> AgencyTally:
    """Tally an agency's indicators as of the cut-off and check the buckets against its declared total."""
    items: list = []
    missing: list[str] = []
    for indicator in indicators:
        value = latest.get(indicator.id)
        if as_of is not None and not_started(indicator, as_of):
            items.append(arithmetic.IndicatorResult(indicator.phrase, None, not_started=True))
        elif value is not None:
            items.append(indicator_figure(indicator, value))
        elif indicator.is_year_end:
            items.append(arithmetic.IndicatorResult(indicator.phrase, None, year_end=True))
        else:
            missing.append(indicator.phrase)
    if not items:
        return AgencyTally(None, None, None, tuple(missing))
    try:
        buckets = arithmetic.tally(items)
        line = arithmetic.tally_line(buckets, template)
    except arithmetic.TallyError as error:
        return AgencyTally(None, None, str(error.message), tuple(missing))
    counts = {bucket.value: n for bucket, n in buckets.counts().items()}
    try:
        if declared is not None:
            arithmetic.validate_tally(declared, buckets)
    except arithmetic.TallyError as error:
        return AgencyTally(line, counts, str(error.message), tuple(missing))
    return AgencyTally(line, counts, None, tuple(missing))


def bucket_counts(indicators: Sequence[Indicator], as_of: date) -> dict:
    """How many indicators fall in each bucket as of a day; unmeasured ones are counted apart."""
    latest = latest_values([i.id for i in indicators], as_of)
    counts: dict = {}
    for indicator in indicators:
        value = latest.get(indicator.id)
        if not_started(indicator, as_of):
            key = arithmetic.Bucket.NOT_STARTED
        elif indicator.is_year_end:
            key = arithmetic.Bucket.YEAR_END
        elif value is None:
            key = "unmeasured"
        else:
            key = arithmetic.bucket_of(indicator_figure(indicator, value))
        counts[key] = counts.get(key, 0) + 1
    return counts


def printed_tally(own_sentence: str | None, computed: str | None) -> str | None:
    """The line the report prints: the agency's own sentence when it wrote one, else the computed one."""
    own = (own_sentence or "").strip()
    return own or computed
