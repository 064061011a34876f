"""No lost updates: 16 people (threads) × 25 progress reports against one task through the real WSGI
app, each with its own logged-in browser. Runs on SQLite and, with ``--db postgresql``, on PostgreSQL.

Every save either lands (302) or is refused as a conflict (409) naming what changed; nothing is a 500
("database is locked" included), and every accepted save is in the final state and the history."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.clock import today_local
from app.core.enums import Role, TaskStatus
from app.extensions import db
from app.models import AuditEvent, ProgressReport, Task
from tests.progress.helpers import form_version, fresh

THREADS = 16
UPDATES = 25
CONFLICT_TEXT = "đã được cập nhật bởi người khác"


@pytest.mark.slow
def test_sixteen_people_saving_one_task_lose_no_update(app, make_client, factories, db_kind):
    lead = factories.org("LEAD", name="Ban Dân vận Huyện ủy")
    task = factories.task(lead, due=today_local() + timedelta(days=60))
    # Plain values only: the threads must not touch this test's session or its objects.
    emails = [factories.user(Role.AGENCY_OFFICER if i % 2 else Role.AGENCY_HEAD, lead).email for i in range(THREADS)]
    task_id = task.id
    url = f"/progress/tasks/{task_id}/report"
    db.session.commit()
    outcomes: Counter = Counter()
    accepted_texts: list[str] = []
    failures: list[str] = []
    guard = threading.Lock()
    start = threading.Barrier(THREADS)

    def person(index: int) -> None:
        try:
            with app.app_context():
                browser = make_client()
                assert browser.login(emails[index]).status_code == 302
                token = browser.csrf_token("/")
                start.wait(timeout=60)
                version = None
                for n in range(UPDATES):
                    if version is None:  # open the form, as after a successful save
                        page = browser.get(url)
                        assert page.status_code == 200, page.status_code
                        version = form_version(page.get_data(as_text=True))
                    text = f"Người {index:02d}, lần {n:02d}: đã triển khai thêm một đợt."
                    response = browser.post(url, data={
                        "csrf_token": token, "version": str(version), "status": "in_progress",
                        "progress_percent": str((index * UPDATES + n) % 99 + 1), "result_text": text,
                        "content_item_id": "0",
                    })
                    body = response.get_data(as_text=True)
                    # After a conflict the page shows the task as it is now (its version) with the
                    # person's text kept: saving again from there is a deliberate re-apply.
                    version = form_version(body) if response.status_code == 409 else None
                    with guard:
                        outcomes[response.status_code] += 1
                        if response.status_code == 302:
                            accepted_texts.append(text)
                        elif response.status_code == 409 and CONFLICT_TEXT not in body:
                            failures.append(f"409 without the conflict message: {body[:300]}")
                        elif response.status_code not in (302, 409):
                            failures.append(f"{response.status_code}: {body[:300]}")
        except Exception as error:  # a crashed thread must fail the test, not vanish
            with guard:
                failures.append(f"thread {index}: {error!r}")

    threads = [threading.Thread(target=person, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert failures == []
    assert set(outcomes) <= {302, 409}, outcomes  # 0 server errors, every refusal a conflict
    assert outcomes[302] + outcomes[409] == THREADS * UPDATES
    assert outcomes[302] >= 1 and outcomes[409] >= 1, outcomes  # saves landed and races were really refused

    # 0 lost updates: every accepted save is a report, a history entry and a version step.
    db.session.rollback()  # a fresh transaction sees everything the threads committed
    reports = db.session.scalars(sa.select(ProgressReport).where(ProgressReport.task_id == task_id)
                                 .order_by(ProgressReport.id)).all()
    assert sorted(r.result_text for r in reports) == sorted(accepted_texts)
    history = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                .where(AuditEvent.task_id == task_id, AuditEvent.action == "report"))
    assert history == outcomes[302]
    final = fresh(Task, task_id)
    assert final.version_id == 1 + outcomes[302]
    # The task shows the last accepted report, not an older one that overwrote it.
    assert (final.status, final.progress_percent) == (TaskStatus.IN_PROGRESS, reports[-1].progress_percent)
    print(f"\n[{db_kind}] accepted={outcomes[302]} conflicts={outcomes[409]}")
