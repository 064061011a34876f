"""Time to build the quarterly report's Word file for a period with 1,000 tasks and 13 agencies.

Builds a fresh SQLite database (migrations, the 13 agencies of the working session, the Q1 and Q2
2024 sessions, 1,000 tasks across 12 conclusions with content items, progress reports, indicator
sets and every agency's period input), then measures, after one warm-up run:

- ``build``: :func:`app.reports.builder.build_period_report` (all the queries and text);
- ``docx``: :func:`app.reports.docx.render_docx` on the built report;
- ``build+docx``: the two together, what a download costs (target < 1 s);
- ``xlsx``: the Excel annex (1,000 rows).

BENCH_QUICK=1 uses 200 tasks and fewer repetitions.  Run: ``.venv/bin/python bench/report_bench.py``.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from common import ROOT, quick, report

TASKS = 200 if quick() else 1000
RUNS = 3 if quick() else 7
AS_OF = date(2024, 6, 20)


def make_app(db_path: Path):
    from flask_migrate import upgrade

    from app import create_app
    from config import TestingConfig

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_path}")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def seed(task_count: int) -> int:
    """The dataset; returns the number of tasks in the period."""
    from app.core.clock import now_utc
    from app.core.enums import DirectiveStatus, MeetingKind, OrganisationKind, Role, TaskStatus
    from app.core.security import hash_password
    from app.demo import catalog
    from app.extensions import db
    from app.models import (
        AgencyPeriodInput,
        ContentItem,
        Directive,
        Indicator,
        IndicatorValue,
        Meeting,
        Organisation,
        ProgressReport,
        Task,
        User,
    )

    rng = random.Random(20240620)
    agencies = []
    for row in catalog.ORGANISATIONS:
        if row["report_heading"]:
            org = Organisation(code=row["code"], name=row["name"], short_name=row["short_name"],
                               kind=OrganisationKind.coerce(row["kind"]), display_order=row["order"],
                               report_heading=row["report_heading"])
            db.session.add(org)
            agencies.append(org)
    db.session.flush()
    author = User(email="bench@phunghiep.example", name="Bench", role=Role.OFFICE_CHIEF, organisation=agencies[5],
                  password_hash=hash_password("bench-password-2024"))
    db.session.add(author)
    participants = "các cơ quan tham mưu, giúp việc Huyện ủy\nMặt trận Tổ quốc và các đoàn thể chính trị - xã hội huyện"
    q1 = Meeting(kind=MeetingKind.PERIODIC, period_label="quý I/2024", year=2024, quarter=1, held_on=date(2024, 3, 14),
                 chair="Thường trực Huyện ủy", participants=participants)
    q2 = Meeting(kind=MeetingKind.PERIODIC, period_label="quý II/2024", year=2024, quarter=2, held_on=AS_OF,
                 chair="Thường trực Huyện ủy", participants=participants)
    db.session.add_all([q1, q2])
    directives = [Directive(doc_type="TB" if i == 0 else "KH", number=f"{100 + i}", issuer_suffix="HU",
                            issued_on=date(2024, 1, 5) + timedelta(days=11 * i), title=f"Văn bản số {100 + i}",
                            meeting=q1 if i == 0 else None, status=DirectiveStatus.ISSUED) for i in range(12)]
    db.session.add_all(directives)
    db.session.flush()
    for n in range(task_count):
        lead = agencies[n % len(agencies)]
        due = date(2024, 3, 31) + timedelta(days=rng.randint(0, 250))
        roll = rng.random()
        status = TaskStatus.COMPLETED if roll < 0.45 else TaskStatus.IN_PROGRESS if roll < 0.9 else TaskStatus.NOT_STARTED
        done = min(due - timedelta(days=rng.randint(-10, 30)), AS_OF) if status is TaskStatus.COMPLETED else None
        task = Task(directive=directives[n % 12], ordinal=n + 1, lead_org=lead, due_date=due, original_due_date=due,
                    title=f"Nhiệm vụ số {n + 1}: tham mưu, tổ chức thực hiện nội dung công tác trọng tâm của {lead.name}",
                    status=status, completed_on=done, progress_percent=100 if done else rng.randint(0, 90))
        task.coordinators = [agencies[(n + 3) % len(agencies)]]
        for k in range(1 + (n % 3 == 0)):
            task.items.append(ContentItem(ordinal=k + 1, text=f"Nội dung {k + 1} của nhiệm vụ {n + 1}",
                                          status=status, completed_on=done))
        db.session.add(task)
        db.session.flush()
        db.session.add(ProgressReport(task_id=task.id, organisation_id=lead.id, author_id=author.id, status=status,
                                      progress_percent=task.progress_percent, reported_on=date(2024, 5, 1)
                                      + timedelta(days=rng.randint(0, 45)), created_at=now_utc(),
                                      result_text=f"Đã triển khai thực hiện nhiệm vụ số {n + 1} theo kế hoạch."))
    for order, org in enumerate(agencies):
        db.session.add(AgencyPeriodInput(organisation_id=org.id, year=2024, period_kind="quarter", period_index=2,
                                         results_text=f"Kết quả công tác 6 tháng đầu năm 2024 của {org.name}. " * 4,
                                         next_tasks_text=f"{org.name} tiếp tục thực hiện các nhiệm vụ trọng tâm.",
                                         declared_indicator_total=20 if order >= 6 else None))
        if order >= 6:
            for k in range(20):
                indicator = Indicator(organisation_id=org.id, year=2024, code=f"{k + 1:02d}", phrase=f"Chỉ tiêu {k + 1}",
                                      unit="điểm", target=Decimal(100), is_year_end=k >= 18, display_order=k)
                if k < 18:
                    indicator.values.append(IndicatorValue(as_of=date(2024, 6, 15), actual=Decimal(rng.randint(40, 120)),
                                                           created_at=now_utc()))
                db.session.add(indicator)
    db.session.commit()
    return task_count


def timed(fn, runs: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), result


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="report-bench-") as work:
        app = make_app(Path(work) / "bench.sqlite")
        with app.app_context():
            from app.extensions import db
            from app.reports.builder import build_period_report
            from app.reports.docx import render_docx
            from app.reports.xlsx import annex_for

            seed(TASKS)
            db.session.expire_all()

            def build():
                db.session.expire_all()  # no identity-map shortcuts between runs
                return build_period_report(2024, "quarter", 2, AS_OF)

            def build_and_render():
                return render_docx(build())

            build_and_render()  # warm-up
            built_s, built = timed(build, RUNS)
            docx_s, data = timed(lambda: render_docx(built), RUNS)
            total_s, _ = timed(build_and_render, RUNS)
            xlsx_s, annex = timed(lambda: annex_for(built), RUNS)
            print(f"{len(built.annex)} tasks in the annex, {len(built.agency_blocks)} agencies, "
                  f"{len(built.body())} paragraphs; docx {len(data) // 1024} KiB, xlsx {len(annex) // 1024} KiB; "
                  f"median of {RUNS} runs")
            report("build report", built_s * 1000, "ms")
            report("render docx", docx_s * 1000, "ms")
            met = report("build+docx (1,000 tasks, 13 agencies)", total_s, "s", target=1.0)
            report("xlsx annex", xlsx_s * 1000, "ms")
            app.extensions["sqlalchemy"].engine.dispose()
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
