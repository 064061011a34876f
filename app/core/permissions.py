"""Who may do what: one declared permission table, the view decorator, and object-level predicates.

Every route declares a permission name with ``@requires(...)`` (or is on ``PUBLIC_ENDPOINTS``);
the permission-matrix test walks the URL map and fails on any route without one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from app.core.enums import AGENCY_ROLES, OVERSIGHT_ROLES, DirectiveStatus, Role
from app.extensions import db
from app.models.directives import Directive
from app.models.tasks import ContentItem, Task, TaskCarryOver, task_coordinator

ALL_ROLES = frozenset(Role)
EDITORS = frozenset({Role.ADMIN, Role.COMMITTEE, Role.OFFICE, Role.OFFICE_CHIEF})

#: Permission name → roles allowed. Object-level checks (own organisation) come on top.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "home": ALL_ROLES,
    # Organisation catalog through the API (codes used by integrations); no secret in it.
    "organisation.list": ALL_ROLES,
    "profile": ALL_ROLES,
    "task.view": ALL_ROLES,
    "task.list": ALL_ROLES,
    "directive.view": ALL_ROLES,
    "directive.edit": EDITORS,
    "meeting.edit": EDITORS,
    "task.edit": EDITORS,
    "progress.report": ALL_ROLES - {Role.COMMITTEE},
    "completion.review": frozenset({Role.ADMIN, Role.OFFICE, Role.OFFICE_CHIEF}),
    "extension.request": AGENCY_ROLES | {Role.OFFICE, Role.OFFICE_CHIEF},
    "extension.decide": frozenset({Role.ADMIN, Role.COMMITTEE}),
    # Agency inbox: an agency's own tasks; oversight roles may open any agency's inbox.
    "progress.inbox": ALL_ROLES,
    # Works for one agency: its inbox of its own (the menu's "Việc của cơ quan", the task page's way back
    # to it), its own report input, its own calendar.
    "agency.own": AGENCY_ROLES,
    # May look at any agency's work: pick the agency on the inbox, the evidence list and the report pages.
    "agency.any": OVERSIGHT_ROLES,
    # Indicator figures: agencies see their own indicators, oversight roles all with district totals.
    "indicator.view": ALL_ROLES,
    "overdue.review": OVERSIGHT_ROLES,
    "report.view": OVERSIGHT_ROLES | AGENCY_ROLES,
    "report.edit": frozenset({Role.ADMIN, Role.OFFICE, Role.OFFICE_CHIEF}),
    # Report drafts, previews and annexes: oversight roles; agencies get frozen versions only.
    "report.draft": OVERSIGHT_ROLES,
    # An agency's own period input (sections II.3, IV.2, V); office staff may enter it for any agency.
    "report.agency_input": AGENCY_ROLES | {Role.ADMIN, Role.OFFICE, Role.OFFICE_CHIEF},
    # Moving unfinished tasks into the next session's draft conclusion.
    "report.carry_over": frozenset({Role.ADMIN, Role.OFFICE, Role.OFFICE_CHIEF}),
    "admin.users": frozenset({Role.ADMIN}),
    "admin.organisations": frozenset({Role.ADMIN}),
    "admin.settings": frozenset({Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN, Role.OFFICE_CHIEF}),
    # Oversight: act on late work, answer explanations, scorecards, search, calendar feed, charts.
    "overdue.remind": frozenset({Role.ADMIN, Role.OFFICE, Role.OFFICE_CHIEF}),
    "explanation.request": frozenset({Role.ADMIN, Role.OFFICE_CHIEF, Role.COMMITTEE}),
    "explanation.answer": AGENCY_ROLES,
    "explanation.list": ALL_ROLES,
    "scorecard.view": ALL_ROLES,
    "search": ALL_ROLES,
    "calendar.manage": ALL_ROLES,
    "dashboard.view": ALL_ROLES,
    "reminders.log": frozenset({Role.ADMIN, Role.OFFICE, Role.OFFICE_CHIEF}),
    "reminders.resolve": frozenset({Role.ADMIN, Role.OFFICE_CHIEF}),
    #: The banner that says the reminder scheduler has stopped (the administrator restarts it).
    "scheduler.status": frozenset({Role.ADMIN}),
}

#: Endpoints reachable without an account.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.forgot_password", "auth.set_password", "static", "main.health", "main.set_language", "api.openapi",
                              "oversight.calendar_feed"})


def has_permission(user, permission: str) -> bool:
    return bool(user and user.is_authenticated and user.role in PERMISSIONS[permission])


def require(actor, permission: str, message: str | None = None) -> None:
    """The services' check: ``actor`` holds ``permission`` in the declared table, or PermissionDenied
    (with ``message``, or a generic one).  Nobody (``None``) holds nothing."""
    if actor is None or actor.role not in PERMISSIONS[permission]:
        from flask_babel import gettext as _

        from app.core.errors import PermissionDenied

        raise PermissionDenied(message or _("Bạn không có quyền thực hiện thao tác này."))


def requires(permission: str) -> Callable:
    """View decorator: login required, then the role must hold ``permission`` (403 otherwise)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"undeclared permission {permission!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from app.extensions import login_manager

                return login_manager.unauthorized()
            if not has_permission(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = permission  # type: ignore[attr-defined]
        return wrapped

    return decorator


# ------------------------------------------------------------------ visibility (one rule)
#
# A draft directive (status ``draft``) and everything under it (tasks, content items, progress,
# extension requests) exist only for the oversight roles (office, office chief, committee, admins)
# until it is issued.  Pages, search, API, ICS feed, reminders, scorecards and dashboards go through
# the clauses and predicates below.


def can_view_directive(user, directive: Directive) -> bool:
    """Oversight roles see every directive; agency users see issued notices and referenced documents."""
    return user.role in OVERSIGHT_ROLES or directive.status is not DirectiveStatus.DRAFT


def directive_visibility_clause(user) -> sa.ColumnElement[bool]:
    """SQL condition for the directives ``user`` may see (:func:`can_view_directive`)."""
    if user.role in OVERSIGHT_ROLES:
        return sa.true()
    return Directive.status != DirectiveStatus.DRAFT


def _drafts() -> sa.Select:
    return sa.select(Directive.id).where(Directive.status == DirectiveStatus.DRAFT)


def _received_before() -> sa.Select:
    """Tasks carried over from an issued directive into a later (maybe still draft) conclusion:
    the agency already has them, so they stay in sight while the new conclusion is drafted."""
    return sa.select(TaskCarryOver.task_id).where(TaskCarryOver.from_directive_id.not_in(_drafts()))


def issued_task_clause() -> sa.ColumnElement[bool]:
    """SQL condition: the task is not under a draft directive, or was carried over from an issued
    one (drafts and carry-overs are few: small sub-selects)."""
    return sa.or_(Task.directive_id.not_in(_drafts()), Task.id.in_(_received_before()))


def task_visibility_clause(user) -> sa.ColumnElement[bool]:
    """SQL condition for the tasks ``user`` may see: all for oversight roles, else their agency's
    tasks under issued directives."""
    if user.role in OVERSIGHT_ROLES:
        return sa.true()
    return in_agency_tasks(user.organisation_id)


def in_agency_tasks(org_id: int) -> sa.ColumnElement[bool]:
    """SQL condition: the task is one the agency takes part in (:func:`agency_task_ids`) and its
    directive is issued (an agency never sees a draft's tasks, in lists, inbox or digests).

    PostgreSQL is given the ids as an array (``= ANY(ARRAY(…))``): with ``IN (…)`` its planner
    reads every open task of the district and hash-joins the agency's few thousand ids (28 ms on
    the 100,000-task bench), while an array is looked up by primary key (12 ms)."""
    ids = agency_task_ids(org_id)
    if db.engine.dialect.name == "postgresql":
        return sa.and_(Task.id == sa.func.any(sa.func.array(ids.scalar_subquery())), issued_task_clause())
    return sa.and_(Task.id.in_(ids), issued_task_clause())


def agency_task_ids(org_id: int) -> sa.CompoundSelect:
    """The ids of the tasks an agency takes part in (as lead, coordinator or content-item lead).

    Three indexed lookups united: an OR of correlated EXISTS would test every task of the district
    (100 ms at 100,000 tasks).  Uncorrelated, so a caller's query may also join ContentItem or the
    coordinator table."""
    return sa.union(
        sa.select(Task.id).where(Task.lead_org_id == org_id),
        sa.select(task_coordinator.c.task_id).where(task_coordinator.c.organisation_id == org_id),
        sa.select(ContentItem.task_id).where(ContentItem.lead_org_id == org_id),
    )


def agency_role_in_task(user, task: Task) -> str | None:
    """'lead', 'coordinator', 'item_lead' or None: how the user's agency takes part in the task."""
    org_id = user.organisation_id
    if task.lead_org_id == org_id:
        return "lead"
    if any(item.lead_org_id == org_id for item in task.items):
        return "item_lead"
    if any(org.id == org_id for org in task.coordinators):
        return "coordinator"
    return None


def is_issued_task(task: Task) -> bool:
    """Python twin of :func:`issued_task_clause`."""
    if task.directive.status is not DirectiveStatus.DRAFT:
        return True
    return bool(db.session.scalar(sa.select(sa.exists().where(TaskCarryOver.task_id == task.id,
                                                              TaskCarryOver.task_id.in_(_received_before())))))


def can_view_task(user, task: Task) -> bool:
    """Python twin of :func:`task_visibility_clause`."""
    if user.role in OVERSIGHT_ROLES:
        return True
    return is_issued_task(task) and agency_role_in_task(user, task) is not None


def can_report_on_task(user, task: Task) -> bool:
    """Agencies report on their own tasks; office staff may enter a report on an agency's behalf."""
    if user.role in (Role.ADMIN, Role.OFFICE, Role.OFFICE_CHIEF):
        return True
    return user.role in AGENCY_ROLES and can_view_task(user, task)


def can_request_extension(user, task: Task) -> bool:
    if user.role in (Role.OFFICE, Role.OFFICE_CHIEF):
        return True
    return (user.role in AGENCY_ROLES and is_issued_task(task)
            and agency_role_in_task(user, task) in ("lead", "item_lead"))
