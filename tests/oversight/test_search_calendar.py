"""Diacritics-insensitive search across directives, tasks (and their content items) and progress text;
the ICS calendar feed with a hashed, revocable token; the chart data and dashboard partials."""

from __future__ import annotations

from datetime import date

import icalendar
import pytest
import sqlalchemy as sa

from app.core.clock import now_utc, today_local
from app.core.enums import Role, TaskKind, TaskStatus
from app.core.security import token_hash
from app.extensions import db
from app.models import AuditEvent, ProgressReport, User
from app.oversight import text_search


@pytest.fixture
def texts(factories):
    btg = factories.org("BTG", name="Ban Tuyên giáo")
    commune = factories.org("XTB", name="Đảng ủy xã Tân Bình")
    directive = factories.directive(number="198", title="Kết luận về xây dựng Nông thôn mới xã Tân Bình")
    in_title = factories.task(commune, directive_=directive, title="Xây dựng hoàn thành 19 tiêu chí xã Nông thôn mới Tân Bình")
    in_item = factories.task(btg, directive_=directive, title="Tuyên truyền chủ trương",
                             items=[("Tổ chức hội nghị tại TÂN BÌNH", None)])
    other = factories.task(btg, directive_=directive, title="Học tập Nghị quyết", description="Quán triệt tại xã Hoà An")
    officer = factories.user(Role.AGENCY_OFFICER, btg)
    db.session.add(ProgressReport(task_id=other.id, organisation_id=btg.id, author_id=officer.id,
                                  status=TaskStatus.IN_PROGRESS, progress_percent=50,
                                  result_text="Đã phối hợp với Ủy ban nhân dân xã Tân Bình tổ chức",
                                  reported_on=date(2024, 6, 1), created_at=now_utc()))
    db.session.commit()
    return {"btg": btg, "commune": commune, "directive": directive, "in_title": in_title, "in_item": in_item,
            "other": other, "officer": officer}


def _ids(results, kind):
    return [hit.id for hit in results.get(kind, ([], None))[0]]


@pytest.mark.parametrize("query", ["tan binh", "Tân Bình", "TAN BINH", "tân   bình", "binh tan"])
def test_search_ignores_diacritics_and_case(texts, factories, query):
    chief = factories.user(Role.OFFICE_CHIEF)
    results = text_search.search(chief, query)
    assert _ids(results, "directive") == [texts["directive"].id]
    assert set(_ids(results, "task")) == {texts["in_title"].id, texts["in_item"].id}
    assert len(_ids(results, "report")) == 1


def test_search_folds_tone_mark_placement(texts, factories):
    chief = factories.user(Role.OFFICE_CHIEF)
    found = [_ids(text_search.search(chief, query), "task") for query in ("xã hoà an", "xã hòa an", "xa hoa an", "XÃ HOÀ AN")]
    assert found == [[texts["other"].id]] * 4
    assert text_search.search(chief, "   ") == {}
    assert _ids(text_search.search(chief, "[*?%_"), "task") == []


def test_search_respects_task_visibility(texts, factories):
    commune_user = factories.user(Role.AGENCY_OFFICER, texts["commune"])
    results = text_search.search(commune_user, "tan binh")
    assert _ids(results, "task") == [texts["in_title"].id]
    assert _ids(results, "report") == []


def test_search_pages_by_keyset(texts, factories):
    chief = factories.user(Role.OFFICE_CHIEF)
    first = text_search.search(chief, "tan binh", kind="task", limit=1)["task"]
    assert len(first[0]) == 1 and first[1] is not None
    second = text_search.search(chief, "tan binh", kind="task", limit=1, after_id=first[1])["task"]
    assert {first[0][0].id, second[0][0].id} == {texts["in_title"].id, texts["in_item"].id} and second[1] is None


def test_search_page(client, texts):
    client.login(texts["officer"])
    html = client.get("/oversight/search?q=tan+binh").get_data(as_text=True)
    assert "Tuyên truyền chủ trương" in html and "Ủy ban nhân dân xã Tân Bình" in html
    assert "Xây dựng hoàn thành 19 tiêu chí" not in html  # the commune's task is not the agency's
    assert client.get("/oversight/search?q=" + "x" * 500).status_code == 200


# --------------------------------------------------------------------------------------------
# Calendar feed
# --------------------------------------------------------------------------------------------


def _token(html: str) -> str:
    import re

    return re.search(r"/oversight/calendar/([A-Za-z0-9_\-]+)\.ics", html).group(1)


def test_calendar_feed_token_is_hashed_and_revocable(client, make_client, factories, travel):
    travel(date(2024, 7, 1))
    btg = factories.org("BTG", name="Ban Tuyên giáo")
    other = factories.org("BTC")
    officer = factories.user(Role.AGENCY_OFFICER, btg)
    mine = factories.task(btg, due=date(2024, 7, 20), title="Hạn của tôi")
    factories.task(btg, due=date(2024, 6, 25), title="Đã quá hạn")
    factories.task(btg, due=date(2024, 7, 5), status=TaskStatus.COMPLETED, completed_on=date(2024, 6, 1), title="Xong rồi")
    factories.task(btg, due=None, kind=TaskKind.CONTINUOUS, title="Thường xuyên")
    factories.task(other, due=date(2024, 7, 10), title="Việc của cơ quan khác")
    client.login(officer)
    html = client.post_form("/oversight/calendar/token", {}).get_data(as_text=True)
    token = _token(html)
    db.session.expire_all()
    assert db.session.get(User, officer.id).calendar_token_hash == token_hash(token)
    assert token not in (db.session.get(User, officer.id).calendar_token_hash or "")

    anonymous = make_client()
    feed = anonymous.get(f"/oversight/calendar/{token}.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(feed.data)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"[Hạn] Hạn của tôi", "[Quá hạn] Đã quá hạn"}
    assert events["[Hạn] Hạn của tôi"].decoded("dtstart") == date(2024, 7, 20)
    assert f"/tasks/{mine.id}" in str(events["[Hạn] Hạn của tôi"]["url"])

    # Re-issuing invalidates the old address; revoking invalidates the new one.
    new_token = _token(client.post_form("/oversight/calendar/token", {}).get_data(as_text=True))
    assert anonymous.get(f"/oversight/calendar/{token}.ics").status_code == 404
    assert anonymous.get(f"/oversight/calendar/{new_token}.ics").status_code == 200
    client.post_form("/oversight/calendar/revoke", {})
    assert anonymous.get(f"/oversight/calendar/{new_token}.ics").status_code == 404
    db.session.expire_all()
    assert db.session.get(User, officer.id).calendar_token_hash is None
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.entity_id == officer.id)).all()
    assert actions.count("calendar_token") == 2 and actions.count("calendar_revoke") == 1


