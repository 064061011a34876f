"""Acceptance (issue 17): the whole of seed 003's Q2/2024 content entered through the product's services
gives a Word file whose paragraphs are ≥ 98% identical to the seed's, after domain.md's corrections."""

from __future__ import annotations

import time_machine

from app.reports.builder import build_for
from app.reports.docx import read_footnotes, render_docx
from tests.reports.seed003 import AS_OF, DATA, compare, document_lines, enter_figures, enter_with_services


@time_machine.travel("2024-06-20 09:00 +07:00", tick=False)
def test_seed003_reproduced_paragraph_by_paragraph(factories, capsys):
    orgs = enter_figures(factories)
    report = enter_with_services(factories, orgs)
    built = build_for(report, AS_OF)
    data = render_docx(built)
    share, differences = compare(document_lines(data))
    print(f"\nseed 003: {share:.2%} of paragraphs identical; differences:\n" + "\n".join(differences))
    assert share >= 0.98, "\n".join(differences)
    assert read_footnotes(data) == DATA["footnotes"]
    assert built.errors == ()
    # The office still sees the computed sentence beside each agency's own one.
    ccb = next(b for b in built.agency_blocks if b.code == "CCB")
    assert ccb.tally_line == DATA["agencies"]["CCB"]["printed_tally"]
