"""The task page's progress action panel: what the current user may do on a task and what waits."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.enums import ExtensionState, TaskKind, TaskStatus
from app.core.permissions import can_report_on_task, can_request_extension, has_permission
from app.models import ExtensionRequest, ProgressReport, Task, User
from app.progress.extension_requests import task_extensions
from app.progress.indicator_rows import IndicatorRow, task_indicator_rows
from app.progress.review import Timeliness, pending_review_for, timeliness
from app.progress.roles import is_office


@dataclass
class TaskPanel:
    """What templates/tasks/_actions.html shows for one task and the current user."""

    task: Task
    can_report: bool
    can_review: bool
    can_request_extension: bool
    can_decide_extension: bool
    pending_reviews: list[ProgressReport]
    pending_extension: ExtensionRequest | None
    extensions: list[ExtensionRequest]
    indicator_rows: list[IndicatorRow]
    timeliness: Timeliness | None


def task_panel(user: User, task: Task) -> TaskPanel:
    extensions = task_extensions(task)
    pending_ext = next((e for e in extensions if e.state is ExtensionState.PENDING), None)
    open_with_due = task.status is not TaskStatus.COMPLETED and task.kind is not TaskKind.CONTINUOUS and task.due_date
    return TaskPanel(
        task=task,
        can_report=can_report_on_task(user, task) and (task.status is not TaskStatus.COMPLETED or is_office(user)),
        can_review=has_permission(user, "completion.review"),
        can_request_extension=bool(has_permission(user, "extension.request") and can_request_extension(user, task)
                                   and open_with_due and pending_ext is None),
        can_decide_extension=has_permission(user, "extension.decide"),
        pending_reviews=pending_review_for(task),
        pending_extension=pending_ext,
        extensions=extensions,
        indicator_rows=task_indicator_rows(task),
        timeliness=timeliness(task),
    )
