"""Task breakdown (nhiệm vụ, nội dung): add, edit, delete and order a directive's tasks and content items.

"All communes" (tất cả xã, thị trấn): the task keeps its lead agency (who follows the work as a
whole) and gets one content item per active commune (``Organisation.kind == commune``), led by
that commune.  Its status and progress are rolled up from the items by :func:`app.tasks.rollup.apply_rollup`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core import audit
from app.core.db import check_version
from app.core.due_phrases import resolve_due_phrase
from app.core.enums import DirectiveStatus, OrganisationKind, TaskKind, TaskStatus
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.periods import PeriodPhraseError
from app.directives.citations import sync_task_references
from app.directives.due_dates import DueChoice, check_not_before, date_floor, reference_date_for, resolve_due
from app.directives.editing import active_organisation, clean, directive_label, require_editor, select_ids
from app.directives.recurrence import generate_occurrences, not_before_notice
from app.extensions import db
from app.models import (
    ContentItem,
    Directive,
    DocumentReference,
    Organisation,
    ProgressReport,
    Task,
    TaskCarryOver,
)
from app.tasks.rollup import apply_rollup

TASK_FIELDS = ("ordinal", "title", "description", "lead_org_id", "kind", "recurrence", "due_phrase", "due_date",
               "is_all_communes", "is_confidential")


@dataclass
class ItemInput:
    """A content item (nội dung) row of the task editor or the import review screen."""

    text: str
    lead_org_id: int | None = None
    due_phrase: str = ""
    due_date: date | None = None
    id: int | None = None


@dataclass
class TaskInput:
    """A task (nhiệm vụ) as edited in the breakdown editor or confirmed on the import review screen."""

    title: str
    lead_org_id: int | None = None
    coordinator_ids: list[int] = field(default_factory=list)
    due_phrase: str = ""
    due_date: date | None = None
    #: "" = follow the due phrase; else a TaskKind value.
    kind: str = ""
    #: Recurrence value when the kind is recurring and the phrase does not say it.
    recurrence: str = ""
    all_communes: bool = False
    is_confidential: bool = False
    description: str = ""
    items: list[ItemInput] = field(default_factory=list)
    ordinal: int | None = None
    #: Importer remarks shown on the review screen (not saved).
    warnings: list[str] = field(default_factory=list)
    #: Errors found on the last confirmation attempt (not saved).
    errors: list[str] = field(default_factory=list)
    #: The importer detected "các xã, thị trấn" in the text (shown as a hint).
    communes_mentioned: bool = False


@dataclass
class _ItemPlan:
    text: str
    lead: Organisation | None
    due: DueChoice | None
    id: int | None = None


@dataclass
class _TaskPlan:
    """A validated TaskInput, ready to be written."""

    title: str
    description: str
    lead: Organisation
    coordinators: list[Organisation]
    due: DueChoice
    all_communes: bool
    is_confidential: bool
    items: list[_ItemPlan]


def active_communes() -> list[Organisation]:
    return list(db.session.scalars(
        sa.select(Organisation).where(Organisation.kind == OrganisationKind.COMMUNE, Organisation.is_active.is_(True))
        .order_by(Organisation.display_order, Organisation.name)))


def plan_task(data: TaskInput, directive: Directive) -> _TaskPlan:
    """Validate one task input against the catalog and the directive's dates (no writes)."""
    title = clean(data.title)
    if not title:
        raise ValidationFailed(_("Chưa nhập nội dung nhiệm vụ."), field="title")
    if len(title) > 1000:
        raise ValidationFailed(_("Tiêu đề nhiệm vụ quá dài (tối đa 1000 ký tự)."), field="title")
    if not data.lead_org_id:
        raise ValidationFailed(_("Chưa chọn cơ quan chủ trì."), field="lead_org_id")
    lead = active_organisation(data.lead_org_id, _("Cơ quan chủ trì"))
    coordinators: list[Organisation] = []
    for org_id in dict.fromkeys(data.coordinator_ids or []):
        if org_id == lead.id:
            continue
        coordinators.append(active_organisation(org_id, _("Cơ quan phối hợp")))
    reference = reference_date_for(directive)
    floor = date_floor(directive)
    due = resolve_due(data.due_phrase, data.due_date, reference_date=reference, kind=data.kind,
                      recurrence=data.recurrence)
    due = replace(due, due_date=not_before_notice(due.kind, due.recurrence, due.due_date, directive.issued_on))
    check_not_before(due.due_date, floor, _("Hạn hoàn thành"))
    items: list[_ItemPlan] = []
    for number, item in enumerate(data.items, start=1):
        text = clean(item.text)
        if not text:
            if item.lead_org_id or clean(item.due_phrase) or item.due_date:
                raise ValidationFailed(_("Nội dung %(n)d chưa có nội dung.", n=number), field="items")
            continue
        item_lead = active_organisation(item.lead_org_id, _("Cơ quan thực hiện nội dung %(n)d", n=number)) \
            if item.lead_org_id and item.lead_org_id != lead.id else None
        item_due = _item_due(item, reference)
        if item_due is not None:
            check_not_before(item_due.due_date, floor, _("Hạn của nội dung %(n)d", n=number))
        items.append(_ItemPlan(text=text, lead=item_lead, due=item_due, id=item.id))
    return _TaskPlan(title=title, description=clean(data.description), lead=lead, coordinators=coordinators,
                     due=due, all_communes=bool(data.all_communes), is_confidential=bool(data.is_confidential),
                     items=items)


