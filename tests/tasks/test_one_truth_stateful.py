"""Views that cannot disagree (issue 15): random sequences of work driven through the services, and
after every step the invariants every page, file and API answer rests on.

Steps: create a task with 0–3 content items, lead / coordinator / office reports on the whole task or
one item, confirmations and returns of completion proposals, extension requests and decisions, and
task edits (an item added or removed, the due date moved).  After each step, on the fixed day D:

- each task with items has the roll-up of its items (status, percent, completion date);
- the overdue count is the same on the chief's home, the overdue review, ``/api/v1/overdue`` total,
  the report annex (tasks marked "Quá hạn") and the definition in app.tasks.units; the scorecards'
  "chưa hoàn thành" counts the open units past their *original* due date (the same units when no
  extension moved one);
- section I's unfinished list is exactly the conclusion's units not completed on schedule;
- the annex status of each task is its status.

Deterministic (derandomize), sized for CI: ≥ 500 steps per run on each database.
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta

import sqlalchemy as sa
import time_machine
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from app.core.enums import ReviewState, Role, TaskStatus
from app.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.core.periods import parse_period
from app.directives import breakdown
from app.directives.breakdown import ItemInput, TaskInput
from app.extensions import db
from app.main import services as home_services
from app.models import ProgressReport, Task
from app.oversight import agency_scorecards, dashboard, overdue_pages, overdue_review
from app.progress.extension_requests import decide_extension, request_extension
from app.progress.reports import submit_progress_report
from app.progress.review import confirm_completion, return_completion
from app.reports.builder import build_period_report
from app.tasks.rollup import rollup_completed_on, rollup_percent, rollup_status
from app.tasks.units import units_of

D = date(2024, 10, 5)
EXAMPLES, STEPS = int(os.environ.get("ONE_TRUTH_EXAMPLES", 10)), 52
#: Every view is compared every FULL_EVERY steps and at the end of each run; the review every step.
FULL_EVERY = 10
REFUSED = (ValidationFailed, Conflict, PermissionDenied, NotFound)
#: Due dates around D: some past (overdue when open), some to come.
DUES = [date(2024, 7, 31), date(2024, 9, 30), date(2024, 10, 4), date(2024, 10, 31), date(2024, 12, 31)]
TOTAL_STEPS = {"n": 0}


class World:
    """The district the machine works in: two agencies, the office, the chief, the committee, and the
    conclusion of the previous quarter's session (section I of Q3/2024 reports on it)."""

    def __init__(self, factories):
        self.a = factories.org("BTG", name="Ban Tuyên giáo Huyện ủy", order=1)
        self.b = factories.org("MTTQ", name="Ủy ban MTTQ Việt Nam huyện", order=2)
        office_org = factories.org("VP", name="Văn phòng Huyện ủy", order=3)
        self.office = factories.user(Role.OFFICE, office_org)
        self.chief = factories.user(Role.OFFICE_CHIEF, office_org)
        self.committee = factories.user(Role.COMMITTEE, office_org)
        self.officers = {self.a.id: factories.user(Role.AGENCY_OFFICER, self.a),
                         self.b.id: factories.user(Role.AGENCY_OFFICER, self.b)}
        meeting = factories.meeting(held_on=date(2024, 6, 14), label="quý II/2024")
        self.directive = factories.directive(meeting=meeting, number="215", issued_on=date(2024, 6, 20))
        db.session.commit()


