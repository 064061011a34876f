"""Every model, imported in one place so Alembic, `flask shell` and mappers see them all."""

from app.models.account_links import AccountLink
from app.models.audit import AuditEvent
from app.models.directives import Attachment, Directive, DocumentReference, Meeting
from app.models.idempotency import IdempotentRequest
from app.models.organisations import Organisation
from app.models.progress import (
    ExplanationRequest,
    ExtensionRequest,
    Indicator,
    IndicatorValue,
    ProgressReport,
)
from app.models.reminders import Notification, ReminderLog, SchedulerHeartbeat, Setting, WorkdayOverride
from app.models.reports import AgencyPeriodInput, PeriodReport, ReportVersion
from app.models.tasks import ContentItem, Task, TaskCarryOver, task_coordinator
from app.models.users import LoginThrottle, User, UserSession

__all__ = [
    "AccountLink",
    "AgencyPeriodInput",
    "Attachment",
    "AuditEvent",
    "ContentItem",
    "Directive",
    "DocumentReference",
    "ExplanationRequest",
    "ExtensionRequest",
    "IdempotentRequest",
    "Indicator",
    "IndicatorValue",
    "LoginThrottle",
    "Meeting",
    "Notification",
    "Organisation",
    "PeriodReport",
    "ProgressReport",
    "ReminderLog",
    "ReportVersion",
    "SchedulerHeartbeat",
    "Setting",
    "Task",
    "TaskCarryOver",
    "User",
    "UserSession",
    "WorkdayOverride",
    "task_coordinator",
]
