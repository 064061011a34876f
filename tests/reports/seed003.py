"""Seed 003 (the real Q2/2024 report) entered through the product, and the Word file read back in order.

Shared by the acceptance test (services) and the API test: the data is
``tests/reports/data/seed003_q2_2024.json`` (made by ``data/extract_seed003.py`` from the seed).
"""

from __future__ import annotations

import difflib
import json
from datetime import date
from pathlib import Path

from docx.oxml.ns import qn

from app.core.enums import Role
from app.core.periods import Period
from app.extensions import db
from app.reports.agency_inputs import save_agency_input
from app.reports.drafts import create_report, save_report
from tests.reports.conftest import (
    add_agency_indicators,
    add_key_indicators,
    make_agencies,
    make_as01,
    read_docx,
)

DATA = json.loads((Path(__file__).parent / "data" / "seed003_q2_2024.json").read_text(encoding="utf-8"))
PERIOD = Period(2024, "quarter", 2)
AS_OF = date(2024, 6, 20)


def enter_figures(factories) -> dict:
    """The data behind sections I and II.1 and the computed tallies (AS-01, AS-02, AS-03)."""
    orgs = make_agencies(factories)
    orgs["HĐ"].short_name = "Huyện đoàn"  # as the district catalogue names it (app/demo/catalog.py)
    make_as01(factories, orgs)
    add_key_indicators()
    add_agency_indicators(orgs["MTTQ"], [100] * 4 + [80] * 40 + [60] * 3 + [None] * 4)
    add_agency_indicators(orgs["LĐLĐ"], [100] * 12 + [63, 71, 88, 96] + [None] * 6)
    add_agency_indicators(orgs["CTĐ"], [100] * 16 + [31] + [None] * 3, names={17: "Hiến máu"})
    return orgs


def office_inputs() -> tuple[dict, dict]:
    """(narrative, header fields) as the office types them."""
    narrative = dict(DATA["narrative"])
    narrative["recipients"] = "\n".join(DATA["recipients"])
    return narrative, {"signer_name": DATA["signer"]["name"], "signer_title": DATA["signer"]["title"].title()}


def agency_payload(code: str) -> dict:
    entry = DATA["agencies"][code]
    return {name: entry[name] for name in ("results_text", "tally_text", "next_tasks_text", "proposals_text")}


def enter_with_services(factories, orgs) -> object:
    office = factories.user(Role.OFFICE, orgs["VP"])
    report = create_report(office, PERIOD, AS_OF)
    narrative, header = office_inputs()
    save_report(office, report, narrative=narrative, number=None, issued_on=None,
                    expected_version=report.version_id, **header)
    for code in DATA["agencies"]:
        save_agency_input(office, orgs[code], PERIOD, agency_payload(code), expected_version=None)
    db.session.commit()
    return report


def _cell_lines(cell) -> list[str]:
    return [p.text.strip() for p in cell.paragraphs if p.text.strip()]


def document_lines(data: bytes) -> list[str]:
    """Every non-empty paragraph in reading order: tables cell by cell (row-major), body paragraphs."""
    document = read_docx(data)
    tables = iter(document.tables)
    paragraphs = iter(document.paragraphs)
    lines: list[str] = []
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:tbl"):
            for row in next(tables).rows:
                for cell in row.cells:
                    lines.extend(_cell_lines(cell))
        elif element.tag == qn("w:p"):
            text = next(paragraphs).text.strip()
            if text:
                lines.append(text)
    return lines


def compare(actual: list[str]) -> tuple[float, list[str]]:
    """Share of the seed's paragraphs found identical, in order, and the differences as a diff."""
    expected = DATA["expected"]
    matcher = difflib.SequenceMatcher(a=expected, b=actual, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    differences = []
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        differences.extend(f"- seed: {line}" for line in expected[a1:a2])
        differences.extend(f"+ ours: {line}" for line in actual[b1:b2])
    return same / max(len(expected), len(actual)), differences
