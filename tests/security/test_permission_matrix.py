"""The permission matrix: every route (web and API) × every role × own vs other organisation.

One declared table, :data:`ROUTES`, says for each URL rule which permission of
``app.core.permissions.PERMISSIONS`` guards it and which objects it can be pointed at ("variants":
the own agency's task and another agency's, an issued notice and a draft, …), each with the
object-level rule of who may see it. The expected outcome of every case follows from the two:

    allowed  ⇔  role ∈ PERMISSIONS[permission]  and  variant.visible(role)

and the test checks the real answer: a refused request gets 403 or 404 (401 from the API) and
changes nothing in the database; an allowed one gets neither 401/403/404 nor a server error, and an
agency user never sees another agency's text in it. A route missing from the table fails the test,
so a new route must be declared here before it can land.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from flask import url_for

from app.auth.services import issue_api_token
from app.core.enums import AGENCY_ROLES, OVERSIGHT_ROLES, Role
from app.core.permissions import PERMISSIONS, PUBLIC_ENDPOINTS
from app.extensions import db
from tests.security.world import PERIOD_CODE, ROLES, SECRET, World, build_world, table_fingerprint

SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def everyone(role: Role) -> bool:
    return True


def oversight_only(role: Role) -> bool:
    """Object-level rule: only roles that follow every agency's work (agencies get 404)."""
    return role in OVERSIGHT_ROLES


def nobody(role: Role) -> bool:
    return False


@dataclass(frozen=True)
class Variant:
    """One object a route is pointed at: URL values (path and query), the body, who may see it."""

    values: Callable[[World, Role], dict]
    visible: Callable[[Role], bool] = everyone
    body: Callable[[World, Role], dict] | None = None


@dataclass(frozen=True)
class Route:
    endpoint: str
    #: The permission the route must declare (None: on the public allow-list).
    permission: str | None
    variants: dict[str, Variant] = field(default_factory=dict)
    #: Objects (and a browser) of its own for each role: the route ends the session or is per-user.
    fresh_per_role: bool = False

    @property
    def is_api(self) -> bool:
        return self.endpoint.startswith("api.")


def none(w: World, role: Role) -> dict:
    return {}


def single(values: Callable[[World, Role], dict] = none, body=None) -> dict[str, Variant]:
    return {"-": Variant(values, everyone, body)}


def per_task(values: Callable[[World, object], dict], make: Callable[[World, str], object] | None = None,
             body=None, *, drafts: bool = True) -> dict[str, Variant]:
    """The own agency's object, the other agency's and the own agency's under a draft notice:
    oversight roles see all three, agencies only their own under an issued notice."""
    make = make or (lambda w, scope: w.task(scope))
    variants = {
        "own": Variant(lambda w, role: values(w, make(w, "own")), everyone, body),
        "other": Variant(lambda w, role: values(w, make(w, "other")), oversight_only, body),
    }
    if drafts:
        variants["draft"] = Variant(lambda w, role: values(w, make(w, "draft")), oversight_only, body)
    return variants


def per_directive(values: Callable[[World, object], dict], make=None, body=None) -> dict[str, Variant]:
    """An issued notice (everyone) and a draft (not disclosed to agencies)."""
    make = make or (lambda w, variant: w.directive_of(variant))
    return {
        "issued": Variant(lambda w, role: values(w, make(w, "issued")), everyone, body),
        "draft": Variant(lambda w, role: values(w, make(w, "draft")), oversight_only, body),
    }


def task_in_directive(w: World, scope: str):
    return w.task(scope)


def _task_path(w: World, task) -> dict:
    return {"directive_id": task.directive_id, "task_id": task.id}


def _item_path(w: World, task) -> dict:
    return {"directive_id": task.directive_id, "task_id": task.id, "item_id": task.items[0].id}


def breakdown_variants(values) -> dict[str, Variant]:
    """Task-breakdown routes: a task of an issued notice and one of a draft notice."""
    return {
        "issued": Variant(lambda w, role: values(w, w.task("own")), everyone),
        "draft": Variant(lambda w, role: values(w, w.task("own", directive=w.new_directive("draft"))), oversight_only),
    }


REPORT_BODY = {"status": "in_progress", "progress_percent": "40", "result_text": "Đã triển khai."}
API_REPORT = {"status": "in_progress", "progress_percent": 40, "result_text": "Đã triển khai qua API."}

