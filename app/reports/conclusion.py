"""Section I: what the previous session's conclusion set and how it stands at the cut-off (AS-01, AS-09).

Each task is counted once, under the conclusion that set it or re-assigned it by carry-over; each content
item (a task without items is one unit) is on schedule only if done by the due date that conclusion set.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.core.clock import LOCAL_TZ
from app.core.numbers import count, date_vn
from app.core.periods import Period
from app.extensions import db
from app.models import ContentItem, Directive, Meeting, Task, TaskCarryOver
from app.reports.document import ConclusionResult, ConclusionUnit
from app.reports.meetings import meeting_label, meeting_quarter
from app.reports.paragraphs import strip_end
from app.tasks.units import item_owner, unit_of


def _local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


@dataclass
class _Membership:
    """How a task belongs to a set of conclusions: set there (and maybe carried out later), or carried in."""

    due: date | None
    carried_in_on: date | None = None
    carried_out: bool = False


def _membership(task: Task, rows: list[TaskCarryOver], ids: set[int]) -> _Membership | None:
    """Count each task once: under the conclusion that first set it, or that re-assigned it by carry-over."""
    rows = sorted(rows, key=lambda r: (r.carried_at, r.id))
    origin = rows[0].from_directive_id if rows else task.directive_id
    if origin in ids:
        # Carried out later: judged against the due date this conclusion set, not the new one.
        return _Membership(rows[0].previous_due_date, carried_out=True) if rows else _Membership(task.due_date)
    for row in rows:
        if row.to_directive_id in ids:
            return _Membership(row.new_due_date, _local_date(row.carried_at))
    return None


def _unit_due(item: ContentItem | None, task: Task, member: _Membership) -> date | None:
    """The due date the conclusion set for this item: a carry-over's date wins over the item's own."""
    if member.carried_in_on is not None or member.carried_out:
        return member.due
    return unit_of(task, item).due


def _units_of(task: Task, member: _Membership, as_of: date) -> list[ConclusionUnit]:
    units = []
    for item in list(task.items) or [None]:
        unit = unit_of(task, item)
        if member.carried_in_on is not None and unit.closed_on(member.carried_in_on):
            continue  # finished before the carry-over: the later conclusion did not set it again
        due = _unit_due(item, task, member)
        done = unit.closed_on(as_of)
        lead = (item_owner(item) if item is not None else task.lead_org).name
        units.append(ConclusionUnit(
            task_id=task.id, item_id=item.id if item is not None else None,
            text=strip_end(item.text if item is not None else task.title), lead=lead, due=due, completed_on=done,
            on_schedule=done is not None and (due is None or done <= due),
        ))
    return units


def conclusion_result(meeting: Meeting, directives: Sequence[Directive], as_of: date) -> ConclusionResult:
    """Tasks and content items the meeting's conclusion set, as they stand at the cut-off (AS-01, AS-09)."""
    ids = {d.id for d in directives}
    carried_ids = sa.select(TaskCarryOver.task_id).where(
        sa.or_(TaskCarryOver.from_directive_id.in_(ids), TaskCarryOver.to_directive_id.in_(ids)))
    tasks = list(db.session.scalars(
        sa.select(Task).where(sa.or_(Task.directive_id.in_(ids), Task.id.in_(carried_ids)))
        .options(selectinload(Task.items).joinedload(ContentItem.lead_org))
        .order_by(Task.directive_id, Task.ordinal, Task.id)
    ).unique())
    rows_by_task: dict[int, list[TaskCarryOver]] = defaultdict(list)
    if tasks:
        for row in db.session.scalars(sa.select(TaskCarryOver).where(TaskCarryOver.task_id.in_([t.id for t in tasks]))):
            rows_by_task[row.task_id].append(row)
    units: list[ConclusionUnit] = []
    task_count = 0
    for task in _conclusion_order(tasks, rows_by_task, ids):
        member = _membership(task, rows_by_task[task.id], ids)
        if member is None:
            continue
        task_units = _units_of(task, member, as_of)
        if task_units:
            task_count += 1
            units.extend(task_units)
    next_quarter = Period.quarter(*meeting_quarter(meeting)).next_quarter()
    return ConclusionResult(
        meeting_id=meeting.id, meeting_label=meeting_label(meeting), held_on=meeting.held_on,
        chair=meeting.chair or "Thường trực Huyện ủy", participants=tuple(meeting.participant_list),
        directive_ids=tuple(sorted(ids)), directive_symbols=tuple(d.symbol or d.title for d in directives),
        task_count=task_count, units=tuple(units), next_label=next_quarter.label,
    )


def _conclusion_order(tasks: list[Task], rows_by_task: Mapping[int, list[TaskCarryOver]], ids: set[int]) -> list[Task]:
    """Tasks the conclusion set first (in its order), then the ones it carried in."""

    def carried_in(task: Task) -> bool:
        rows = rows_by_task.get(task.id)
        return bool(rows) and min(rows, key=lambda r: (r.carried_at, r.id)).from_directive_id not in ids

    return [t for t in tasks if not carried_in(t)] + [t for t in tasks if carried_in(t)]


def section_one_paragraphs(result: ConclusionResult) -> list[str]:
    """The body of section I, worded as AS-01 and its 0/1/2+ variants."""
    chair = result.chair
    with_whom = f" với {'; '.join(result.participants)}" if result.participants else ""
    done, total, left = result.completed_count, result.unit_count, result.unfinished
    if not left:
        outcome = (f"tất cả các nhiệm vụ đều được các cơ quan, đơn vị, địa phương phối hợp thực hiện hoàn thành "
                   f"theo ý kiến chỉ đạo của {chair}.")
    elif done * 2 > total:
        outcome = (f"hầu hết các nhiệm vụ đều được các cơ quan, đơn vị, địa phương phối hợp thực hiện hoàn thành "
                   f"theo ý kiến chỉ đạo của {chair}.")
    elif done:
        outcome = (f"một số nhiệm vụ đã được các cơ quan, đơn vị, địa phương phối hợp thực hiện hoàn thành "
                   f"theo ý kiến chỉ đạo của {chair}.")
    else:
        outcome = (f"các nhiệm vụ đang được các cơ quan, đơn vị, địa phương phối hợp triển khai thực hiện "
                   f"theo ý kiến chỉ đạo của {chair}.")
    first = (
        f"Ngày {date_vn(result.held_on)}, {chair} có buổi làm việc định kỳ {result.meeting_label}{with_whom}. "
        f"Kết luận tại buổi làm việc {chair} chỉ đạo {count(result.task_count)} nhiệm vụ trọng tâm, "
        f"với {count(total)} nội dung cần tập trung thực hiện trong {result.next_label}, {outcome}"
    )
    if not left:
        return [first]
    how_many = "một nhiệm vụ" if len(left) == 1 else f"{count(len(left))} nhiệm vụ"
    listed = "; ".join(_unfinished_text(u) for u in left)
    return [first, f"Tuy nhiên, còn {how_many} chưa hoàn thành theo tiến độ đề ra, đó là: {listed}."]


def _unfinished_text(unit: ConclusionUnit) -> str:
    if unit.completed_on is not None:
        # Completed, but after the due date the conclusion set: still "not on schedule".
        return f"{unit.text} (hoàn thành ngày {date_vn(unit.completed_on)})"
    return unit.text