def _item_due(item: ItemInput, reference: date) -> DueChoice | None:
    """An item's own deadline (phrase and/or date); None when it follows the task's."""
    phrase = clean(item.due_phrase)[:200] or None
    if phrase is None and item.due_date is None:
        return None
    due = item.due_date
    if phrase:
        try:
            resolution = resolve_due_phrase(phrase, reference_date=reference)
        except PeriodPhraseError as error:
            raise ValidationFailed(_("Thời hạn không hợp lệ: %(reason)s", reason=str(error)), field="items") from None
        due = due or resolution.due_date
    return DueChoice(phrase=phrase, due_date=due, kind=TaskKind.ONE_OFF)


def _commune_items(plan: _TaskPlan) -> list[_ItemPlan]:
    """One content item per active commune: the first item's text (or the task title), led by the commune."""
    communes = active_communes()
    if not communes:
        raise ValidationFailed(_("Danh mục chưa có đảng bộ xã, thị trấn nào đang hoạt động."), field="all_communes")
    template = plan.items[0] if plan.items else None
    text = template.text if template else plan.title
    due = template.due if template else None
    return [_ItemPlan(text=text, lead=commune, due=due) for commune in communes]


def task_of_directive(directive: Directive, task_id: int) -> Task:
    """The directive's task; NotFound if missing or belonging to another directive."""
    task = db.session.get(Task, task_id)
    if task is None or task.directive_id != directive.id:
        raise NotFound(_("Không tìm thấy nhiệm vụ."))
    return task


def item_of_task(task: Task, item_id: int) -> ContentItem:
    """The task's content item; NotFound if missing or belonging to another task."""
    item = db.session.get(ContentItem, item_id)
    if item is None or item.task_id != task.id:
        raise NotFound(_("Không tìm thấy nội dung."))
    return item


def next_ordinal(directive: Directive) -> int:
    highest = db.session.scalar(sa.select(sa.func.max(Task.ordinal)).where(Task.directive_id == directive.id))
    return (highest or 0) + 1


def _write_task(task: Task, plan: _TaskPlan) -> None:
    task.title, task.description = plan.title, plan.description
    task.lead_org = plan.lead
    task.coordinators = list(plan.coordinators)
    task.kind, task.recurrence = plan.due.kind, plan.due.recurrence
    task.due_phrase, task.due_date = plan.due.phrase, plan.due.due_date
    if task.original_due_date is None:
        task.original_due_date = plan.due.due_date
    task.is_all_communes, task.is_confidential = plan.all_communes, plan.is_confidential