#: The one declared table: URL rule → endpoint, permission, variants.
ROUTES: dict[str, Route] = {
    # ---- public ------------------------------------------------------------------------------
    "/login": Route("auth.login", None, single()),
    "/healthz": Route("main.health", None, single()),
    "/password/forgot": Route("auth.forgot_password", None, single()),
    "/password/set/<token>": Route("auth.set_password", None, {
        "unknown": Variant(lambda w, r: {"token": "khong-ton-tai"}, nobody),
    }),
    "/static/<path:filename>": Route("static", None, single(lambda w, r: {"filename": "css/app.css"})),
    "/lang/<code>": Route("main.set_language", None, single(lambda w, r: {"code": "en"})),
    "/api/v1/openapi.json": Route("api.openapi", None, single()),
    "/oversight/calendar/<token>.ics": Route("oversight.calendar_feed", None, {
        "valid": Variant(lambda w, r: {"token": w.calendar_token(w.user(Role.AGENCY_OFFICER))}),
        "unknown": Variant(lambda w, r: {"token": "khong-ton-tai"}, nobody),
    }),
    # ---- main, accounts ----------------------------------------------------------------------
    "/": Route("main.home", "home", single()),
    "/notifications": Route("main.notifications", "profile", single()),
    "/profile": Route("auth.profile", "profile", single()),
    "/profile/api-token": Route("auth.api_token", "profile", single()),
    "/password/change": Route("auth.change_password", "profile", single()),
    "/logout": Route("auth.logout", "profile", single(), fresh_per_role=True),
    "/profile/sessions/<int:session_id>/revoke": Route("auth.revoke_other_session", "profile", {
        "own": Variant(lambda w, role: {"session_id": w.session_of(w.user(role)).id}),
        "other": Variant(lambda w, role: {"session_id": w.session_of(w.other_officer).id}, nobody),
    }, fresh_per_role=True),
    # ---- admin -------------------------------------------------------------------------------
    "/admin/audit": Route("admin.audit_log", "audit.view", single()),
    "/admin/organisations": Route("admin.organisations", "admin.organisations", single()),
    "/admin/organisations/new": Route("admin.organisation_form", "admin.organisations", single()),
    "/admin/organisations/<int:org_id>": Route("admin.organisation_form", "admin.organisations",
                                               single(lambda w, r: {"org_id": w.other.id})),
    "/admin/users": Route("admin.users", "admin.users", single()),
    "/admin/organisations/import": Route("admin.import_organisations", "admin.organisations", single()),
    "/admin/organisations/template.<any(csv,xlsx):fmt>": Route("admin.organisations_template", "admin.organisations",
                                                                single(lambda w, r: {"fmt": "xlsx"})),
    "/admin/organisations/export.<any(csv,xlsx):fmt>": Route("admin.export_organisations", "admin.organisations",
                                                              single(lambda w, r: {"fmt": "csv"})),
    "/admin/users/import": Route("admin.import_users", "admin.users", single()),
    "/admin/users/template.<any(csv,xlsx):fmt>": Route("admin.users_template", "admin.users",
                                                        single(lambda w, r: {"fmt": "csv"})),
    "/admin/users/<int:user_id>/invite": Route("admin.invite_user", "admin.users",
                                               single(lambda w, r: {"user_id": w.other_officer.id})),
    "/admin/users/<int:user_id>/reset": Route("admin.send_reset_link", "admin.users",
                                              single(lambda w, r: {"user_id": w.other_officer.id})),
    "/admin/users/new": Route("admin.user_form", "admin.users", single()),
    "/admin/users/<int:user_id>": Route("admin.user_form", "admin.users",
                                        single(lambda w, r: {"user_id": w.other_officer.id})),
    # ---- tasks -------------------------------------------------------------------------------
    "/tasks/": Route("tasks.index", "task.list", single()),
    "/tasks/<int:task_id>": Route("tasks.detail", "task.view", per_task(lambda w, t: {"task_id": t.id})),
    "/tasks/<int:task_id>/edit": Route("tasks.edit", "task.edit", per_task(lambda w, t: {"task_id": t.id})),
    # ---- directives and meetings -------------------------------------------------------------
    "/directives/": Route("directives.index", "directive.view", {
        "-": Variant(none),
        # Naming the draft notice by its symbol or its words finds nothing for an agency.
        "draft-symbol": Variant(lambda w, r: {"q": "199-TB/HU"}),
        "draft-words": Variant(lambda w, r: {"q": "Dự thảo kết luận"}),
    }),
    "/directives/new": Route("directives.create", "directive.edit", single()),
    "/directives/import": Route("directives.import_new", "directive.edit", single()),
    "/directives/next-number": Route("directives.next_number", "directive.edit",
                                     single(lambda w, r: {"issuer": "HU", "type": "TB"})),
    "/directives/references": Route("directives.references", "directive.view", {
        "issued": Variant(lambda w, r: {"q": "Thông báo số 198-TB/HU"}),
        "draft": Variant(lambda w, r: {"q": "Thông báo số 199-TB/HU"}),
    }),
    "/directives/<int:directive_id>": Route("directives.detail", "directive.view",
                                            per_directive(lambda w, d: {"directive_id": d.id})),
    "/directives/<int:directive_id>/edit": Route("directives.edit", "directive.edit",
                                                 per_directive(lambda w, d: {"directive_id": d.id})),
    "/directives/<int:directive_id>/delete": Route(
        "directives.delete", "directive.edit",
        per_directive(lambda w, d: {"directive_id": d.id}, make=lambda w, v: w.new_directive(v))),
    "/directives/<int:directive_id>/attachments": Route("directives.upload_attachments", "directive.edit",
                                                        per_directive(lambda w, d: {"directive_id": d.id})),
    "/directives/<int:directive_id>/attachments/<int:attachment_id>/delete": Route(
        "directives.delete_attachment", "directive.edit",
        per_directive(lambda w, a: {"directive_id": a.directive_id, "attachment_id": a.id},
                      make=lambda w, v: w.directive_file(v))),
    "/directives/attachments/<int:attachment_id>": Route(
        "directives.attachment", "directive.view",
        per_directive(lambda w, a: {"attachment_id": a.id}, make=lambda w, v: w.directive_file(v))),
    "/directives/<int:directive_id>/import": Route("directives.import_into", "directive.edit",
                                                   per_directive(lambda w, d: {"directive_id": d.id})),
    "/directives/<int:directive_id>/tasks": Route("directives.breakdown", "task.edit",
                                                  per_directive(lambda w, d: {"directive_id": d.id})),
    "/directives/<int:directive_id>/tasks/new": Route("directives.new_task", "task.edit",
                                                      per_directive(lambda w, d: {"directive_id": d.id})),
    "/directives/<int:directive_id>/tasks/<int:task_id>/edit": Route("directives.edit_task", "task.edit",
                                                                     breakdown_variants(_task_path)),
    "/directives/<int:directive_id>/tasks/<int:task_id>/delete": Route("directives.delete_task", "task.edit",
                                                                       breakdown_variants(_task_path)),
    "/directives/<int:directive_id>/tasks/<int:task_id>/move": Route("directives.move_task", "task.edit",
                                                                     breakdown_variants(_task_path)),
    "/directives/<int:directive_id>/tasks/<int:task_id>/occurrences": Route(
        "directives.generate_occurrences", "task.edit", breakdown_variants(_task_path)),
    "/directives/<int:directive_id>/tasks/<int:task_id>/items/<int:item_id>/move": Route(
        "directives.move_item", "task.edit", breakdown_variants(_item_path)),
    "/directives/<int:directive_id>/tasks/<int:task_id>/items/<int:item_id>/delete": Route(
        "directives.delete_item", "task.edit", breakdown_variants(_item_path)),
    "/directives/meetings/": Route("directives.meetings", "directive.view", single()),
    "/directives/meetings/new": Route("directives.new_meeting", "meeting.edit", single()),
    "/directives/meetings/<int:meeting_id>": Route("directives.meeting", "directive.view",
                                                   single(lambda w, r: {"meeting_id": w.meeting.id})),
    "/directives/meetings/<int:meeting_id>/edit": Route("directives.edit_meeting", "meeting.edit",
                                                        single(lambda w, r: {"meeting_id": w.meeting.id})),
    "/directives/meetings/<int:meeting_id>/delete": Route("directives.delete_meeting", "meeting.edit",
                                                          single(lambda w, r: {"meeting_id": w.new_meeting().id})),
    # ---- progress ----------------------------------------------------------------------------
    "/progress/inbox": Route("progress.inbox", "progress.inbox", {
        "own": Variant(none),
        # An agency asking for another agency's inbox gets its own (never the other's tasks).
        "other": Variant(lambda w, r: {"agency": w.other.id}),
    }),
    "/progress/indicators": Route("progress.indicators", "indicator.view", single()),
    "/progress/reviews": Route("progress.reviews", "completion.review", single()),
    "/progress/extensions": Route("progress.extensions", "extension.decide", single()),
    "/progress/tasks/<int:task_id>/report": Route("progress.report", "progress.report",
                                                  per_task(lambda w, t: {"task_id": t.id},
                                                           body=lambda w, r: dict(REPORT_BODY))),
    "/progress/tasks/<int:task_id>/extension": Route("progress.request_extension", "extension.request",
                                                     per_task(lambda w, t: {"task_id": t.id})),
    "/progress/reports/<int:report_id>/confirm": Route(
        "progress.confirm", "completion.review",
        per_task(lambda w, rep: {"report_id": rep.id}, make=lambda w, s: w.pending_report(s))),
    "/progress/reports/<int:report_id>/return": Route(
        "progress.return_report", "completion.review",
        per_task(lambda w, rep: {"report_id": rep.id}, make=lambda w, s: w.pending_report(s),
                 body=lambda w, r: {"reason": "Thiếu minh chứng."})),
    "/progress/extensions/<int:request_id>/decide": Route(
        "progress.decide_extension", "extension.decide",
        per_task(lambda w, e: {"request_id": e.id}, make=lambda w, s: w.extension(s),
                 body=lambda w, r: {"approve": "1", "note": "Đồng ý."})),
    "/progress/attachments/<int:attachment_id>": Route("progress.attachment", "task.view", {
        **per_task(lambda w, a: {"attachment_id": a.id}, make=lambda w, s: w.evidence(s)),
        # A notice's files have their own checked view: this one never serves them, to anybody.
        "notice": Variant(lambda w, r: {"attachment_id": w.directive_file("issued").id}, nobody),
        "draft-notice": Variant(lambda w, r: {"attachment_id": w.directive_file("draft").id}, nobody),
    }),
    # ---- oversight ---------------------------------------------------------------------------
    "/oversight/": Route("oversight.index", "overdue.review", single()),
    "/oversight/overdue": Route("oversight.overdue", "overdue.review", single()),
    "/oversight/overdue.xlsx": Route("oversight.overdue_export", "overdue.review", single()),
    "/oversight/overdue/print": Route("oversight.overdue_print", "overdue.review", single()),
    "/oversight/tasks/<int:task_id>/actions": Route("oversight.unit_actions", "overdue.review",
                                                    per_task(lambda w, t: {"task_id": t.id})),
    "/oversight/tasks/<int:task_id>/remind": Route("oversight.remind", "overdue.remind",
                                                   per_task(lambda w, t: {"task_id": t.id})),
    "/oversight/tasks/<int:task_id>/explanation": Route(
        "oversight.request_explanation", "explanation.request",
        per_task(lambda w, t: {"task_id": t.id}, body=lambda w, r: {"message": "Đề nghị giải trình."})),
    "/oversight/reports/<int:report_id>/return": Route(
        "oversight.return_completion", "completion.review",
        per_task(lambda w, rep: {"report_id": rep.id}, make=lambda w, s: w.pending_report(s),
                 body=lambda w, r: {"reason": "Thiếu minh chứng."})),
    "/oversight/explanations": Route("oversight.explanations", "explanation.list", single()),
    "/oversight/explanations/<int:request_id>/answer": Route(
        "oversight.answer_explanation", "explanation.answer",
        per_task(lambda w, e: {"request_id": e.id}, make=lambda w, s: w.explanation(s),
                 body=lambda w, r: {"answer": "Do chờ ý kiến chỉ đạo của Tỉnh ủy."})),
    "/oversight/scorecards": Route("oversight.scorecards", "scorecard.view", single()),
    "/oversight/scorecards.xlsx": Route("oversight.scorecards_export", "scorecard.view", single()),
    "/oversight/scorecards/<int:organisation_id>": Route(
        "oversight.scorecard_detail", "scorecard.view",
        per_task(lambda w, org: {"organisation_id": org.id}, make=lambda w, s: w.org(s), drafts=False)),
    "/oversight/search": Route("oversight.search", "search", {
        "-": Variant(lambda w, r: {"q": "Nhiệm vụ"}),
        "draft-directive": Variant(lambda w, r: {"q": "dự thảo", "kind": "directive"}),
        "draft-task": Variant(lambda w, r: {"q": "dự thảo", "kind": "task"}),
    }),
    "/oversight/calendar": Route("oversight.calendar", "calendar.manage", single()),
    "/oversight/calendar/token": Route("oversight.calendar_token", "calendar.manage", single()),
    "/oversight/calendar/revoke": Route("oversight.calendar_revoke", "calendar.manage", single()),
    "/oversight/charts/<name>.json": Route("oversight.chart_data", "dashboard.view", {
        "completion": Variant(lambda w, r: {"name": "completion"}),
        "trend": Variant(lambda w, r: {"name": "trend"}),
        # District-wide ageing of late work: oversight roles only.
        "ageing": Variant(lambda w, r: {"name": "ageing"}, oversight_only),
    }),
    # ---- reminders ---------------------------------------------------------------------------
    "/reminders/": Route("reminders.settings", "admin.settings", single()),
    "/reminders/workdays": Route("reminders.workdays_index", "admin.settings", single()),
    "/reminders/workdays/<int:override_id>": Route("reminders.workday_edit", "admin.settings",
                                                   single(lambda w, r: {"override_id": w.workday_override().id})),
    "/reminders/workdays/<int:override_id>/delete": Route(
        "reminders.workday_delete", "admin.settings", single(lambda w, r: {"override_id": w.workday_override().id})),
    "/reminders/log": Route("reminders.log", "reminders.log", single()),
    "/reminders/attention": Route("reminders.attention", "reminders.resolve", single()),
    "/reminders/attention/<int:log_id>/<action>": Route(
        "reminders.resolve", "reminders.resolve",
        single(lambda w, r: {"log_id": w.attention_reminder().id, "action": "dismiss"})),
    # ---- reports -----------------------------------------------------------------------------
    "/reports/": Route("reports.index", "report.view", single()),
    "/reports/new": Route("reports.create", "report.edit", single()),
    "/reports/<int:report_id>": Route("reports.edit", "report.draft",
                                      single(lambda w, r: {"report_id": w.period_report().id})),
    "POST /reports/<int:report_id>": Route("reports.save", "report.edit",
                                           single(lambda w, r: {"report_id": w.period_report().id})),
    "/reports/<int:report_id>/preview": Route("reports.preview", "report.draft",
                                              single(lambda w, r: {"report_id": w.period_report().id})),
    "/reports/<int:report_id>/regenerate": Route("reports.regenerate", "report.edit",
                                                 single(lambda w, r: {"report_id": w.period_report().id})),
    "/reports/<int:report_id>/freeze": Route("reports.freeze", "report.edit",
                                             single(lambda w, r: {"report_id": w.period_report().id})),
    "/reports/<int:report_id>/report.docx": Route("reports.draft_docx", "report.draft",
                                                  single(lambda w, r: {"report_id": w.period_report().id})),
    "/reports/<int:report_id>/annex.xlsx": Route("reports.draft_annex", "report.draft",
                                                 single(lambda w, r: {"report_id": w.period_report().id})),
    "/reports/<int:report_id>/report.pdf": Route("reports.draft_pdf", "report.draft",
                                                 single(lambda w, r: {"report_id": w.period_report().id})),
    "/reports/<int:report_id>/versions/<int:version_no>/report.docx": Route(
        "reports.version_docx", "report.view",
        single(lambda w, r: {"report_id": w.period_report(frozen=True).id, "version_no": 1})),
    "/reports/<int:report_id>/versions/<int:version_no>/annex.xlsx": Route(
        "reports.version_annex", "report.draft",
        single(lambda w, r: {"report_id": w.period_report(frozen=True).id, "version_no": 1})),
    "/reports/<int:report_id>/carry-over": Route("reports.carry_over", "report.carry_over",
                                                 single(lambda w, r: {"report_id": w.period_report().id})),
    "/reports/inputs/<period_code>": Route("reports.agency_input", "report.agency_input", {
        "own": Variant(lambda w, r: {"period_code": PERIOD_CODE, "org": w.own.id}),
        # An agency naming another agency still gets (and saves) its own input, never the other's.
        "other": Variant(lambda w, r: {"period_code": PERIOD_CODE, "org": w.other.id}),
    }),
    # ---- JSON API (bearer token) -------------------------------------------------------------
    "/api/v1/organisations": Route("api.list_organisations", "organisation.list", single()),
    "/api/v1/meetings": Route("api.list_meetings", "directive.view", single()),
    "POST /api/v1/meetings": Route("api.create_meeting", "meeting.edit", single()),
    "/api/v1/meetings/<int:meeting_id>": Route("api.get_meeting", "directive.view",
                                               single(lambda w, r: {"meeting_id": w.meeting.id})),
    "/api/v1/directives": Route("api.list_directives", "directive.view", single()),
    "POST /api/v1/directives": Route("api.create_directive", "directive.edit", single()),
    "/api/v1/directives/<int:directive_id>": Route("api.get_directive", "directive.view",
                                                   per_directive(lambda w, d: {"directive_id": d.id})),
    "/api/v1/tasks": Route("api.list_tasks", "task.list", single()),
    "/api/v1/tasks/<int:task_id>": Route("api.get_task", "task.view", per_task(lambda w, t: {"task_id": t.id})),
    "PATCH /api/v1/tasks/<int:task_id>": Route("api.update_task", "task.edit",
                                               per_task(lambda w, t: {"task_id": t.id},
                                                        body=lambda w, r: {"title": "Tiêu đề mới"})),
    "/api/v1/tasks/<int:task_id>/progress-reports": Route(
        "api.create_progress_report", "progress.report",
        per_task(lambda w, t: {"task_id": t.id}, body=lambda w, r: dict(API_REPORT))),
    "/api/v1/overdue": Route("api.overdue", "overdue.review", single()),
    "/api/v1/reports/quarterly": Route("api.quarterly_report", "report.draft",
                                       single(lambda w, r: {"quarter": PERIOD_CODE})),
    "/api/v1/reports/<period_code>/narrative": Route("api.get_report_narrative", "report.draft", single(
        lambda w, r: {"period_code": f"{w.period_report().year}-Q2"})),
    "PUT /api/v1/reports/<period_code>/narrative": Route("api.update_report_narrative", "report.edit", {
        "-": Variant(lambda w, r: _narrative_target(w), everyone,
                     lambda w, r: {"parts": {"achievements": "- Đạt."}, "version": 1})}),
    "/api/v1/reports/<period_code>/agencies/<code>": Route("api.get_agency_report_input", "report.agency_input", {
        "own": Variant(lambda w, r: {"period_code": PERIOD_CODE, "code": w.own.code}),
        "other": Variant(lambda w, r: {"period_code": PERIOD_CODE, "code": w.other.code}, oversight_only),
    }),
    "PUT /api/v1/reports/<period_code>/agencies/<code>": Route("api.update_agency_report_input",
                                                               "report.agency_input", {
        "own": Variant(lambda w, r: {"period_code": _fresh_period(w), "code": w.own.code}, everyone,
                       lambda w, r: {"results_text": "Đã thực hiện."}),
        "other": Variant(lambda w, r: {"period_code": _fresh_period(w), "code": w.other.code}, oversight_only,
                         lambda w, r: {"results_text": "Đã thực hiện."}),
    }),
}


