"""The agency inbox: an agency's tasks as lead, item lead or coordinator, grouped by due date
(quá hạn, trong tuần này, sau đó, thường xuyên, đã hoàn thành) and paged by keyset."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload, selectinload

from app.core.clock import today_local
from app.core.enums import ExtensionState, ReviewState, TaskKind, TaskStatus
from app.core.permissions import has_permission, in_agency_tasks
from app.core.search import folded_match, query_words
from app.directory.lookups import listed_organisations
from app.extensions import db
from app.models import ContentItem, Directive, ExtensionRequest, Organisation, ProgressReport, Task, User
from app.progress.timeline import Timeline, deadline_timeline


@dataclass(frozen=True)
class InboxEntry:
    task: Task
    #: "lead", "item_lead" or "coordinator".
    role: str
    pending_review: bool = False
    pending_extension: bool = False


#: The inbox's groups in page order (quá hạn, trong tuần này, sau đó, thường xuyên, đã hoàn thành).
INBOX_GROUPS = ("overdue", "this_week", "later", "continuous", "completed")
#: Rows shown per group; the rest of a group is one keyset page away.
INBOX_PAGE_SIZE = 25
_NO_DUE = date(9999, 12, 31)  # sorts tasks without a due date last, as a keyset value


@dataclass
class InboxGroup:
    key: str
    entries: list[InboxEntry] = field(default_factory=list)
    #: Every task of the group under the filters, not only those shown.
    total: int = 0
    #: Keyset cursor of the next page when the group is opened on its own.
    next_cursor: str | None = None

    @property
    def has_more(self) -> bool:
        return self.total > len(self.entries)


@dataclass
class Inbox:
    """An agency's tasks grouped by when they are due (quá hạn, trong tuần này, sau đó, thường xuyên).

    Either every group's first page, or one group (``only``) paged by keyset."""

    organisation: Organisation
    today: date
    groups: dict[str, InboxGroup]
    only: str | None = None

    @property
    def week_end(self) -> date:
        return end_of_week(self.today)

    @property
    def timeline(self) -> Timeline | None:
        """The deadline timeline of the tasks shown (templates/progress/_timeline.html)."""
        return deadline_timeline([e.task for group in self.groups.values() for e in group.entries], self.today)


@dataclass(frozen=True)
class InboxFilters:
    query: str | None = None
    #: "lead" (as lead or item lead) or "coordinator".
    role: str | None = None
    status: TaskStatus | None = None
    directive_id: int | None = None
    include_completed: bool = False


def end_of_week(day: date) -> date:
    """Sunday of ``day``'s week (weeks run Monday to Sunday)."""
    return day + timedelta(days=6 - day.weekday())


def inbox_cursor(task: Task) -> str:
    return f"{(task.due_date or _NO_DUE).isoformat()}.{task.id}"


def parse_inbox_cursor(value: str | None) -> tuple[date, int] | None:
    """``"2024-06-30.123"`` → (30/06/2024, 123); anything else → None (the first page)."""
    due, _sep, task_id = (value or "").partition(".")
    try:
        return date.fromisoformat(due), int(task_id)
    except ValueError:
        return None


