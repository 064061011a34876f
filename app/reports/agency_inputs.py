"""What each agency writes for a report period (sections II.3, III.2, IV.2 and V).

An agency's input holds its results narrative (with ``[^…]`` footnotes), the difficulties it met
(prefilling III.2), its next tasks, its proposals, the number of indicators it declares and,
optionally, its own tally sentence.  The computed tally stays visible to the office next to the
agency's sentence (:func:`agency_input_preview`).  Web form, API and tests call these functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core import audit
from app.core.clock import today_local
from app.core.errors import PermissionDenied, ValidationFailed
from app.core.periods import Period
from app.core.permissions import has_permission, require
from app.core.text import normalize
from app.extensions import db
from app.models import AgencyPeriodInput, Indicator, Organisation
from app.progress import indicators as arithmetic
from app.reports.drafts import check_version, find_report
from app.reports.narrative import narrative_of, prefills
from app.reports.tallies import (
    TALLY_KINDS,
    AgencyTally,
    agency_tally,
    bucket_counts,
    latest_values,
    tally_template_for,
)

TEXT_FIELDS = ("results_text", "difficulties_text", "next_tasks_text", "proposals_text", "tally_text")
AGENCY_INPUT_FIELDS = (*TEXT_FIELDS, "declared_indicator_total")
MAX_TEXT = 50000
MAX_TALLY = 1000


def _require_agency_access(actor, org: Organisation) -> None:
    if not org.report_heading:
        raise PermissionDenied(_("%(agency)s không có mục riêng trong báo cáo định kỳ.", agency=org.name))
    require(actor, "report.agency_input", _("Bạn chỉ được nhập báo cáo của cơ quan mình."))
    if has_permission(actor, "agency.own") and actor.organisation_id != org.id:
        raise PermissionDenied(_("Bạn chỉ được nhập báo cáo của cơ quan mình."))


def _entry(org: Organisation, period: Period) -> AgencyPeriodInput | None:
    return db.session.scalar(sa.select(AgencyPeriodInput).where(
        AgencyPeriodInput.organisation_id == org.id, AgencyPeriodInput.year == period.year,
        AgencyPeriodInput.period_kind == period.kind, AgencyPeriodInput.period_index == period.index))


def get_agency_input(actor, org: Organisation, period: Period) -> AgencyPeriodInput | None:
    _require_agency_access(actor, org)
    return _entry(org, period)


def _indicators(org: Organisation, year: int) -> list[Indicator]:
    return list(db.session.scalars(sa.select(Indicator).where(
        Indicator.organisation_id == org.id, Indicator.year == year, Indicator.is_district_key.is_(False))
        .order_by(Indicator.display_order, Indicator.code, Indicator.id)))


def report_as_of(period: Period) -> date:
    """The cut-off the period's report uses (its draft's, or today within the period)."""
    report = find_report(period)
    return report.as_of if report is not None else min(today_local(), period.end)


def agency_input_preview(org: Organisation, period: Period) -> AgencyTally | None:
    """The tally line the agency's indicators give now (as of the period's report cut-off, or today)."""
    if org.kind not in TALLY_KINDS:
        return None
    indicators = _indicators(org, period.year)
    if not indicators:
        return None
    as_of = report_as_of(period)
    entry = _entry(org, period)
    narrative = narrative_of(find_report(period))
    return agency_tally(indicators, latest_values([i.id for i in indicators], as_of),
                        entry.declared_indicator_total if entry else None, tally_template_for(org.code, narrative),
                        as_of)


def agency_indicator_check(org: Organisation, period: Period, declared: int) -> None:
    """Refuse a declared indicator total that the agency's indicator set does not add up to (AS-03)."""
    indicators = _indicators(org, period.year)
    if not indicators:
        return
    try:
        arithmetic.validate_tally(declared, bucket_counts(indicators, report_as_of(period)))
    except arithmetic.TallyError as error:
        raise ValidationFailed(str(error.message), field="declared_indicator_total") from None


def _clean_values(data: Mapping) -> dict[str, str]:
    values = {}
    for name in TEXT_FIELDS:
        raw = data.get(name)
        if raw is not None and not isinstance(raw, str):
            raise ValidationFailed(_("Nội dung phải là văn bản."), field=name)
        values[name] = normalize((raw or "").replace("\r\n", "\n")).strip()
        if len(values[name]) > MAX_TEXT:
            raise ValidationFailed(_("Nội dung quá dài (tối đa 50.000 ký tự)."), field=name)
    tally = values["tally_text"]
    if "\n" in tally or len(tally) > MAX_TALLY:
        raise ValidationFailed(_("Câu tổng hợp chỉ tiêu phải là một câu (tối đa 1.000 ký tự)."), field="tally_text")
    return values


def save_agency_input(actor, org: Organisation, period: Period, data: Mapping, *,
                      expected_version: int | None) -> AgencyPeriodInput:
    """Create or update the agency's texts for the period; the declared indicator total must add up.

    A field missing from ``data`` keeps its stored value, so a client may send only what it changes.
    """
    entry = get_agency_input(actor, org, period)
    if entry is not None:
        check_version(entry, expected_version)
    current = {name: getattr(entry, name) or "" for name in TEXT_FIELDS} if entry is not None else {}
    declared = data.get("declared_indicator_total",
                        entry.declared_indicator_total if entry is not None else None)
    if declared is not None and (not isinstance(declared, int) or isinstance(declared, bool) or not 0 <= declared <= 1000):
        raise ValidationFailed(_("Tổng số chỉ tiêu phải là số nguyên từ 0 đến 1000."), field="declared_indicator_total")
    if declared is not None:
        agency_indicator_check(org, period, declared)
    values = _clean_values({**current, **{k: v for k, v in data.items() if k in TEXT_FIELDS}})
    created = entry is None
    if created:
        entry = AgencyPeriodInput(organisation_id=org.id, year=period.year, period_kind=period.kind,
                                  period_index=period.index)
        db.session.add(entry)
        before = {}
    else:
        before = audit.snapshot(entry, AGENCY_INPUT_FIELDS)
    for name, value in values.items():
        setattr(entry, name, value)
    entry.declared_indicator_total = declared
    entry.updated_by_id = actor.id
    old, new = audit.diff(before, audit.snapshot(entry, AGENCY_INPUT_FIELDS))
    if not new and not created:
        return entry
    db.session.flush()
    audit.record(actor, "create" if created else "update", entry, before=old or None, after=new,
                 summary=_("%(agency)s: báo cáo kỳ %(p)s", agency=org.name, p=period.label))
    return entry


def editor_prefills(built) -> dict[str, str]:
    """Prefills for the office parts of a built report (IV.1 from its open conclusion items, III.2 from
    the difficulties the agencies reported for the period), offered where the part is still empty."""
    result = built.conclusion
    unfinished = [(u.text, u.lead) for u in result.unfinished if u.completed_on is None] if result else []
    rows = db.session.execute(
        sa.select(Organisation.name, AgencyPeriodInput.difficulties_text)
        .join(Organisation, Organisation.id == AgencyPeriodInput.organisation_id)
        .where(AgencyPeriodInput.year == built.period.year, AgencyPeriodInput.period_kind == built.period.kind,
               AgencyPeriodInput.period_index == built.period.index, AgencyPeriodInput.difficulties_text != "")
        .order_by(Organisation.display_order, Organisation.name))
    return prefills(unfinished=unfinished, meeting_label=result.meeting_label if result else None,
                    difficulties=[(name, text) for name, text in rows])