def _narrative_target(w: World) -> dict:
    """A fresh draft (version 1) for each role's write."""
    return {"period_code": f"{w.period_report().year}-Q2"}


def _fresh_period(w: World) -> str:
    """A period nobody has written for yet, so the write needs no version (one per role)."""
    return f"{w.period_report().year}-Q3"



def _endpoints(app) -> dict[tuple[str, str], str]:
    """(URL rule, method) → endpoint, for every route of the application."""
    found = {}
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found[(rule.rule, method)] = rule.endpoint
    return found


def route_for(path: str, method: str) -> Route | None:
    """The table's entry: "METHOD /path" when one rule serves two views, else "/path"."""
    return ROUTES.get(f"{method} {path}") or ROUTES.get(path)


def _cases(app) -> list[tuple[str, str]]:
    return sorted(_endpoints(app))


def _all_cases() -> list[tuple[str, str]]:
    from app import create_app
    from config import TestingConfig

    return _cases(create_app(TestingConfig))


# -------------------------------------------------------------------------------------------------
# The table matches the application
# -------------------------------------------------------------------------------------------------


def test_every_route_is_declared_in_the_matrix(app):
    """A route missing from ROUTES (or declared with another endpoint) fails here: declare it first."""
    endpoints = _endpoints(app)
    missing = sorted(f"{endpoint} {method} {path}" for (path, method), endpoint in endpoints.items()
                     if route_for(path, method) is None)
    declared = {key.split(" ")[-1] for key in ROUTES}
    stale = sorted(path for path in declared if path not in {p for p, _m in endpoints})
    wrong_endpoint = sorted(f"{method} {path}: app {endpoint}, table {route_for(path, method).endpoint}"
                            for (path, method), endpoint in endpoints.items()
                            if route_for(path, method) is not None and route_for(path, method).endpoint != endpoint)
    assert missing == [], "routes without an entry in the permission matrix"
    assert stale == [], "matrix entries for routes that no longer exist"
    assert wrong_endpoint == []


