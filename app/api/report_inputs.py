"""API v1 views for the report's inputs: the office's narrative parts and each agency's input per period.

Same services as the web editor (:mod:`app.reports.drafts`, :mod:`app.reports.agency_inputs`);
optimistic concurrency as for tasks (ETag out, If-Match or ``version`` in).
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.api.auth import api_requires, api_user
from app.api.blueprint import bp
from app.api.openapi import json_body, query_args
from app.api.routes import expected_version, with_etag
from app.api.serializers import organisation_ref
from app.core.errors import NotFound, ValidationFailed
from app.core.periods import Period, parse_period
from app.directory.lookups import organisation_with_code
from app.extensions import db
from app.models import Organisation
from app.reports import agency_inputs, drafts
from app.reports.narrative import NARRATIVE_FIELDS, draft_warnings, narrative_of
from app.reports.tallies import printed_tally


def _period(code: str) -> Period:
    try:
        return parse_period(code)
    except ValidationFailed as error:
        error.field = "period"
        raise


def _report(period: Period):
    row = drafts.find_report(period)
    if row is None:
        raise NotFound(_("Chưa có báo cáo %(p)s; Văn phòng cần mở báo cáo trước.", p=period.label))
    return row


def _narrative_json(row, period) -> dict:
    narrative = narrative_of(row)
    return {
        "period": period.code, "as_of": row.as_of.isoformat(), "version": row.version_id,
        "parts": {key: narrative.get(key) or None for key in NARRATIVE_FIELDS},
        "warnings": draft_warnings(narrative),
    }


@bp.get("/reports/<period_code>/narrative")
@api_requires("report.draft")
def get_report_narrative(period_code: str):
    query_args()
    period = _period(period_code)
    row = _report(period)
    return with_etag(_narrative_json(row, period), row.version_id)


@bp.put("/reports/<period_code>/narrative")
@api_requires("report.edit")
def update_report_narrative(period_code: str):
    query_args()
    period = _period(period_code)
    row = _report(period)
    data = json_body()
    version = expected_version(data, required=True)
    narrative = narrative_of(row)
    for key, value in data["parts"].items():
        narrative[key] = value or ""
    drafts.save_report(api_user(), row, narrative=narrative, number=row.number, issued_on=row.issued_on,
                                signer_name=row.signer_name, signer_title=row.signer_title, expected_version=version)
    db.session.commit()
    return with_etag(_narrative_json(row, period), row.version_id)


def _agency(code: str) -> Organisation:
    org = organisation_with_code(code)
    if org is None or not org.report_heading:
        raise NotFound(_("Không có cơ quan mã “%(code)s” trong báo cáo định kỳ.", code=code))
    return org


def _input_json(org: Organisation, period, entry) -> dict:
    tally = agency_inputs.agency_input_preview(org, period)
    texts = {name: (getattr(entry, name) or "") if entry is not None else "" for name in agency_inputs.TEXT_FIELDS}
    return {
        "period": period.code, "agency": organisation_ref(org),
        "version": entry.version_id if entry is not None else None, **texts,
        "declared_indicator_total": entry.declared_indicator_total if entry is not None else None,
        "computed_tally": None if tally is None else {"line": tally.line, "error": tally.error,
                                                      "missing": list(tally.missing)},
        "printed_tally": printed_tally(texts["tally_text"], tally.line if tally else None),
    }


def _input_response(org, period, entry):
    """The input with its version as ETag; "0" before the agency has written anything (a write with
    If-Match "0" then creates it, and is refused if someone created it meanwhile)."""
    return with_etag(_input_json(org, period, entry), entry.version_id if entry is not None else 0)


@bp.get("/reports/<period_code>/agencies/<code>")
@api_requires("report.agency_input")
def get_agency_report_input(period_code: str, code: str):
    query_args()
    period, org = _period(period_code), _agency(code)
    entry = agency_inputs.get_agency_input(api_user(), org, period)
    return _input_response(org, period, entry)


@bp.put("/reports/<period_code>/agencies/<code>")
@api_requires("report.agency_input")
def update_agency_report_input(period_code: str, code: str):
    query_args()
    period, org = _period(period_code), _agency(code)
    entry = agency_inputs.get_agency_input(api_user(), org, period)
    data = json_body()
    version = expected_version(data, required=entry is not None)
    changes = {key: value for key, value in data.items() if key != "version"}
    entry = agency_inputs.save_agency_input(api_user(), org, period, changes, expected_version=version)
    db.session.commit()
    return _input_response(org, period, entry)