def _sync_items(task: Task, plans: list[_ItemPlan]) -> None:
    """Make the task's items match *plans*: update rows with an id, add new ones, delete the others."""
    existing = {item.id: item for item in task.items}
    carries_own_status = not existing and task.id is not None
    kept: list[ContentItem] = []
    for ordinal, plan in enumerate(plans, start=1):
        item = existing.pop(plan.id, None) if plan.id else None
        if item is None:
            item = ContentItem(text=plan.text, status=TaskStatus.NOT_STARTED, progress_percent=0)
            if carries_own_status and not kept:
                # A task entered without items was its own unit: its first item takes over its state.
                item.status, item.progress_percent = task.status, task.progress_percent
                item.completed_on = task.completed_on
            task.items.append(item)
        item.ordinal, item.text = ordinal, plan.text
        item.lead_org = plan.lead
        item.due_phrase = plan.due.phrase if plan.due else None
        item.due_date = plan.due.due_date if plan.due else None
        kept.append(item)
    for item in existing.values():
        if db.session.scalar(sa.select(sa.func.count()).select_from(ProgressReport)
                             .where(ProgressReport.content_item_id == item.id)):
            raise Conflict(_("Nội dung “%(t)s” đã có báo cáo tiến độ, không thể xóa.", t=item.text[:80]))
        task.items.remove(item)


def add_task(actor, directive: Directive, data: TaskInput, *, ordinal: int | None = None) -> Task:
    """Add a task (nhiệm vụ) with its content items to a directive; recurring tasks get their next occurrences."""
    require_editor(actor)
    if directive.status is DirectiveStatus.REFERENCE:
        raise ValidationFailed(_("Văn bản được dẫn chiếu không có nhiệm vụ; hãy nhập văn bản trước."))
    plan = plan_task(data, directive)
    task = Task(directive=directive, ordinal=ordinal or next_ordinal(directive),
                created_by_id=getattr(actor, "id", None), status=TaskStatus.NOT_STARTED)
    _write_task(task, plan)
    db.session.add(task)
    _sync_items(task, _commune_items(plan) if plan.all_communes else (plan.items or [_ItemPlan(plan.title, None, None)]))
    db.session.flush()
    apply_rollup(task)
    audit.record(actor, "create", task, task_id=task.id, summary=_("Giao nhiệm vụ: %(t)s", t=task.title[:200]),
                 after=audit.snapshot(task, TASK_FIELDS))
    if task.kind is TaskKind.RECURRING:
        generate_occurrences(actor, task, today=reference_date_for(directive))
    sync_task_references(task)
    return task


def update_task_breakdown(actor, task: Task, data: TaskInput, *, expected_version: int | None = None) -> Task:
    """Edit a task's fields, agencies, deadline and content items (optimistic lock on the task)."""
    require_editor(actor)
    check_version(task, expected_version)
    plan = plan_task(data, task.directive)
    before = audit.snapshot(task, TASK_FIELDS) | {"coordinators": [o.code for o in task.coordinators],
                                                  "items": [i.text for i in task.items]}
    was_all_communes = task.is_all_communes
    _write_task(task, plan)
    if plan.all_communes and not (was_all_communes and plan.items):
        _sync_items(task, _commune_items(plan))
    else:
        _sync_items(task, plan.items or [_ItemPlan(plan.title, None, None)])
    db.session.flush()
    apply_rollup(task)  # items added, removed or re-dated: the task follows them
    after = audit.snapshot(task, TASK_FIELDS) | {"coordinators": [o.code for o in task.coordinators],
                                                 "items": [i.text for i in task.items]}
    old, new = audit.diff(before, after)
    if new:
        audit.record(actor, "update", task, task_id=task.id, before=old, after=new,
                     summary=_("Sửa %(fields)s", fields=", ".join(new)))
    if task.kind is TaskKind.RECURRING and task.parent_task_id is None:
        generate_occurrences(actor, task, today=reference_date_for(task.directive))
    sync_task_references(task)
    return task