def test_declared_permissions_match_the_views(app):
    """Each view guards itself with the permission the table declares (public ones are allow-listed)."""
    mismatched = []
    for (path, method), endpoint in _endpoints(app).items():
        route = route_for(path, method)
        if route is None:
            continue
        actual = getattr(app.view_functions[endpoint], "permission", None)
        if route.permission is None:
            if endpoint not in PUBLIC_ENDPOINTS:
                mismatched.append(f"{path}: declared public but {endpoint} is not on PUBLIC_ENDPOINTS")
        elif route.permission not in PERMISSIONS:
            mismatched.append(f"{path}: {route.permission!r} is not in PERMISSIONS")
        elif actual != route.permission:
            mismatched.append(f"{method} {path}: view declares {actual!r}, table says {route.permission!r}")
    assert mismatched == []


# -------------------------------------------------------------------------------------------------
# The matrix
# -------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    role: Role
    variant: str
    method: str
    url: str
    expected_allowed: bool
    status: int
    problem: str | None = None

    def __str__(self) -> str:
        verdict = "allow" if self.expected_allowed else "deny"
        return f"{self.role.value:15} {self.variant:8} {self.method} {self.url} → {self.status} (expected {verdict}): {self.problem}"


class Actors:
    """One logged-in browser and one API token per role."""

    def __init__(self, w: World, make_client):
        self.w = w
        self.make_client = make_client
        self.web = {}
        self.tokens = {}

    def browser(self, role: Role):
        if role not in self.web:
            self.web[role] = self.fresh_browser(role)
        return self.web[role]

    def fresh_browser(self, role: Role):
        client = self.make_client()
        response = client.login(self.w.user(role))
        assert response.status_code == 302, f"login of {role} failed"
        return client

    def anonymous(self):
        if "anonymous" not in self.web:
            self.web["anonymous"] = self.make_client()
        return self.web["anonymous"]

    def token(self, role: Role) -> str:
        if role not in self.tokens:
            self.tokens[role] = issue_api_token(self.w.user(role))
            db.session.commit()
        return self.tokens[role]


