"""`flask bench seed`: generates the benchmark district, refuses to run twice, replaces it with --reset."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.enums import TaskKind, TaskStatus
from app.extensions import db
from app.models import ContentItem, Organisation, Task, User


def _count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_seed_refuses_twice_and_resets(runner, factories):
    keep = factories.org("BTG")
    factories.task(keep)
    result = runner.invoke(args=["bench", "seed", "--tasks", "300", "--agencies", "5", "--years", "2",
                                 "--end", "2024-09-30"])
    assert result.exit_code == 0, result.output
    assert "300 tasks" in result.output
    assert _count(Task) == 301 and _count(Organisation, Organisation.code.startswith("BENCH-")) == 7
    statuses = dict(db.session.execute(sa.select(Task.status, sa.func.count()).group_by(Task.status)).all())
    assert statuses[TaskStatus.COMPLETED] > 150 and statuses.get(TaskStatus.NOT_COMPLETED, 0) > 0
    assert _count(Task, Task.kind == TaskKind.CONTINUOUS) > 0 and _count(ContentItem) > 0
    assert _count(User, User.email == "chief@bench.example") == 1

    again = runner.invoke(args=["bench", "seed", "--tasks", "10"])
    assert again.exit_code != 0 and "--reset" in again.output and _count(Task) == 301

    reset = runner.invoke(args=["bench", "seed", "--tasks", "50", "--agencies", "3", "--reset", "--end", "2024-09-30"])
    assert reset.exit_code == 0, reset.output
    assert _count(Task) == 51 and _count(Organisation, Organisation.code == "BTG") == 1


def test_seed_is_deterministic(app):
    from datetime import date

    from app.bench_seed import delete_bench_data, seed_bench

    def snapshot():
        return db.session.execute(sa.select(Task.title, Task.status, Task.due_date, Task.completed_on)
                                  .order_by(Task.id)).all()

    seed_bench(tasks=120, agencies=4, years=1, end=date(2024, 6, 30), seed=3, password="Mat-khau-bench-2024")
    first = snapshot()
    delete_bench_data()
    seed_bench(tasks=120, agencies=4, years=1, end=date(2024, 6, 30), seed=3, password="Mat-khau-bench-2024")
    assert snapshot() == first