def delete_task(actor, task: Task) -> None:
    """Delete a task (and its occurrences) unless an agency has already reported on it."""
    require_editor(actor)
    ids = [task.id, *select_ids(sa.select(Task.id).where(Task.parent_task_id == task.id))]
    if db.session.scalar(sa.select(sa.func.count()).select_from(ProgressReport).where(ProgressReport.task_id.in_(ids))):
        raise Conflict(_("Nhiệm vụ đã có báo cáo tiến độ, không thể xóa."))
    if db.session.scalar(sa.select(sa.func.count()).select_from(TaskCarryOver).where(TaskCarryOver.task_id.in_(ids))):
        raise Conflict(_("Nhiệm vụ đã được chuyển tiếp sang kết luận khác, không thể xóa."))
    directive = task.directive
    db.session.execute(sa.delete(DocumentReference).where(DocumentReference.source_kind == "task",
                                                          DocumentReference.source_id.in_(ids)))
    audit.record(actor, "delete", task, summary=_("Xóa nhiệm vụ: %(t)s", t=task.title[:200]),
                 before=audit.snapshot(task, TASK_FIELDS))
    for child in db.session.scalars(sa.select(Task).where(Task.parent_task_id == task.id)):
        db.session.delete(child)
    db.session.delete(task)
    db.session.flush()
    _renumber(directive)


def _top_level(directive: Directive) -> list[Task]:
    return list(db.session.scalars(sa.select(Task).where(Task.directive_id == directive.id,
                                                         Task.parent_task_id.is_(None))
                                   .order_by(Task.ordinal, Task.id)))


def _set_order(tasks: list[Task]) -> None:
    for ordinal, task in enumerate(tasks, start=1):
        if task.ordinal != ordinal:
            task.ordinal = ordinal
        for child in db.session.scalars(sa.select(Task).where(Task.parent_task_id == task.id)):
            if child.ordinal != ordinal:
                child.ordinal = ordinal


def _renumber(directive: Directive) -> None:
    _set_order(_top_level(directive))
    db.session.flush()


def reorder_tasks(actor, directive: Directive, ordered_ids: Sequence[int]) -> None:
    """Put the directive's tasks in the given order (every top-level task id exactly once)."""
    require_editor(actor)
    tasks = _top_level(directive)
    by_id = {t.id: t for t in tasks}
    if sorted(ordered_ids) != sorted(by_id):
        raise ValidationFailed(_("Thứ tự nhiệm vụ không hợp lệ: cần liệt kê đủ và đúng các nhiệm vụ của văn bản."))
    _set_order([by_id[i] for i in ordered_ids])
    db.session.flush()
    audit.record(actor, "reorder", directive, summary=_("Sắp xếp lại nhiệm vụ của %(d)s", d=directive_label(directive)))


def move_task(actor, task: Task, offset: int) -> None:
    """Move a task up (-1) or down (+1) in its directive's list."""
    require_editor(actor)
    tasks = _top_level(task.directive)
    root = task if task.parent_task_id is None else db.session.get(Task, task.parent_task_id)
    index = tasks.index(root)
    target = min(max(index + offset, 0), len(tasks) - 1)
    if target == index:
        return
    tasks.insert(target, tasks.pop(index))
    _set_order(tasks)
    db.session.flush()
    audit.record(actor, "reorder", root, task_id=root.id, summary=_("Chuyển nhiệm vụ sang vị trí %(n)d", n=target + 1))


def move_item(actor, item: ContentItem, offset: int) -> None:
    """Move a content item up (-1) or down (+1) within its task."""
    require_editor(actor)
    items = sorted(item.task.items, key=lambda i: (i.ordinal, i.id))
    index = items.index(item)
    target = min(max(index + offset, 0), len(items) - 1)
    if target == index:
        return
    items.insert(target, items.pop(index))
    for ordinal, each in enumerate(items, start=1):
        each.ordinal = ordinal
    db.session.flush()
    audit.record(actor, "reorder", item.task, task_id=item.task_id,
                 summary=_("Chuyển nội dung sang vị trí %(n)d", n=target + 1))


def delete_item(actor, item: ContentItem) -> None:
    """Delete one content item (refused when reported on); the task keeps at least its other items."""
    require_editor(actor)
    if db.session.scalar(sa.select(sa.func.count()).select_from(ProgressReport)
                         .where(ProgressReport.content_item_id == item.id)):
        raise Conflict(_("Nội dung đã có báo cáo tiến độ, không thể xóa."))
    task = item.task
    audit.record(actor, "delete", item, task_id=task.id, summary=_("Xóa nội dung: %(t)s", t=item.text[:200]))
    task.items.remove(item)
    db.session.flush()
    for ordinal, each in enumerate(sorted(task.items, key=lambda i: (i.ordinal, i.id)), start=1):
        each.ordinal = ordinal
    apply_rollup(task)
    db.session.flush()
