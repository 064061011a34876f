"""API v1: the report's inputs (the office's narrative parts, each agency's input) with If-Match."""

from __future__ import annotations

from datetime import date

import time_machine

from app.core.enums import Role
from app.extensions import db
from app.reports.builder import build_for, build_period_report
from app.reports.drafts import create_report
from tests.reports.conftest import make_agencies
from tests.reports.seed003 import DATA, PERIOD, agency_payload, enter_figures


def _office_report(factories, orgs):
    office = factories.user(Role.OFFICE, orgs["VP"])
    report = create_report(office, PERIOD, date(2024, 6, 20))
    db.session.commit()
    return office, report


@time_machine.travel("2024-06-20 09:00 +07:00", tick=False)
def test_narrative_parts_read_and_written_with_if_match(factories, api_as):
    orgs = make_agencies(factories)
    office, report = _office_report(factories, orgs)
    api = api_as(office)
    got = api.get("/reports/2024-Q2/narrative")
    assert got.status_code == 200 and got.json["parts"]["key_work"] is None
    assert any("II.2" in w for w in got.json["warnings"])
    etag = got.headers["ETag"]
    assert api.open("PUT", "/reports/2024-Q2/narrative", json={"parts": {"key_work": "- A"}}).status_code == 428
    put = api.open("PUT", "/reports/2024-Q2/narrative", json={"parts": {"key_work": DATA["narrative"]["key_work"]}},
                   headers={"If-Match": etag})
    assert put.status_code == 200, put.json
    assert put.json["parts"]["key_work"] == DATA["narrative"]["key_work"]
    stale = api.open("PUT", "/reports/2024-Q2/narrative", json={"parts": {"achievements": "x"}},
                     headers={"If-Match": etag})
    assert stale.status_code == 409 and stale.json["error"]["code"] == "conflict"
    unknown = api.open("PUT", "/reports/2024-Q2/narrative", json={"parts": {"bogus": "x"}},
                       headers={"If-Match": put.headers["ETag"]})
    assert unknown.status_code == 422
    assert api.get("/reports/2023-Q2/narrative").status_code == 404
    # What the API wrote is what the report prints.
    built = build_for(db.session.get(type(report), report.id))
    lines = built.section_text("II")
    start = next(i for i, line in enumerate(lines) if line.endswith("Các mặt công tác trọng tâm")) + 1
    assert lines[start:start + 2] == DATA["narrative"]["key_work"].splitlines()[:2]


@time_machine.travel("2024-06-20 09:00 +07:00", tick=False)
def test_agency_input_with_own_tally_and_computed_one(factories, api_as):
    orgs = enter_figures(factories)
    office, _report = _office_report(factories, orgs)
    officer = factories.user(Role.AGENCY_OFFICER, orgs["CTĐ"])
    api = api_as(officer)
    before = api.get("/reports/2024-Q2/agencies/CTĐ")
    assert before.status_code == 200 and before.headers["ETag"] == '"0"' and before.json["version"] is None
    first = api.open("PUT", "/reports/2024-Q2/agencies/CTĐ", json=agency_payload("CTĐ"),
                     headers={"If-Match": before.headers["ETag"]})
    assert first.status_code == 200, first.json
    assert first.json["computed_tally"]["line"] == DATA["agencies"]["CTĐ"]["printed_tally"]
    assert first.json["printed_tally"] == first.json["computed_tally"]["line"]
    own = "Thực hiện đạt và vượt 16/20 chỉ tiêu theo câu của Hội."
    again = api.open("PUT", "/reports/2024-Q2/agencies/CTĐ", json={"tally_text": own})
    assert again.status_code == 428
    changed = api.open("PUT", "/reports/2024-Q2/agencies/CTĐ", json={"tally_text": own},
                       headers={"If-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert changed.json["printed_tally"] == own
    assert changed.json["computed_tally"]["line"] == DATA["agencies"]["CTĐ"]["printed_tally"]
    assert changed.json["results_text"] == DATA["agencies"]["CTĐ"]["results_text"]  # kept
    two_lines = api.open("PUT", "/reports/2024-Q2/agencies/CTĐ", json={"tally_text": "a\nb"},
                         headers={"If-Match": changed.headers["ETag"]})
    assert two_lines.status_code == 422 and two_lines.json["error"]["field"] == "tally_text"
    assert api.get("/reports/2024-Q2/agencies/MTTQ").status_code == 403
    assert api.get("/reports/2024-Q2/agencies/NOPE").status_code == 404
    block = next(b for b in build_period_report(2024, "quarter", 2, date(2024, 6, 20)).agency_blocks
                 if b.code == "CTĐ")
    assert (block.tally_line, block.computed_tally_line) == (own, DATA["agencies"]["CTĐ"]["printed_tally"])