class OneTruth(RuleBasedStateMachine):
    """Each run starts from an empty database (Hypothesis replays runs: no state may leak between them)."""

    factories = None
    make_client = None

    def __init__(self):
        from tests.api.conftest import ApiClient, token_for
        from tests.conftest import _empty_the_database

        super().__init__()
        db.session.remove()
        _empty_the_database()
        self.world = World(self.factories)
        self.api = ApiClient(self.make_client(), token_for(self.world.chief))
        self.changed_due = False
        self.n_tasks = 0

    # ------------------------------------------------------------------------------ helpers

    def _tasks(self) -> list[Task]:
        return list(db.session.scalars(sa.select(Task).where(Task.directive_id == self.world.directive.id)
                                       .order_by(Task.id)))

    def _do(self, action) -> None:
        TOTAL_STEPS["n"] += 1
        try:
            action()
            db.session.commit()
        except REFUSED:
            db.session.rollback()
        db.session.expire_all()

    def _pick(self, data, items=False):
        tasks = self._tasks()
        task = data.draw(st.sampled_from(tasks))
        item = None
        if items and task.items:
            item = data.draw(st.one_of(st.none(), st.sampled_from(list(task.items))))
        return task, item

    # ------------------------------------------------------------------------------ rules

    @rule(n_items=st.integers(0, 3), lead=st.booleans(), coordinate=st.booleans(), due=st.sampled_from(DUES),
          item_dues=st.lists(st.one_of(st.none(), st.sampled_from(DUES)), min_size=3, max_size=3))
    def create_task(self, n_items, lead, coordinate, due, item_dues):
        w = self.world
        lead_org, other = (w.a, w.b) if lead else (w.b, w.a)
        n = self.n_tasks + 1
        if n_items == 0:
            # Tasks without items come from seeds and older imports: the task is its own unit.
            def create():
                task = Task(directive=w.directive, ordinal=n, title=f"Nhiệm vụ {n}", lead_org=lead_org, due_date=due,
                            original_due_date=due, status=TaskStatus.NOT_STARTED, progress_percent=0)
                task.coordinators = [other] if coordinate else []
                db.session.add(task)
        else:
            data = TaskInput(title=f"Nhiệm vụ {n}", lead_org_id=lead_org.id, due_date=due,
                             coordinator_ids=[other.id] if coordinate else [],
                             items=[ItemInput(text=f"Nội dung {n}.{i + 1}", due_date=item_dues[i])
                                    for i in range(n_items)])

            def create():
                breakdown.add_task(w.office, w.directive, data)
        self._do(create)
        self.n_tasks = db.session.scalar(sa.select(sa.func.count()).select_from(Task))

    @precondition(lambda self: self.n_tasks)
    @rule(data=st.data(), who=st.sampled_from(["lead", "coordinator", "office"]),
          status=st.sampled_from(list(TaskStatus)), percent=st.integers(0, 100), day=st.integers(0, 100))
    def report(self, data, who, status, percent, day):
        task, item = self._pick(data, items=True)
        w = self.world
        actor = {"lead": w.officers[task.lead_org_id],
                 "coordinator": w.officers[w.b.id if task.lead_org_id == w.a.id else w.a.id],
                 "office": w.office}[who]
        payload = {"status": status, "progress_percent": percent, "reported_on": date(2024, 6, 20) + timedelta(days=day),
                   "result_text": "Đã triển khai theo Kế hoạch số 12-KH/HU.",
                   "content_item_id": item.id if item is not None else None}
        self._do(lambda: submit_progress_report(actor, task, payload))

    def _pending(self) -> list[ProgressReport]:
        return list(db.session.scalars(sa.select(ProgressReport).where(
            ProgressReport.review_state == ReviewState.PENDING).order_by(ProgressReport.id)))

    @precondition(lambda self: self._pending())
    @rule(data=st.data(), confirm=st.booleans(), back=st.integers(0, 30))
    def review(self, data, confirm, back):
        report = data.draw(st.sampled_from(self._pending()))
        w = self.world
        if confirm:
            on = max(report.reported_on, D - timedelta(days=back))
            self._do(lambda: confirm_completion(w.office, report, completed_on=on))
        else:
            self._do(lambda: return_completion(w.office, report, "Thiếu minh chứng."))

    @precondition(lambda self: self.n_tasks)
    @rule(data=st.data(), days=st.integers(1, 60), approve=st.booleans())
    def extension(self, data, days, approve):
        task, _ = self._pick(data)
        w = self.world
        if task.due_date is None:
            return

        def request_and_decide():
            request = request_extension(w.officers[task.lead_org_id], task, max(task.due_date, D) +
                                        timedelta(days=days), "Chờ ý kiến của tỉnh.")
            db.session.flush()
            decide_extension(w.committee, request, approve, None if approve else "Không đủ lý do.")
            if approve:
                self.changed_due = True
        self._do(request_and_decide)

    @precondition(lambda self: self.n_tasks)
    @rule(data=st.data(), change=st.sampled_from(["add_item", "drop_item", "due"]), due=st.sampled_from(DUES))
    def edit(self, data, change, due):
        task, _ = self._pick(data)
        items = [ItemInput(text=i.text, lead_org_id=i.lead_org_id, due_date=i.due_date, id=i.id) for i in task.items]
        if change == "add_item":
            items.append(ItemInput(text=f"Nội dung thêm {len(items) + 1}", due_date=None))
        elif change == "drop_item" and len(items) > 1:
            items.pop(data.draw(st.integers(0, len(items) - 1)))
        data_in = TaskInput(title=task.title, lead_org_id=task.lead_org_id, due_date=due if change == "due" else task.due_date,
                            coordinator_ids=[o.id for o in task.coordinators], items=items)
        if change == "due":
            self.changed_due = True
        self._do(lambda: breakdown.update_task_breakdown(self.world.office, task, data_in))

    # ------------------------------------------------------------------------------ invariants

    @invariant()
    def views_agree(self):
        """After every step: the roll-up and the overdue review against the definition; every
        FULL_EVERY steps and at the end of each run, every other view too (CI budget)."""
        tasks, units, overdue = self._truth()
        snapshot = overdue_review.build_overdue_snapshot(D)
        assert {(u.task_id, u.item_id) for u in snapshot.units} == overdue
        if TOTAL_STEPS["n"] % FULL_EVERY == 0:
            self._every_view(tasks, units, overdue)

    def teardown(self):
        tasks, units, overdue = self._truth()
        self._every_view(tasks, units, overdue)
        assert self.api.get("/overdue").get_json()["total"] == len(overdue)
        db.session.remove()

    def _truth(self):
        tasks = self._tasks()
        for task in tasks:
            if task.items:
                expected = rollup_status(i.status for i in task.items)
                assert task.status is expected, (task.id, task.status, [i.status for i in task.items])
                assert task.progress_percent == rollup_percent(task.items)
                done = rollup_completed_on(i.completed_on for i in task.items) if expected is TaskStatus.COMPLETED else None
                assert task.completed_on == done
        units = [u for t in tasks for u in units_of(t)]
        return tasks, units, {(u.task_id, u.item_id or 0) for u in units if u.is_overdue(D)}

    def _every_view(self, tasks, units, overdue):
        w = self.world
        assert overdue_pages.overdue_count(overdue_review.OverdueFilters(as_of=D)) == len(overdue)
        assert home_services.status_counts(w.chief, D).overdue == len(overdue)
        assert dashboard.office_dashboard(w.chief, D).overdue_total == len(overdue)
        behind = sum(1 for u in units if u.is_open_on(D) and u.original_due is not None and u.original_due < D
                     and u.original_due.year == 2024)
        cards = agency_scorecards.scorecards(parse_period("2024"), D)
        assert sum(c.not_completed for c in cards) == behind
        if not self.changed_due:
            assert behind == len(overdue)

        built = build_period_report(2024, "quarter", 3, D)
        annex = {row.task_id: row for row in built.annex}
        for task in tasks:
            assert annex[task.id].status == task.status.label
        assert {t for t, row in annex.items() if row.timeliness.startswith("Quá hạn")} == {t for t, _ in overdue}
        if built.conclusion is not None:
            unfinished = {(u.task_id, u.item_id) for u in built.conclusion.unfinished}
            late_or_open = {(u.task_id, u.item_id) for u in units
                            if (done := u.closed_on(D)) is None or (u.due is not None and done > u.due)}
            assert unfinished == late_or_open
            assert built.conclusion.unit_count == len(units)
            if unfinished:
                text = built.section_text("I")[2]
                count = re.search(r"còn (một|\d\d) nhiệm vụ", text)
                assert count, built.section_text("I")
                assert count.group(1) == ("một" if len(unfinished) == 1 else f"{len(unfinished):02d}")


@time_machine.travel(D, tick=False)
def test_views_never_disagree(factories, make_client):
    OneTruth.factories, OneTruth.make_client = factories, staticmethod(make_client)
    TOTAL_STEPS["n"] = 0
    run_state_machine_as_test(OneTruth, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, derandomize=True, deadline=None, database=None,
        suppress_health_check=list(HealthCheck)))
    assert TOTAL_STEPS["n"] >= 500, TOTAL_STEPS["n"]