def _request(client, route: Route, method: str, url: str, body: dict | None, token: str | None):
    if route.is_api:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if method in SAFE:
            return client.open(url, method=method, headers=headers)
        return client.open(url, method=method, json=body or {}, headers=headers)
    if method in SAFE:
        return client.open(url, method=method)
    return client.post_form(url, data=body or {})


def _judge(route: Route, role: Role, expected: bool, response, before, after) -> str | None:
    status = response.status_code
    if status >= 500:
        return "server error"
    if not expected:
        refused = {401, 403, 404} if route.is_api else {403, 404}
        if status not in refused:
            return f"not refused (want one of {sorted(refused)})"
        if before != after:
            return "refused request changed the database"
        return None
    if status in (401, 403, 404):
        return "refused an allowed request"
    if (route.permission is not None and not route.is_api and route.endpoint != "auth.logout"
            and status == 302 and "/login" in response.location):
        return "sent a logged-in user to the login page"
    if role in AGENCY_ROLES and _is_text(response) and SECRET in response.get_data(as_text=True):
        return "shows another agency's content to an agency user"
    return None


def _is_text(response) -> bool:
    return response.mimetype.startswith("text/") or response.mimetype.endswith("json")


def _url(app, route: Route, values: dict) -> str:
    with app.test_request_context():
        return url_for(route.endpoint, **values)