def test_calendar_feed_refuses_unknown_and_deactivated(client, make_client, factories):
    user = factories.user(Role.OFFICE_CHIEF)
    client.login(user)
    token = _token(client.post_form("/oversight/calendar/token", {}).get_data(as_text=True))
    anonymous = make_client()
    assert anonymous.get("/oversight/calendar/not-a-token.ics").status_code == 404
    user = db.session.get(User, user.id)
    user.is_active_account = False
    db.session.commit()
    assert anonymous.get(f"/oversight/calendar/{token}.ics").status_code == 404
    assert anonymous.post("/oversight/calendar/token").status_code in (302, 400)


def test_calendar_management_needs_login_and_csrf(client, factories):
    assert client.get("/oversight/calendar").status_code == 302
    user = factories.user(Role.AGENCY_OFFICER)
    client.login(user)
    assert client.post("/oversight/calendar/token", data={}).status_code in (302, 400)
    db.session.expire_all()
    assert db.session.get(User, user.id).calendar_token_hash is None


# --------------------------------------------------------------------------------------------
# Charts and dashboard partials
# --------------------------------------------------------------------------------------------


@pytest.fixture
def quarter_work(factories, travel):
    travel(date(2024, 8, 20))
    btg = factories.org("BTG", name="Ban Tuyên giáo", order=1)
    btc = factories.org("BTC", name="Ban Tổ chức", order=2)
    factories.task(btg, due=date(2024, 8, 10), status=TaskStatus.COMPLETED, completed_on=date(2024, 8, 1))
    factories.task(btg, due=date(2024, 8, 15), status=TaskStatus.IN_PROGRESS)
    factories.task(btc, due=date(2024, 9, 30), status=TaskStatus.IN_PROGRESS)
    factories.task(btc, due=date(2024, 5, 30), status=TaskStatus.COMPLETED, completed_on=date(2024, 6, 2))
    return {"btg": btg, "btc": btc}


def test_chart_json(client, make_client, quarter_work, factories):
    client.login(factories.user(Role.COMMITTEE))
    completion = client.get("/oversight/charts/completion.json").get_json()
    assert completion["labels"] == ["Ban Tuyên giáo", "Ban Tổ chức"]
    data = {d["key"]: d["data"] for d in completion["datasets"]}
    assert data == {"on_time": [1, 0], "late": [0, 0], "not_completed": [1, 0], "in_progress": [0, 1]}
    trend = client.get("/oversight/charts/trend.json").get_json()
    assert trend["labels"] == ["quý IV/2023", "quý I/2024", "quý II/2024", "quý III/2024"]
    rates = {d["key"]: d["data"] for d in trend["datasets"]}
    assert rates["on_time_rate"] == [None, None, 0.0, 33.33]
    ageing = client.get("/oversight/charts/ageing.json").get_json()
    assert ageing["labels"] == ["Ban Tuyên giáo"] and ageing["datasets"][0]["data"] == [1]
    assert client.get("/oversight/charts/nothing.json").status_code == 404
    assert client.get("/oversight/charts/completion.json?period=bad").status_code == 422

    agency = make_client()
    agency.login(factories.user(Role.AGENCY_OFFICER, quarter_work["btc"]))
    own = agency.get("/oversight/charts/completion.json").get_json()
    assert own["labels"] == ["Ban Tổ chức"]
    assert agency.get("/oversight/charts/ageing.json").status_code == 404
    assert agency.get(f"/oversight/charts/trend.json?agency={quarter_work['btg'].id}").get_json()["title"].endswith("Ban Tổ chức")


def test_dashboard_partials_render(app, quarter_work, factories):
    """The partials lay out what the home page gathered (app.main.home): they run no query themselves."""
    from flask import render_template_string
    from flask_login import login_user

    from app.main.home import home_for

    office = factories.user(Role.OFFICE_CHIEF)
    agency = factories.user(Role.AGENCY_OFFICER, quarter_work["btg"])
    today = today_local()
    with app.test_request_context("/"):
        login_user(office)
        _, context = home_for(office, today)
        html = render_template_string('{% include "oversight/_dashboard_office.html" %}'
                                      '{% include "oversight/_dashboard_committee.html" %}', **context)
        assert 'data-testid="dash-overdue">1<' in html and "chart.umd.min.js" in html and "data-chart-src" in html
    with app.test_request_context("/"):
        login_user(agency)
        _, context = home_for(agency, today)
        html = render_template_string('{% include "oversight/_dashboard_agency.html" %}', **context)
        assert 'data-category="not_completed">1<' in html and 'data-category="on_time">1<' in html
