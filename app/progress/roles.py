"""Who reports as what on a task: lead (chủ trì), item lead, coordinator (phối hợp) or the office on an
agency's behalf, and which statuses each may report."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.core.enums import TaskStatus
from app.core.errors import NotFound, PermissionDenied
from app.core.permissions import agency_role_in_task, can_report_on_task, can_view_task, has_permission
from app.models import Task, User

#: Roles that may enter a lead report on an agency's behalf (and so may report "Hoàn thành").
#: What a coordinating agency may say about its own part (completion is the lead's to propose).
CONTRIBUTION_STATUSES = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.NOT_COMPLETED)
#: What a lead agency may report; "Hoàn thành" comes only from the office's confirmation.
AGENCY_STATUSES = (
    TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.COMPLETION_PROPOSED, TaskStatus.NOT_COMPLETED,
)


def is_office(actor) -> bool:
    """Office staff (those who confirm completions) report for any agency and after completion."""
    return has_permission(actor, "completion.review")


@dataclass(frozen=True)
class ReportingRole:
    """How the actor's report counts on a task: its organisation, lead or contribution, the items it covers."""

    organisation_id: int
    is_lead: bool
    #: Items this actor may name (all of them for the lead agency and the office).
    item_ids: frozenset[int]
    #: An item-lead agency (a commune in an "all communes" task) must name its item.
    must_name_item: bool = False


def reporting_role(actor: User, task: Task) -> ReportingRole:
    """Refuses (404/403) an actor who may not report on ``task``; else says how the report counts."""
    if not can_view_task(actor, task):
        raise NotFound(_("Không tìm thấy nhiệm vụ."))
    if not can_report_on_task(actor, task):
        raise PermissionDenied(_("Bạn không có quyền báo cáo tiến độ nhiệm vụ này."))
    all_items = frozenset(item.id for item in task.items)
    if is_office(actor):
        return ReportingRole(task.lead_org_id, True, all_items)
    role = agency_role_in_task(actor, task)
    if role == "lead":
        return ReportingRole(actor.organisation_id, True, all_items)
    if role == "item_lead":
        own = frozenset(item.id for item in task.items if item.lead_org_id == actor.organisation_id)
        return ReportingRole(actor.organisation_id, True, own, must_name_item=True)
    return ReportingRole(actor.organisation_id, False, frozenset())


def statuses_for(actor: User, task: Task) -> tuple[TaskStatus, ...]:
    """The statuses the actor's report form offers."""
    if is_office(actor):
        return tuple(TaskStatus)
    if agency_role_in_task(actor, task) == "coordinator":
        return CONTRIBUTION_STATUSES
    return AGENCY_STATUSES