def run_matrix(app, w: World, actors: Actors, path: str, method: str) -> list[Outcome]:
    """Every role on every variant of one route; objects are shared by the roles only for safe methods."""
    route = route_for(path, method)
    outcomes = []
    shared: dict[str, dict] = {}
    for role in ROLES:
        for name, variant in route.variants.items():
            if method in SAFE and not route.fresh_per_role:
                if name not in shared:
                    shared[name] = variant.values(w, role)
                values = shared[name]
            else:
                values = variant.values(w, role)
            url = _url(app, route, values)
            allowed = (route.permission is None or role in PERMISSIONS[route.permission]) and variant.visible(role)
            if route.is_api or (route.permission is None and method in SAFE):
                client = actors.anonymous()
            elif route.fresh_per_role:
                client = actors.fresh_browser(role)
            else:
                client = actors.browser(role)
            token = actors.token(role) if route.is_api else None
            body = variant.body(w, role) if variant.body and method not in SAFE else None
            before = table_fingerprint() if not allowed and method not in SAFE else None
            response = _request(client, route, method, url, body, token)
            after = table_fingerprint() if before is not None else None
            problem = _judge(route, role, allowed, response, before, after)
            outcomes.append(Outcome(role, name, method, url, allowed, response.status_code, problem))
    return outcomes