def agency_inbox(organisation: Organisation, filters: InboxFilters, today: date | None = None, *,
                 group: str | None = None, after: str | None = None, page_size: int = INBOX_PAGE_SIZE) -> Inbox:
    """The agency's tasks as lead, item lead and coordinator, grouped by due date, in one query.

    Each group shows its first ``page_size`` tasks (earliest due first) and its total; ``group`` opens
    one group alone, paged by the keyset cursor ``after``.  Search ignores diacritics and case
    ("bao cao" finds "Báo cáo"): every word must start a word of the title, description, directive
    number or due phrase.  Completed tasks are listed only on request.
    """
    today = today or today_local()
    org_id = organisation.id
    ranked = _ranked_inbox(org_id, filters, today)
    pending_review = sa.exists().where(ProgressReport.task_id == Task.id,
                                       ProgressReport.review_state == ReviewState.PENDING)
    pending_extension = sa.exists().where(ExtensionRequest.task_id == Task.id,
                                          ExtensionRequest.state == ExtensionState.PENDING)
    stmt = (sa.select(Task, ranked.c.grp, ranked.c.role, ranked.c.n, pending_review, pending_extension)
            .join(ranked, ranked.c.task_id == Task.id)
            # The list shows the directive's number only: not its body, which can be the whole notice.
            .options(joinedload(Task.directive).load_only(Directive.number, Directive.doc_type,
                                                          Directive.issuer_suffix, Directive.title),
                     lazyload(Task.lead_org),
                     # Days late are the task's units' (app.tasks.units): its items, in one query.
                     selectinload(Task.items)))
    only = group if group in INBOX_GROUPS else None
    if only:
        stmt = stmt.where(ranked.c.grp == only)
        cursor = parse_inbox_cursor(after)
        if cursor:
            stmt = stmt.where(sa.or_(ranked.c.sort_due > cursor[0],
                                     sa.and_(ranked.c.sort_due == cursor[0], Task.id > cursor[1])))
        stmt = stmt.order_by(ranked.c.sort_due, Task.id).limit(page_size + 1)
    else:
        stmt = stmt.where(ranked.c.rn <= page_size).order_by(ranked.c.rn)
    groups = {key: InboxGroup(key) for key in ((only,) if only else INBOX_GROUPS)}
    for task, key, role, total, reviewing, extending in db.session.execute(stmt):
        bucket = groups[key]
        bucket.total = total
        if len(bucket.entries) < page_size:
            bucket.entries.append(InboxEntry(task, role, bool(reviewing), bool(extending)))
        else:
            bucket.next_cursor = inbox_cursor(bucket.entries[-1].task)
    return Inbox(organisation=organisation, today=today, groups=groups, only=only)


def _ranked_inbox(org_id: int, filters: InboxFilters, today: date):
    """The agency's tasks under the filters with their group, role, sort key, rank in the group and
    the group's size (window functions: one pass, whatever the number of groups)."""
    led_items = sa.select(ContentItem.task_id).where(ContentItem.lead_org_id == org_id)
    role = sa.case((Task.lead_org_id == org_id, "lead"), (Task.id.in_(led_items), "item_lead"),
                   else_="coordinator")
    group = sa.case(
        (Task.status == TaskStatus.COMPLETED, "completed"),
        (Task.kind == TaskKind.CONTINUOUS, "continuous"),
        (Task.due_date < today, "overdue"),
        (Task.due_date <= end_of_week(today), "this_week"),
        else_="later",
    )
    sort_due = sa.func.coalesce(Task.due_date, sa.literal(_NO_DUE, sa.Date))
    stmt = sa.select(Task.id.label("task_id"), group.label("grp"), role.label("role"), sort_due.label("sort_due"))
    stmt = stmt.where(in_agency_tasks(org_id))
    if filters.status is not None:
        stmt = stmt.where(Task.status == filters.status)
    elif not filters.include_completed:
        stmt = stmt.where(Task.status != TaskStatus.COMPLETED)
    if filters.directive_id:
        stmt = stmt.where(Task.directive_id == filters.directive_id)
    if filters.role == "lead":
        stmt = stmt.where(role != "coordinator")
    elif filters.role == "coordinator":
        stmt = stmt.where(role == "coordinator")
    words = query_words(filters.query or "")
    if words:
        symbol = (sa.func.coalesce(Directive.number, "") + "-" + Directive.doc_type + "/"
                  + sa.func.coalesce(Directive.issuer_suffix, ""))
        haystack = (Task.title + " " + sa.func.coalesce(Task.description, "") + " " + symbol + " "
                    + sa.func.coalesce(Task.due_phrase, ""))
        stmt = stmt.join(Directive, Directive.id == Task.directive_id).where(folded_match(haystack, words))
    # Group and rank over the filtered rows (the CASE expressions are computed once per task).
    rows = stmt.subquery("mine")
    return sa.select(
        rows,
        sa.func.row_number().over(partition_by=rows.c.grp, order_by=(rows.c.sort_due, rows.c.task_id)).label("rn"),
        sa.func.count().over(partition_by=rows.c.grp).label("n"),
    ).subquery("ranked")


def inbox_organisations(user: User) -> list[Organisation]:
    """Whose inbox the user may open: their own agency; oversight roles may open any agency's."""
    if has_permission(user, "agency.any"):
        return listed_organisations()
    return [user.organisation]
