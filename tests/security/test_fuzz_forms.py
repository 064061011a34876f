"""Fuzzing every web form (every POST route): Hypothesis-generated bodies, 0 server errors.

Each POST route is posted by a user who may use it, with the fields its page really shows (read
from the rendered form: names, current values, select options) mixed with hostile values, missing
fields, unknown fields, random file uploads and now and then a forged CSRF token. Every answer must
be below 500. All forms together are one family of at least :data:`~tests.security.fuzzing.FAMILY_CASES`
cases, shared equally by the routes (``FUZZ_SCALE`` multiplies them for longer runs); they are run
in groups, one per blueprint, each on a district of its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import url_for
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from app.core.enums import Role
from app.core.permissions import PERMISSIONS
from tests.security.fuzzing import (
    assert_reports_build,
    examples_per_endpoint,
    form_data,
    hostile_text,
    post_forms,
)
from tests.security.world import PERIOD_CODE, World, build_world

#: Form handling (parsing, validation, CSRF, templates) is the same on either database: SQLite pass only.
pytestmark = pytest.mark.once

SEED = 20261124
#: Who posts: the first of these roles that holds the route's permission.
ACTOR_PREFERENCE = (Role.AGENCY_OFFICER, Role.OFFICE, Role.ADMIN, Role.COMMITTEE)


@dataclass
class Targets:
    """The objects the fuzzed forms point at, made once per family."""

    w: World
    task: object
    report: object
    extension: object
    explanation: object
    period_report: object
    spare_directive: object
    spare_meeting: object
    spare_task: object
    spare_file: object
    override: object
    attention: object
    other_session: object


def _targets(w: World) -> Targets:
    task = w.task("own")
    spare_task = w.task("own")
    return Targets(
        w=w, task=task, report=w.pending_report("own"), extension=w.extension("own"), explanation=w.explanation("own"),
        period_report=w.period_report(), spare_directive=w.new_directive("issued"), spare_meeting=w.new_meeting(),
        spare_task=spare_task, spare_file=w.directive_file("issued"), override=w.workday_override(),
        attention=w.attention_reminder(), other_session=w.session_of(w.user(Role.AGENCY_OFFICER)),
    )


def _item(t: Targets) -> dict:
    return {"directive_id": t.task.directive_id, "task_id": t.task.id, "item_id": t.task.items[0].id}


#: POST endpoint → URL values. Destructive routes point at spare objects, so the others keep theirs.
POST_TARGETS: dict[str, Callable[[Targets], dict]] = {
    "auth.login": lambda t: {},
    "auth.logout": lambda t: {},
    "auth.profile": lambda t: {},
    "auth.api_token": lambda t: {},
    "auth.revoke_other_session": lambda t: {"session_id": t.other_session.id},
    "main.notifications": lambda t: {},
    "main.set_language": lambda t: {"code": "en"},
    "admin.organisation_form": lambda t: {"org_id": t.w.own.id},
    "admin.user_form": lambda t: {"user_id": t.w.other_officer.id},
    "admin.import_organisations": lambda t: {},
    "admin.import_users": lambda t: {},
    "admin.invite_user": lambda t: {"user_id": t.w.other_officer.id},
    "admin.send_reset_link": lambda t: {"user_id": t.w.other_officer.id},
    "auth.change_password": lambda t: {},
    "auth.forgot_password": lambda t: {},
    "auth.set_password": lambda t: {"token": "khong-ton-tai"},
    "tasks.edit": lambda t: {"task_id": t.task.id},
    "directives.create": lambda t: {},
    "directives.edit": lambda t: {"directive_id": t.w.directive.id},
    "directives.delete": lambda t: {"directive_id": t.spare_directive.id},
    "directives.upload_attachments": lambda t: {"directive_id": t.w.directive.id},
    "directives.delete_attachment": lambda t: {"directive_id": t.spare_file.directive_id, "attachment_id": t.spare_file.id},
    "directives.import_new": lambda t: {},
    "directives.import_into": lambda t: {"directive_id": t.w.directive.id},
    "directives.new_task": lambda t: {"directive_id": t.w.directive.id},
    "directives.edit_task": lambda t: {"directive_id": t.task.directive_id, "task_id": t.task.id},
    "directives.delete_task": lambda t: {"directive_id": t.spare_task.directive_id, "task_id": t.spare_task.id},
    "directives.move_task": lambda t: {"directive_id": t.task.directive_id, "task_id": t.task.id},
    "directives.generate_occurrences": lambda t: {"directive_id": t.task.directive_id, "task_id": t.task.id},
    "directives.move_item": _item,
    "directives.delete_item": lambda t: {"directive_id": t.spare_task.directive_id, "task_id": t.spare_task.id,
                                         "item_id": t.spare_task.items[0].id},
    "directives.new_meeting": lambda t: {},
    "directives.edit_meeting": lambda t: {"meeting_id": t.w.meeting.id},
    "directives.delete_meeting": lambda t: {"meeting_id": t.spare_meeting.id},
    "progress.report": lambda t: {"task_id": t.task.id},
    "progress.request_extension": lambda t: {"task_id": t.task.id},
    "progress.confirm": lambda t: {"report_id": t.report.id},
    "progress.return_report": lambda t: {"report_id": t.report.id},
    "progress.decide_extension": lambda t: {"request_id": t.extension.id},
    "oversight.remind": lambda t: {"task_id": t.task.id},
    "oversight.request_explanation": lambda t: {"task_id": t.task.id},
    "oversight.return_completion": lambda t: {"report_id": t.report.id},
    "oversight.answer_explanation": lambda t: {"request_id": t.explanation.id},
    "oversight.calendar_token": lambda t: {},
    "oversight.calendar_revoke": lambda t: {},
    "reminders.settings": lambda t: {},
    "reminders.workdays_index": lambda t: {},
    "reminders.workday_edit": lambda t: {"override_id": t.override.id},
    "reminders.workday_delete": lambda t: {"override_id": t.override.id},
    "reminders.resolve": lambda t: {"log_id": t.attention.id, "action": "resend"},
    "reports.create": lambda t: {},
    "reports.save": lambda t: {"report_id": t.period_report.id},
    "reports.regenerate": lambda t: {"report_id": t.period_report.id},
    "reports.freeze": lambda t: {"report_id": t.period_report.id},
    "reports.carry_over": lambda t: {"report_id": t.period_report.id},
    "reports.agency_input": lambda t: {"period_code": PERIOD_CODE},
}
#: Destructive routes run last in their family.
LAST = {"auth.logout", "directives.delete", "directives.delete_task", "directives.delete_item",
        "directives.delete_meeting", "directives.delete_attachment", "reminders.workday_delete"}


def _host_pages(t: Targets) -> list[str]:
    """Pages whose forms post to the routes above (read to learn each form's fields)."""
    task, directive = t.task, t.w.directive
    return ["/", "/profile", "/notifications", f"/tasks/{task.id}", f"/directives/{directive.id}",
            f"/directives/{directive.id}/tasks", f"/directives/meetings/{t.spare_meeting.id}",
            f"/oversight/tasks/{task.id}/actions", "/oversight/explanations", "/oversight/calendar",
            "/progress/reviews", "/progress/extensions", "/reminders/attention", "/reminders/workdays", "/reports/",
            f"/reports/{t.period_report.id}", f"/directives/{t.spare_file.directive_id}"]


def _post_endpoints(app) -> dict[str, object]:
    """Non-API endpoints that accept POST → their URL rule (the first, for forms with two rules)."""
    found = {}
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.endpoint.startswith("api."):
            found.setdefault(rule.endpoint, rule)
    return found


def _families(app) -> dict[str, list[str]]:
    families: dict[str, list[str]] = {}
    for endpoint in sorted(_post_endpoints(app), key=lambda e: (e in LAST, e)):
        families.setdefault(endpoint.split(".")[0], []).append(endpoint)
    return families


def _collect_families():
    from app import create_app
    from config import TestingConfig

    return _families(create_app(TestingConfig))


FAMILIES = _collect_families()


def test_every_post_route_has_a_fuzz_target(app):
    missing = sorted(set(_post_endpoints(app)) - set(POST_TARGETS))
    assert missing == [], "POST routes the form fuzzer does not know how to reach"


def _actor(app, endpoint: str) -> Role:
    permission = getattr(app.view_functions[endpoint], "permission", None)
    if permission is None:
        return Role.AGENCY_OFFICER
    return next(role for role in ACTOR_PREFERENCE if role in PERMISSIONS[permission])


def _discover(clients: dict, t: Targets) -> dict[Role, dict[str, dict]]:
    forms: dict[Role, dict[str, dict]] = {}
    for role, client in clients.items():
        found: dict[str, dict] = {}
        for page in _host_pages(t):
            response = client.get(page)
            if response.status_code == 200 and response.mimetype == "text/html":
                for action, fields in post_forms(response.get_data(as_text=True), page).items():
                    found.setdefault(action, {}).update(fields)
        forms[role] = found
    return forms


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_fuzz_forms(app, make_client, family):
    endpoints = FAMILIES[family]
    unknown = [e for e in endpoints if e not in POST_TARGETS]
    assert unknown == [], "POST routes without a fuzz target"
    w = build_world()
    t = _targets(w)
    actors = {endpoint: _actor(app, endpoint) for endpoint in endpoints}
    clients = {}
    for role in set(actors.values()):
        clients[role] = make_client()
        clients[role].login(w.user(role))
    discovered = _discover(clients, t)
    per_endpoint = examples_per_endpoint(sum(len(group) for group in FAMILIES.values()))
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    total = 0
    for endpoint in endpoints:
        role = actors[endpoint]
        with app.test_request_context():
            url = url_for(endpoint, **POST_TARGETS[endpoint](t))
        client = make_client()
        client.login(w.user(role))
        fields = dict(discovered[role].get(url.split("?")[0], {}))
        if not fields:
            page = client.get(url)  # a GET+POST route shows its own form
            if page.status_code == 200 and page.mimetype == "text/html":
                fields = post_forms(page.get_data(as_text=True), url).get(url.split("?")[0], {})
        token = client.csrf_token("/")
        total += _fuzz_endpoint(client, url, fields, token, per_endpoint, statuses, failures)
    summary = f"{family}: {total} cases over {len(endpoints)} forms, statuses {dict(sorted(statuses.items()))}"
    print(summary)
    assert failures == [], summary + "\n" + "\n".join(failures[:20])
    assert total >= per_endpoint * len(endpoints), summary
    assert sum(n for status, n in statuses.items() if status < 400) > 0, "no fuzzed form was ever accepted"
    assert_reports_build(PERIOD_CODE)


def test_the_form_family_reaches_the_issue_number():
    assert examples_per_endpoint(sum(len(group) for group in FAMILIES.values())) * sum(
        len(group) for group in FAMILIES.values()) >= 1000


def _fuzz_endpoint(client, url: str, fields: dict, token: str, examples: int, statuses: Counter,
                   failures: list[str]) -> int:
    count = 0

    @seed(SEED)
    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(data=form_data(fields), forged=st.integers(0, 19), bad_token=hostile_text())
    def post(data, forged, bad_token):
        nonlocal count
        count += 1
        body = dict(data)
        body["csrf_token"] = bad_token if forged == 0 else token
        response = client.post(url, data=body, content_type="multipart/form-data")
        statuses[response.status_code] += 1
        if response.status_code >= 500 and len(failures) < 50:
            failures.append(f"POST {url} → {response.status_code} with {_shorten(body)}")

    post()
    return count


def _shorten(body: dict) -> str:
    shown = {}
    for key, value in body.items():
        text = repr(value)
        shown[key[:30]] = text[:80] + ("…" if len(text) > 80 else "")
    return str(shown)
