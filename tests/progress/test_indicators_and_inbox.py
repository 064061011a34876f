"""Indicator figures in reports (percentages computed, never typed; printed ones checked; totals sum
numerators and denominators) and the agency inbox (grouped by due, searched, filtered)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
import time_machine

from app.core.clock import today_local
from app.core.enums import Role, TaskKind, TaskStatus
from app.extensions import db
from app.models import Indicator, IndicatorValue
from tests.progress.helpers import count, fresh, report_payload


def _indicator(org, task=None, **kw) -> Indicator:
    defaults = {"year": 2024, "code": "01", "phrase": "Tổ chức kết nạp mới", "unit": "đảng viên"}
    defaults.update(kw)
    indicator = Indicator(organisation_id=org.id if org else None, task_id=task.id if task else None, **defaults)
    db.session.add(indicator)
    db.session.commit()
    return indicator


def _figures(*rows) -> dict:
    data = {}
    for i, (indicator, actual, base, printed) in enumerate(rows):
        data.update({f"figures-{i}-indicator_id": str(indicator.id), f"figures-{i}-actual": actual,
                     f"figures-{i}-base": base, f"figures-{i}-printed_percent": printed})
    return data


@time_machine.travel(date(2024, 6, 20), tick=False)
def test_figures_are_counts_and_the_percentage_is_computed(client, world, factories):
    task = factories.task(world.lead, due=date(2024, 12, 31))
    members = _indicator(world.lead, task, target=Decimal(158))
    households = _indicator(world.lead, task, code="02", phrase="Vận động, tập hợp", unit="hộ",
                            target_rate=Decimal("82.41"), base_label="số hộ")
    client.login(world.officer)
    form = client.get(f"/progress/tasks/{task.id}/report").get_data(as_text=True)
    assert "Tổ chức kết nạp mới" in form and "82,41%" in form and "158" in form
    assert "Tỷ lệ % do hệ thống tự tính" in form
    payload = report_payload(1, **_figures((members, "112", "", "70,87"), (households, "43.140", "50.652", "")))
    response = client.post_form(f"/progress/tasks/{task.id}/report", payload, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "112/158 đảng viên, đạt 70,89% chỉ tiêu." in page
    assert "43.140/50.652 hộ, chiếm 85,17/82,41% số hộ, đạt 103,35% chỉ tiêu." in page
    # The agency's own print (70,87%) is kept and the disagreement shown, never used.
    assert "Tỷ lệ in 70,87% không khớp với số liệu (tính được 70,89%)." in page
    value = db.session.scalar(sa.select(IndicatorValue).where(IndicatorValue.indicator_id == members.id))
    assert (value.actual, value.printed_percent, value.as_of) == (112, Decimal("70.87"), date(2024, 6, 20))
    assert value.entered_by_id == world.officer.id and value.progress_report_id is not None
    rate = db.session.scalar(sa.select(IndicatorValue).where(IndicatorValue.indicator_id == households.id))
    assert (rate.actual, rate.base) == (43140, 50652)


@time_machine.travel(date(2024, 6, 20), tick=False)
def test_truncated_print_is_flagged_as_such(client, world, factories):
    task = factories.task(world.lead, due=date(2024, 12, 31))
    indicator = _indicator(world.lead, task, target=Decimal(57), phrase="Đảng bộ hoàn thành tốt nhiệm vụ")
    client.login(world.officer)
    client.post_form(f"/progress/tasks/{task.id}/report", report_payload(1, **_figures((indicator, "56", "", "98,24%"))))
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Tỷ lệ in 98,24% là số cắt bỏ; làm tròn đúng là 98,25%." in page


@time_machine.travel(date(2024, 6, 20), tick=False)
def test_bad_figures_are_refused_and_nothing_saved(client, world, factories):
    task = factories.task(world.lead, due=date(2024, 12, 31))
    members = _indicator(world.lead, task, target=Decimal(158))
    rate = _indicator(world.lead, task, code="02", target_rate=Decimal("82.41"))
    foreign = _indicator(world.other, None, code="09")
    client.login(world.officer)
    url = f"/progress/tasks/{task.id}/report"
    for figures in (
        _figures((members, "5.15", "", "")),  # not a Vietnamese number (bad grouping)
        _figures((members, "-3", "", "")),
        _figures((rate, "43.140", "", "")),  # rate indicator without its base
        _figures((rate, "60.000", "50.652", "")),  # more than the base
        _figures((members, "", "", "70,87")),  # a percentage without the count
        _figures((foreign, "4", "", "")),  # another agency's indicator
    ):
        response = client.post_form(url, report_payload(1, **figures))
        assert response.status_code == 422, figures
    assert count(IndicatorValue) == 0 and fresh(type(task), task.id).version_id == 1


@time_machine.travel(date(2024, 6, 20), tick=False)
def test_district_total_sums_numerators_and_denominators(client, make_client, world, factories):
    commune_a = factories.org("XA", name="Đảng bộ xã Hòa An")
    commune_b = factories.org("XB", name="Đảng bộ xã Phương Bình")
    task_a = factories.task(commune_a, due=date(2024, 12, 31))
    task_b = factories.task(commune_b, due=date(2024, 12, 31))
    ind_a = _indicator(commune_a, task_a, code="05", target=Decimal(2))
    ind_b = _indicator(commune_b, task_b, code="05", target=Decimal(100))
    for org, task, indicator, actual in ((commune_a, task_a, ind_a, "1"), (commune_b, task_b, ind_b, "99")):
        agency = make_client()
        agency.login(factories.user(Role.AGENCY_OFFICER, org))
        assert agency.post_form(f"/progress/tasks/{task.id}/report",
                                report_payload(1, **_figures((indicator, actual, "", "")))).status_code == 302
    client.login(world.office)
    page = client.get("/progress/indicators?year=2024").get_data(as_text=True)
    assert "01/2 đảng viên, đạt 50% chỉ tiêu." in page and "99/100 đảng viên, đạt 99% chỉ tiêu." in page
    # 100/102 = 98,04%, not the 74,5% an average of percentages would give.
    assert "100/102 đảng viên, đạt 98,04% chỉ tiêu." in page and "74,5" not in page
    # An agency sees only its own indicators, without a district total.
    agency = make_client()
    agency.login(factories.user(Role.AGENCY_HEAD, commune_a))
    own = agency.get("/progress/indicators?year=2024").get_data(as_text=True)
    assert "01/2 đảng viên" in own and "99/100" not in own and "Tổng cộng" not in own


@time_machine.travel(date(2024, 6, 19), tick=False)  # a Wednesday: the week ends Sunday 23/6
def test_inbox_groups_lead_and_coordinator_tasks_by_due(client, world, factories):
    overdue = factories.task(world.lead, due=date(2024, 6, 10), title="Tổng kết 15 năm Chỉ thị 38")
    this_week = factories.task(world.lead, due=date(2024, 6, 23), title="Báo cáo sơ kết 6 tháng")
    later = factories.task(world.other, coordinators=[world.lead], due=date(2024, 9, 30), title="Kiểm tra chuyên đề")
    continuous = factories.task(world.lead, kind=TaskKind.CONTINUOUS, due=None, title="Duy trì mô hình Dân vận khéo")
    done = factories.task(world.lead, due=date(2024, 5, 31), status=TaskStatus.COMPLETED, title="Việc đã xong")
    not_ours = factories.task(world.other, due=date(2024, 6, 20), title="Việc của cơ quan khác")
    client.login(world.officer)
    page = client.get("/progress/inbox").get_data(as_text=True)

    def group_of(task_id):
        marker = f'data-task-id="{task_id}"'
        if marker not in page:
            return None
        before = page[: page.index(marker)]
        return before[before.rindex('data-group="') + 12:].split('"')[0]

    assert group_of(overdue.id) == "overdue"
    assert group_of(this_week.id) == "this_week"
    assert group_of(later.id) == "later"
    assert group_of(continuous.id) == "continuous"
    assert group_of(world.task.id) == "later"
    assert group_of(done.id) is None and group_of(not_ours.id) is None
    assert f'href="/progress/tasks/{overdue.id}/report"' in page  # one click to report
    assert 'data-role="coordinator"' in page

    search = client.get("/progress/inbox?q=tong ket").get_data(as_text=True)  # without diacritics
    assert f'data-task-id="{overdue.id}"' in search and f'data-task-id="{this_week.id}"' not in search
    coordinating = client.get("/progress/inbox?role=coordinator").get_data(as_text=True)
    assert f'data-task-id="{later.id}"' in coordinating and f'data-task-id="{overdue.id}"' not in coordinating
    with_done = client.get("/progress/inbox?completed=y").get_data(as_text=True)
    assert f'data-task-id="{done.id}"' in with_done
    by_status = client.get("/progress/inbox?status=completed").get_data(as_text=True)
    assert f'data-task-id="{done.id}"' in by_status and f'data-task-id="{overdue.id}"' not in by_status


def test_inbox_agency_picker_only_for_oversight_roles(client, make_client, world, factories):
    other_task = factories.task(world.other, due=today_local() + timedelta(days=3))
    client.login(world.officer)
    # An agency cannot open another agency's inbox by changing the URL: it gets its own.
    page = client.get(f"/progress/inbox?agency={world.other.id}").get_data(as_text=True)
    assert world.lead.name in page and f'data-task-id="{other_task.id}"' not in page
    office = make_client()
    office.login(world.chief)
    page = office.get(f"/progress/inbox?agency={world.other.id}").get_data(as_text=True)
    assert f'data-task-id="{other_task.id}"' in page


def _inbox_ids(page: str, group: str) -> list[int]:
    section = page.split(f'data-group="{group}"', 1)[1].split("</section>", 1)[0]
    return [int(x) for x in re.findall(r'<tr data-task-id="(\d+)"', section)]


@time_machine.travel(date(2024, 6, 19), tick=False)
def test_inbox_shows_each_groups_first_page_and_pages_one_group_by_keyset(client, world, factories, monkeypatch):
    from app.progress import inbox

    monkeypatch.setattr(inbox, "INBOX_PAGE_SIZE", 3)
    # Seven overdue tasks, two with the same due date (the keyset breaks the tie by id).
    dues = [date(2024, 5, d) for d in (2, 3, 3, 10, 20, 28, 30)]
    late = [factories.task(world.lead, due=d, title=f"Việc trễ {i}") for i, d in enumerate(dues)]
    client.login(world.officer)
    page = client.get("/progress/inbox?q=viec tre").get_data(as_text=True)
    assert _inbox_ids(page, "overdue") == [t.id for t in late[:3]]
    assert 'data-testid="count-overdue">7<' in page
    more = re.search(r'data-testid="more-overdue" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "group=overdue" in more and "q=viec+tre" in more

    seen, url = [], more
    while url:
        group_page = client.get(url).get_data(as_text=True)
        assert 'data-group="later"' not in group_page  # one group alone
        seen += _inbox_ids(group_page, "overdue")
        link = re.search(r'rel="next" data-testid="next-page" href="([^"]+)"', group_page)
        url = link.group(1).replace("&amp;", "&") if link else None
    assert seen == [t.id for t in late]  # every task once, in due order

    # A cursor that is not one starts at the first page; an unknown group shows every group.
    assert _inbox_ids(client.get("/progress/inbox?group=overdue&after=x.y&q=viec tre").get_data(as_text=True),
                      "overdue") == [t.id for t in late[:3]]
    assert 'data-group="later"' in client.get("/progress/inbox?group=nope").get_data(as_text=True)
    # Links keep only the inbox's own filters (url_for's _scheme/_external never reach it).
    assert client.get("/progress/inbox?_scheme=javascript&_external=1&q=viec").status_code == 200


def test_inbox_search_finds_the_directive_number_and_ignores_diacritics(client, world, factories):
    numbered = factories.directive(number="198")
    task = factories.task(world.lead, directive_=numbered, due=today_local() + timedelta(days=40),
                          title="Sơ kết công tác dân vận khéo")
    client.login(world.officer)
    for query in ("198-TB", "dan van kheo", "DÂN VẬN"):
        page = client.get(f"/progress/inbox?q={query}").get_data(as_text=True)
        assert f'data-task-id="{task.id}"' in page, query
        assert f'data-task-id="{world.task.id}"' not in page, query
    # Words must start words: "an" does not find "dân".
    assert f'data-task-id="{task.id}"' not in client.get("/progress/inbox?q=an").get_data(as_text=True)


def test_only_a_role_with_an_inbox_of_its_own_is_led_back_to_it(make_client, world):
    """The menu entry and the task page's breadcrumb ask the declared permission "agency.own"."""
    inbox_link = 'href="/progress/inbox"'
    for user, has_inbox in ((world.officer, True), (world.head, True), (world.office, False), (world.admin, False)):
        browser = make_client()
        browser.login(user)
        home = browser.get("/").get_data(as_text=True)
        task_page = browser.get(f"/tasks/{world.task.id}").get_data(as_text=True)
        assert (inbox_link in home, 'data-testid="breadcrumb-inbox"' in task_page) == (has_inbox, has_inbox), user.role
