"""Agency scorecards as of a cut-off: hand-computed figures (a small district and the demo district at
several cut-offs), a generated dataset against the plain-Python recount, reproducibility, access."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from app.core.enums import Role, TaskKind, TaskStatus
from app.core.errors import ValidationFailed
from app.core.periods import last_quarters, parse_period
from app.extensions import db
from app.models import Indicator, IndicatorValue
from app.oversight import agency_scorecards
from tests.oversight.conftest import oracle_scorecards

Q2 = parse_period("2024-Q2")


def _counts(card):
    return {name: getattr(card, name) for name in ("on_time", "late", "not_completed", "in_progress", "continuous")}


@pytest.fixture
def district(factories):
    a = factories.org("A", name="Ban Tuyên giáo", order=1)
    b = factories.org("B", name="Ban Tổ chức", order=2)
    q1 = factories.directive(number="198", issued_on=date(2024, 3, 18))
    late_directive = factories.directive(number="250", issued_on=date(2024, 6, 20))
    # A, all first due 30/6/2024.
    factories.task(a, directive_=q1, due=date(2024, 6, 30), status=TaskStatus.COMPLETED, completed_on=date(2024, 5, 10))
    factories.task(a, directive_=q1, due=date(2024, 6, 30), status=TaskStatus.COMPLETED, completed_on=date(2024, 6, 30))
    factories.task(a, directive_=q1, due=date(2024, 6, 30), status=TaskStatus.COMPLETED, completed_on=date(2024, 7, 12))
    factories.task(a, directive_=q1, due=date(2024, 6, 30), status=TaskStatus.IN_PROGRESS)
    # An extension moved this one to 30/9, but it is judged against its first due date.
    extended = factories.task(a, directive_=q1, due=date(2024, 6, 30), status=TaskStatus.COMPLETED,
                              completed_on=date(2024, 8, 1))
    extended.due_date = date(2024, 9, 30)
    # B: one due in Q2 from a directive issued 20/6, one due in Q3 (other period), one continuous.
    factories.task(b, directive_=late_directive, due=date(2024, 6, 28), status=TaskStatus.NOT_STARTED)
    factories.task(b, directive_=q1, due=date(2024, 7, 31), status=TaskStatus.COMPLETED, completed_on=date(2024, 7, 1))
    factories.task(b, directive_=q1, due=None, kind=TaskKind.CONTINUOUS, status=TaskStatus.IN_PROGRESS)
    db.session.commit()
    return {"a": a, "b": b}


@pytest.mark.parametrize(("cutoff", "a_counts", "b_counts"), [
    # Before 30/6 nothing is late yet; B's directive of 20/6 does not exist on 15/6.
    (date(2024, 6, 15), dict(on_time=1, late=0, not_completed=0, in_progress=4, continuous=0),
     dict(on_time=0, late=0, not_completed=0, in_progress=0, continuous=1)),
    (date(2024, 7, 1), dict(on_time=2, late=0, not_completed=3, in_progress=0, continuous=0),
     dict(on_time=0, late=0, not_completed=1, in_progress=0, continuous=1)),
    (date(2024, 12, 31), dict(on_time=2, late=2, not_completed=1, in_progress=0, continuous=0),
     dict(on_time=0, late=0, not_completed=1, in_progress=0, continuous=1)),
])
def test_scorecards_at_several_cutoffs(district, cutoff, a_counts, b_counts):
    cards = {c.organisation_id: c for c in agency_scorecards.scorecards(Q2, cutoff)}
    assert _counts(cards[district["a"].id]) == a_counts
    assert _counts(cards[district["b"].id]) == b_counts
    assert {k: {n: v for n, v in _counts(c).items() if n != "continuous"} for k, c in cards.items()
            if c.total} == oracle_scorecards(Q2.start, Q2.end, cutoff)


def test_rates_and_reproducibility(district, factories):
    card = agency_scorecards.scorecard_for(district["a"], Q2, date(2024, 12, 31))
    assert card.total == 5 and card.on_time_rate == Decimal("40.00") and card.completion_rate == Decimal("80.00")
    assert agency_scorecards.pct_text(card.on_time_rate) == "40%"
    # Work set later (a directive issued after the cut-off, back-dated due) does not change the past.
    later = factories.directive(number="300", issued_on=date(2025, 1, 10))
    factories.task(district["a"], directive_=later, due=date(2024, 6, 30))
    assert _counts(agency_scorecards.scorecard_for(district["a"], Q2, date(2024, 12, 31))) == _counts(card)
    assert agency_scorecards.scorecard_for(district["a"], Q2, date(2025, 2, 1)).total == 6


def test_cutoff_before_the_period_is_refused(district):
    with pytest.raises(ValidationFailed):
        agency_scorecards.scorecards(Q2, date(2024, 3, 31))


def test_periods():
    assert (Q2.start, Q2.end, Q2.label) == (date(2024, 4, 1), date(2024, 6, 30), "quý II/2024")
    h1 = parse_period("2024-h1")
    assert (h1.start, h1.end) == (date(2024, 1, 1), date(2024, 6, 30))
    assert parse_period("2024").end == date(2024, 12, 31)
    for bad in ("2024-Q5", "24", "", "2024-Q1x"):
        with pytest.raises(ValidationFailed):
            parse_period(bad)
    assert [p.code for p in last_quarters(date(2024, 2, 10))] == ["2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1"]


def test_trend_over_four_quarters(district):
    trend = agency_scorecards.scorecard_trend([district["a"].id], date(2024, 12, 31))
    assert [q.code for q, _cards in trend] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    a = district["a"].id
    assert [cards[a].total for _q, cards in trend] == [0, 5, 0, 0]
    assert trend[1][1][a].on_time == 2 and trend[1][1][a].late == 2


def test_indicator_achievement_as_of_cutoff(district):
    a = district["a"]
    met = Indicator(organisation_id=a.id, year=2024, code="01", phrase="Kết nạp", unit="đảng viên", target=100)
    low = Indicator(organisation_id=a.id, year=2024, code="02", phrase="Kiểm tra", unit="cuộc", target=100)
    year_end = Indicator(organisation_id=a.id, year=2024, code="03", phrase="Hiến máu", unit="đơn vị", target=50,
                         is_year_end=True)
    empty = Indicator(organisation_id=a.id, year=2024, code="04", phrase="Giám sát", unit="cuộc", target=10)
    from app.core.clock import now_utc

    met.values = [IndicatorValue(as_of=date(2024, 3, 31), actual=40, created_at=now_utc()),
                  IndicatorValue(as_of=date(2024, 6, 30), actual=100, created_at=now_utc())]
    low.values = [IndicatorValue(as_of=date(2024, 6, 30), actual=30, created_at=now_utc())]
    db.session.add_all([met, low, year_end, empty])
    db.session.commit()
    before = agency_scorecards.scorecard_for(a, Q2, date(2024, 5, 1)).indicators
    assert (before.met, before.low, before.year_end, before.no_data) == (0, 1, 1, 2)  # 40/100 is low then
    after = agency_scorecards.scorecard_for(a, Q2, date(2024, 7, 1)).indicators
    assert (after.met, after.low, after.year_end, after.no_data) == (1, 1, 1, 1)
    assert after.met_rate == Decimal("50.00")


# --------------------------------------------------------------------------------------------
# Demo district and generated data
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cutoff", "expected"), [
    # All 11 content items of 198-TB/HU are first due 30/6/2024; items are completed from 14/5 to 16/6.
    (date(2024, 5, 20), {"BTG": (1, 0, 0, 0), "BTC": (2, 0, 0, 0), "UBKT": (0, 0, 0, 1), "X.TANBINH": (0, 0, 0, 2)}),
    (date(2024, 6, 20), {"BTG": (1, 0, 0, 0), "BTC": (2, 0, 0, 0), "UBKT": (1, 0, 0, 0), "X.TANBINH": (1, 0, 0, 1)}),
    (date(2024, 7, 1), {"BTG": (1, 0, 0, 0), "BTC": (2, 0, 0, 0), "UBKT": (1, 0, 0, 0), "X.TANBINH": (1, 0, 1, 0)}),
])
def test_demo_district_scorecards(travel, cutoff, expected):
    from app.demo.seed import seed_demo_district

    travel(date(2024, 7, 1))
    seed_demo_district()
    db.session.commit()
    cards = {c.code: c for c in agency_scorecards.scorecards(Q2, cutoff)}
    for code, (on_time, late, not_completed, in_progress) in expected.items():
        card = cards[code]
        assert (card.on_time, card.late, card.not_completed, card.in_progress) == (on_time, late, not_completed, in_progress), code
    assert sum(c.total for c in cards.values()) == 11


@pytest.mark.parametrize(("period", "cutoff"), [("2024-Q2", date(2024, 6, 30)), ("2024-Q2", date(2024, 9, 1)),
                                                ("2023", date(2023, 12, 31)), ("2024-H1", date(2024, 5, 15))])
def test_generated_dataset_matches_recount(app, period, cutoff):
    from app.bench_seed import seed_bench

    seed_bench(tasks=400, agencies=5, years=2, end=date(2024, 9, 30), seed=11, password="Mat-khau-bench-2024")
    db.session.commit()
    p = parse_period(period)
    cards = agency_scorecards.scorecards(p, cutoff, with_indicators=False)
    got = {c.organisation_id: {n: getattr(c, n) for n in agency_scorecards.CATEGORIES} for c in cards if c.total}
    assert got and got == oracle_scorecards(p.start, p.end, cutoff)


# --------------------------------------------------------------------------------------------
# Pages and export
# --------------------------------------------------------------------------------------------


def test_scorecard_pages_and_access(client, make_client, district, factories, travel):
    travel(date(2024, 7, 15))
    client.login(factories.user(Role.COMMITTEE))
    html = client.get("/oversight/scorecards?period=2024-Q2&cutoff=2024-07-01").get_data(as_text=True)
    assert "Ban Tuyên giáo" in html and "Ban Tổ chức" in html
    detail = client.get(f"/oversight/scorecards/{district['a'].id}?period=2024-Q2&cutoff=2024-12-31")
    assert detail.status_code == 200 and "40%" in detail.get_data(as_text=True)

    agency = make_client()
    agency.login(factories.user(Role.AGENCY_OFFICER, district["b"]))
    own = agency.get("/oversight/scorecards?period=2024-Q2").get_data(as_text=True)
    assert "Ban Tổ chức" in own and "Ban Tuyên giáo" not in own
    assert agency.get(f"/oversight/scorecards/{district['a'].id}").status_code == 404
    assert agency.get(f"/oversight/scorecards/{district['b'].id}").status_code == 200
    bad = agency.get("/oversight/scorecards?period=2024-Q7&cutoff=2023-01-01")
    assert bad.status_code == 200 and "không hợp lệ" in bad.get_data(as_text=True)


def test_scorecard_export(client, district, factories, travel):
    from openpyxl import load_workbook

    travel(date(2024, 7, 15))
    client.login(factories.user(Role.OFFICE_CHIEF))
    response = client.get("/oversight/scorecards.xlsx?period=2024-Q2&cutoff=2024-12-31")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows["Ban Tuyên giáo"][1:6] == (2, 2, 1, 0, 5)
