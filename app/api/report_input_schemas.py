"""JSON schemas of the report inputs (narrative parts, each agency's input), added to the components."""

from __future__ import annotations

from app.api.schemas import COMPONENTS, ORGANISATION_REF, array, integer, nullable, obj, response_obj, text
from app.reports.agency_inputs import MAX_TALLY, MAX_TEXT
from app.reports.narrative import NARRATIVE_FIELDS

PERIOD_CODE = text(7, pattern=r"^\d{4}-(Q[1-4]|H[12]|9M|Y)$", description="Report period, e.g. 2024-Q2.")
_PART = text(MAX_TEXT, description="One line per paragraph; “- ” bullets; [^text] makes a Word footnote.")
_PARTS = {key: nullable(_PART) for key in NARRATIVE_FIELDS}
_VERSION = integer(1, description="The version the change is based on, if not sent as If-Match.")

REPORT_NARRATIVE = response_obj({
    "period": {"type": "string"},
    "as_of": {"type": "string", "format": "date"},
    "version": integer(),
    "parts": obj(_PARTS, (), "The office's parts by key; empty parts are null."),
    "warnings": array({"type": "string"}, description="What the draft still lacks (empty parts, …)."),
}, "The parts of a period's report the office writes (II.2, III, IV.1, V, recipients).")
REPORT_NARRATIVE_UPDATE = obj({
    "parts": obj(_PARTS, (), "Parts to replace; a part not sent is kept, null or \"\" clears it."),
    "version": _VERSION,
}, ("parts",), "Replace some of the office's parts.")

_INPUT_TEXTS = {
    "results_text": nullable(text(MAX_TEXT, description="Results for section II.3; [^text] makes a footnote.")),
    "difficulties_text": nullable(text(MAX_TEXT, description="Difficulties; prefill section III.2.")),
    "next_tasks_text": nullable(text(MAX_TEXT, description="Next tasks for section IV.2.")),
    "proposals_text": nullable(text(MAX_TEXT, description="Proposals for section V.")),
    "tally_text": nullable(text(MAX_TALLY, description="The agency's own tally sentence; empty prints the "
                                                       "computed one.")),
}
AGENCY_REPORT_INPUT = response_obj({
    "period": {"type": "string"},
    "agency": ORGANISATION_REF,
    "version": nullable(integer()),
    **{key: {"type": "string"} for key in _INPUT_TEXTS},
    "declared_indicator_total": nullable(integer(0, 1000)),
    "computed_tally": nullable(response_obj({
        "line": nullable({"type": "string"}), "error": nullable({"type": "string"}),
        "missing": array({"type": "string"}),
    })),
    "printed_tally": nullable({"type": "string"}),
}, "An agency's input for a report period, with the tally computed from its indicators.")
AGENCY_REPORT_INPUT_UPDATE = obj({
    **_INPUT_TEXTS,
    "declared_indicator_total": nullable(integer(0, 1000)),
    "version": _VERSION,
}, (), "Create or update an agency's input; fields not sent are kept.")

COMPONENTS.update({
    "ReportNarrative": REPORT_NARRATIVE,
    "ReportNarrativeUpdate": REPORT_NARRATIVE_UPDATE,
    "AgencyReportInput": AGENCY_REPORT_INPUT,
    "AgencyReportInputUpdate": AGENCY_REPORT_INPUT_UPDATE,
})