def _group(path: str) -> str:
    """Cases are grouped by the first path segment: one district and one login per role per group."""
    parts = [p for p in path.split("/") if p]
    if not parts:
        return "main"
    if parts[0] == "api":
        return "api"
    return parts[0] if parts[0] in {"admin", "tasks", "directives", "progress", "oversight", "reminders",
                                    "reports"} else "main"


def _groups() -> dict[str, list[tuple[str, str]]]:
    grouped: dict[str, list[tuple[str, str]]] = {}
    for path, method in _all_cases():
        grouped.setdefault(_group(path), []).append((path, method))
    return grouped


GROUPS = _groups()


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_permission_matrix(app, make_client, monkeypatch, group):
    # LibreOffice takes seconds per PDF; who may download is the question here (tests/reports
    # converts for real), so the converter answers at once.
    monkeypatch.setattr("app.reports.routes.soffice_path", lambda: "/usr/bin/soffice")
    monkeypatch.setattr("app.reports.routes.convert_to_pdf", lambda data: b"%PDF-1.4\n%%EOF\n")
    undeclared = [f"{m} {p}" for p, m in GROUPS[group] if route_for(p, m) is None]
    assert undeclared == [], "not declared in the permission matrix (ROUTES)"
    w = build_world()
    actors = Actors(w, make_client)
    problems, tried = [], 0
    for path, method in GROUPS[group]:
        outcomes = run_matrix(app, w, actors, path, method)
        tried += len(outcomes)
        assert {o.role for o in outcomes} == set(ROLES)
        problems += [str(o) for o in outcomes if o.problem]
    assert problems == [], f"{len(problems)} of {tried} cases wrong:\n" + "\n".join(problems)


