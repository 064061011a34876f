"""The demo district (flask seed-demo): the Q2/2024 report read back from Word against AS-01, AS-02, AS-03."""

from __future__ import annotations

from datetime import date

import pytest

from app.extensions import db
from app.reports.builder import build_period_report
from app.reports.docx import read_footnotes, render_docx
from tests.reports.conftest import body_lines, read_docx, section_lines
from tests.reports.test_builder import AS01_FIRST, AS01_HEADING, AS01_SECOND, AS02, AS03


@pytest.fixture
def demo():
    from app.demo.seed import seed_demo_district

    seed_demo_district()
    db.session.commit()


def tally_after(lines: list[str], heading: str) -> str:
    block = lines[lines.index(heading) + 1:]
    return next(line for line in block if line.startswith("Thực hiện"))


def demo_word(as_of=date(2024, 6, 30)) -> bytes:
    return render_docx(build_period_report(2024, "quarter", 2, as_of))


def test_demo_section_one_read_back_from_word(demo):
    lines = body_lines(read_docx(demo_word()))
    assert section_lines(lines, "I. ", "II. ") == [AS01_HEADING, AS01_FIRST, AS01_SECOND]


def test_demo_indicators_tallies_and_footnote_read_back_from_word(demo):
    data = demo_word()
    lines = body_lines(read_docx(data))
    assert section_lines(lines, "II. ", "III. ")[1:5] == AS02
    assert tally_after(lines, "* Ủy ban Mặt trận Tổ quốc Việt Nam huyện:") == AS03["MTTQ"]
    assert tally_after(lines, "* Liên đoàn Lao động huyện:") == AS03["LĐLĐ"]
    assert tally_after(lines, "* Hội Chữ thập đỏ huyện:") == AS03["CTĐ"]
    assert section_lines(lines, "V. ", None)[:2] == ["V. ĐỀ XUẤT, KIẾN NGHỊ", "Không."]
    assert len(read_footnotes(data)) == 1


def test_demo_report_has_every_agency_in_order_and_no_errors(demo):
    report = build_period_report(2024, "quarter", 2, date(2024, 6, 30))
    assert [b.code for b in report.agency_blocks] == [
        "BTG", "BTC", "UBKT", "BDV", "TTCT", "VP", "MTTQ", "LĐLĐ", "CCB", "HND", "HLHPN", "HĐ", "CTĐ"]
    assert all(b.source == "input" for b in report.agency_blocks)
    assert report.errors == ()


def test_demo_cli_as_in_the_issue(demo, runner, tmp_path):
    out = tmp_path / "report.docx"
    result = runner.invoke(args=["report", "quarterly", "--quarter", "2024-Q2", "--as-of", "2024-06-20",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = body_lines(read_docx(out.read_bytes()))
    assert section_lines(lines, "I. ", "II. ")[2] == AS01_SECOND
    assert tally_after(lines, "* Hội Chữ thập đỏ huyện:") == AS03["CTĐ"]
    assert out.read_bytes() == demo_word(date(2024, 6, 20))


def test_seeding_report_inputs_twice_changes_nothing(demo):
    from sqlalchemy import func, select

    from app.demo.report_data import seed_report_inputs
    from app.models import AgencyPeriodInput, Indicator

    before = (db.session.scalar(select(func.count()).select_from(AgencyPeriodInput)),
              db.session.scalar(select(func.count()).select_from(Indicator)))
    seed_report_inputs()
    db.session.commit()
    after = (db.session.scalar(select(func.count()).select_from(AgencyPeriodInput)),
             db.session.scalar(select(func.count()).select_from(Indicator)))
    assert before == after and before[0] == 13