def test_anonymous_visitors_are_sent_to_login_or_refused(app, make_client):
    """Without a session every guarded page redirects to the login page and the API answers 401."""
    w = build_world()
    problems = []
    for path, method in _cases(app):
        route = route_for(path, method)
        if route is None or route.permission is None:
            continue
        variant = next(iter(route.variants.values()))
        url = _url(app, route, variant.values(w, Role.AGENCY_OFFICER))
        client = make_client()
        before = table_fingerprint() if method not in SAFE else None
        if route.is_api:
            response = client.open(url, method=method, json={} if method not in SAFE else None)
            ok = response.status_code == 401
        else:
            response = client.open(url, method=method) if method in SAFE else client.post_form(
                url, data={"csrf_token": client.csrf_token("/login")})
            ok = response.status_code == 302 and "/login" in response.location
        if before is not None and before != table_fingerprint():
            ok = False
        if not ok:
            problems.append(f"{method} {url} → {response.status_code}")
    assert problems == []


def test_api_ignores_the_session_cookie(app, make_client):
    """A logged-in browser cookie never authenticates an API call (the API has no CSRF protection)."""
    w = build_world()
    client = make_client()
    client.login(w.user(Role.ADMIN))
    assert client.get("/api/v1/tasks").status_code == 401
    assert client.post("/api/v1/meetings", json={"held_on": "2024-06-01"}).status_code == 401


def test_the_matrix_covers_both_outcomes_for_every_role():
    """Sanity of the table itself: each role is refused somewhere and allowed somewhere."""
    for role in ROLES:
        allowed = {p for p, r in ROUTES.items() if r.permission and role in PERMISSIONS[r.permission]}
        refused = {p for p, r in ROUTES.items() if r.permission and role not in PERMISSIONS[r.permission]}
        assert allowed, role
        if role is not Role.ADMIN:
            assert refused, role
    # Agencies meet object-level refusals too (another agency's task, a draft notice).
    assert any(not v.visible(Role.AGENCY_OFFICER) for r in ROUTES.values() for v in r.variants.values())


@pytest.mark.parametrize("huge", [2**31, 10**20])
def test_ids_beyond_the_database_range_are_not_found(app, make_client, huge):
    """An id no integer column can hold (PostgreSQL stops at 2³¹, SQLite at 2⁶³) is a 404, never a 500."""
    w = build_world()
    office, token = make_client(), issue_api_token(w.user(Role.ADMIN))
    db.session.commit()
    office.login(w.user(Role.ADMIN))
    problems = []
    for rule in app.url_map.iter_rules():
        ints = [name for name, conv in rule._converters.items() if type(conv).__name__ == "IntegerConverter"]
        if not ints:
            continue
        others = {name: "x" for name in rule.arguments if name not in ints}
        others.update({"period_code": PERIOD_CODE} if "period_code" in rule.arguments else {})
        with app.test_request_context():
            url = url_for(rule.endpoint, **{name: huge for name in ints}, **others)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint.startswith("api."):
                response = office.open(url, method=method, headers={"Authorization": f"Bearer {token}"},
                                       json={} if method not in SAFE else None)
            elif method in SAFE:
                response = office.open(url, method=method)
            else:
                response = office.post_form(url, data={})
            permission = getattr(app.view_functions[rule.endpoint], "permission", None)
            expected = 404 if permission is None or Role.ADMIN in PERMISSIONS[permission] else 403
            if response.status_code != expected:
                problems.append(f"{method} {url} → {response.status_code} (expected {expected})")
    assert problems == []
