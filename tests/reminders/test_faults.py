"""Fault tests with real processes: the tick killed with SIGKILL mid-batch and restarted twenty
times, and two scheduler processes started together (one sends, the other stands by and takes
over when the first is killed).  Run on SQLite (file database, flock) and PostgreSQL (advisory lock).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine

from app.core.enums import ReminderState
from app.extensions import db
from app.models import Notification, ReminderLog, SchedulerHeartbeat, Task
from app.reminders.attention import attention_items
from app.reminders.workdays import load_calendar
from tests.plugins.processes import child_environment
from tests.reminders.conftest import at, no_digests, tick

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2024, 6, 19)


def child_env(app, smtp, tmp_path, clock_start=None) -> dict:
    """A deployment's environment for a child process; ``clock_start`` is the instant its clock starts at."""
    env = child_environment()
    if clock_start is not None:
        env["CLOCK_START_AT"] = clock_start.isoformat()
    env.update({
        "APP_ENV": "development", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "FLASK_APP": "wsgi",
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port), "MAIL_SUPPRESS_SEND": "false", "MAIL_TIMEOUT": "5",
        "INSTANCE_PATH": str(tmp_path), "SCHEDULER_LOCK_FILE": str(tmp_path / "scheduler.lock"),
        "BASE_URL": "http://localhost", "PYTHONPATH": str(ROOT),
    })
    return env


def add_tasks(agency, n: int, due: date, prefix: str = "Việc") -> None:
    from tests import factories

    directive = factories.directive()
    db.session.execute(sa.insert(Task.__table__), [{
        "directive_id": directive.id, "ordinal": i, "title": f"{prefix} {i}", "description": "", "lead_org_id": agency.id,
        "kind": "one_off", "due_date": due, "original_due_date": due, "status": "not_started", "progress_percent": 0,
        "is_all_communes": False, "is_confidential": False, "version_id": 1,
        "created_at": at(DAY), "updated_at": at(DAY),
    } for i in range(n)])
    db.session.commit()


def log_states() -> list[tuple[int, ReminderState, int]]:
    db.session.expire_all()
    rows = db.session.execute(sa.select(ReminderLog.id, ReminderLog.state, ReminderLog.attempts).order_by(ReminderLog.id)).all()
    db.session.commit()
    return rows


class ForkServer:
    def __init__(self, env):
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "tests/reminders/tick_worker.py")], env=env, cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def start(self, day: date) -> int:
        self.proc.stdin.write(f"run {day.isoformat()}\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def wait(self) -> int:
        line = self.proc.stdout.readline()
        assert line.startswith("exit "), line
        return int(line.split()[1])

    def close(self) -> None:
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait(timeout=10)


@pytest.mark.slow
def test_sigkill_during_a_batch_of_1000_twenty_times_loses_and_duplicates_nothing(smtp, district, app, tmp_path):
    no_digests()
    add_tasks(district.agency, 1000, DAY)
    smtp.handler.delay = 0.001  # a relay that takes a moment per message, so kills land mid-batch
    rng = random.Random(20240619)
    server = ForkServer(child_env(app, smtp, tmp_path))
    kills = 0
    try:
        while kills < 20:
            received_before = len(smtp.messages)
            pid = server.start(DAY)
            if kills % 4 == 0:
                time.sleep(rng.uniform(0.05, 0.8))  # anywhere: start-up, planning, claiming or sending
            else:
                deadline = time.monotonic() + 20
                while len(smtp.messages) == received_before and time.monotonic() < deadline:
                    time.sleep(0.005)
                time.sleep(rng.uniform(0, 0.08))
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            status = server.wait()
            assert os.WIFSIGNALED(status) or os.WEXITSTATUS(status) == 0
            if os.WIFSIGNALED(status):
                kills += 1
            else:  # the batch finished before the kill: the test would prove nothing more
                break
        assert kills == 20, "the batch ended before twenty kills"
        final = server.start(DAY)
        assert final > 0 and server.wait() == 0
    finally:
        server.close()

    rows = log_states()
    ids = {row_id for row_id, _s, _a in rows}
    assert len(rows) == 1000
    per_id = Counter(i for m in smtp.messages for i in m.ids)
    assert max(per_id.values()) == 1, "a reminder was received twice"
    in_flight = {row_id for row_id, state, _a in rows if state is ReminderState.CLAIMED}
    sent = {row_id for row_id, state, _a in rows if state is ReminderState.SENT}
    assert sent | in_flight == ids and not (sent & in_flight)
    assert sent <= set(per_id)                      # every row marked sent was received
    assert ids - set(per_id) <= in_flight           # nothing lost beyond the items in flight
    assert len(in_flight) <= kills                  # at most one in flight per kill
    assert all(attempts >= 1 for row_id, _s, attempts in rows if row_id in in_flight)
    print(f"\n{kills} kills: {len(per_id)} of 1000 received once, {len(in_flight)} left in flight "
          f"({len(in_flight & set(per_id))} of them had in fact arrived)")

    # The office chief is shown the interrupted ones once they are old enough, and they are not re-sent.
    later = at(DAY, 12)
    assert {r.id for r in attention_items(later)} == in_flight
    before = len(smtp.messages)
    result = tick(DAY, 12)
    assert result.interrupted == len(in_flight) and len(smtp.messages) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == district.chief.id, Notification.kind == "reminder_interrupted")) == len(in_flight)


def wait_until(predicate, timeout: float, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def heartbeats() -> list[tuple[str, bool]]:
    db.session.expire_all()
    rows = db.session.execute(sa.select(SchedulerHeartbeat.process, SchedulerHeartbeat.is_leader)).all()
    db.session.commit()
    return sorted(rows)


@pytest.mark.slow
def test_two_scheduler_processes_one_sends_and_the_standby_takes_over(smtp, district, app, tmp_path):
    no_digests()
    today = DAY  # a working day; both processes' clocks start at 08:00 that morning
    assert load_calendar(today).is_working_day(today)
    add_tasks(district.agency, 40, today)
    env = child_env(app, smtp, tmp_path, clock_start=at(DAY))
    cmd = [sys.executable, "-m", "flask", "scheduler", "run", "--heartbeat", "0.5", "--standby-retry", "0.5"]
    logs = [tmp_path / f"scheduler{n}.log" for n in range(2)]
    procs = [subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=log.open("w"), text=True)
             for log in logs]
    try:
        roles = {}
        for proc in procs:
            line = proc.stdout.readline()
            assert line.startswith("scheduler "), line
            roles[proc.pid] = line.split(":")[2].split()[0] if line.count(":") >= 2 else line
        assert sorted(roles.values()) == ["leader", "standby"], roles
        leader = next(p for p in procs if roles[p.pid] == "leader")
        standby = next(p for p in procs if p is not leader)

        assert len(wait_until(lambda: len(smtp.messages) >= 40 and smtp.messages, 30)) == 40
        assert wait_until(lambda: len(heartbeats()) == 2, 10)
        time.sleep(1.5)  # give a wrongly-ticking standby every chance to send
        assert len(smtp.messages) == 40
        senders = {m.headers["X-Reminder-Sender"] for m in smtp.messages}
        assert len(senders) == 1 and senders.pop().endswith(f":{leader.pid}")
        beats = heartbeats()
        assert [leading for _p, leading in beats].count(True) == 1
        assert next(p for p, leading in beats if leading).endswith(f":{leader.pid}")

        # New work arrives (the leader's next tick is minutes away), then the leader dies: the
        # standby takes the lock and catches up at once.
        add_tasks(district.agency, 10, today, prefix="Việc mới")
        leader.send_signal(signal.SIGKILL)
        leader.wait(timeout=10)
        took_over = wait_until(lambda: len(smtp.messages) >= 50 and smtp.messages, 30)
        assert took_over and len(took_over) == 50, "\n".join(log.read_text()[-3000:] for log in logs)
        new_senders = {m.headers["X-Reminder-Sender"] for m in smtp.messages[40:]}
        assert {s.split(":")[1] for s in new_senders} == {str(standby.pid)}
        assert max(Counter(i for m in smtp.messages for i in m.ids).values()) == 1
        assert wait_until(lambda: any(p.endswith(f":{standby.pid}") and leading for p, leading in heartbeats()), 5)

        standby.send_signal(signal.SIGTERM)
        assert standby.wait(timeout=20) == 0
        assert not any(p.endswith(f":{standby.pid}") and leading for p, leading in heartbeats())
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    rows = log_states()
    assert len(rows) == 50 and all(state is ReminderState.SENT for _i, state, _a in rows)


def test_scheduler_tick_and_heartbeat_in_process(smtp, district, app, tmp_path, request):
    """The runner's jobs without the blocking loop: leader lock taken, tick sends, heartbeat stored,
    the admin banner goes away; a second runner on the same lock stays standby."""
    from app.main.services import scheduler_is_stale
    from app.reminders.scheduler import JOB_DEFAULTS, SchedulerRunner, leader_lock_for

    no_digests()
    traveller = time_machine.travel(at(DAY), tick=False)  # the jobs read the clock: 08:00 on a working day
    traveller.start()
    request.addfinalizer(traveller.stop)
    add_tasks(district.agency, 3, DAY)
    assert scheduler_is_stale()
    db.session.commit()
    first = SchedulerRunner(app, heartbeat_seconds=60, standby_retry_seconds=30)
    second = SchedulerRunner(app, heartbeat_seconds=60, standby_retry_seconds=30, lock=leader_lock_for(app))
    try:
        assert first.is_leader and not second.is_leader
        tick_job = first.scheduler.get_job("reminder_tick")
        assert tick_job is not None and second.scheduler.get_job("reminder_tick") is None
        assert JOB_DEFAULTS == {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
        first.tick()
        second.tick()  # a standby never ticks
        assert len(smtp.messages) == 3
        db.session.commit()  # end this test's read snapshot before looking at what the jobs wrote
        assert not scheduler_is_stale()
        beat = db.session.scalar(sa.select(SchedulerHeartbeat).where(SchedulerHeartbeat.process == first.process))
        assert beat.is_leader and "đã gửi 3 thư" in beat.last_tick_summary
        first.lock.release()
        first.contend()  # the leader notices it lost the lock and steps down
        assert not first.is_leader and first.scheduler.get_job("reminder_tick") is None
        second.contend()
        assert second.is_leader and second.scheduler.get_job("reminder_tick") is not None
    finally:
        first.lock.release()
        second.lock.release()


def test_a_late_start_up_tick_still_runs_once_where_the_apscheduler_default_would_drop_it(app, tmp_path):
    """misfire_grace_time=None and coalesce=True are in force: a tick 3 s late runs, once (with the
    3.x default of one second it would be logged as missed and skipped, as the control shows)."""
    import threading
    from datetime import timedelta

    from apscheduler.schedulers.blocking import BlockingScheduler

    from app.core.clock import now_utc
    from app.reminders.scheduler import FileLeaderLock, SchedulerRunner

    def run_briefly(scheduler: BlockingScheduler) -> None:
        thread = threading.Thread(target=scheduler.start, daemon=True)
        thread.start()
        time.sleep(1.0)
        scheduler.shutdown(wait=False)
        thread.join(5)

    runner = SchedulerRunner(app, heartbeat_seconds=60, standby_retry_seconds=60, lock=FileLeaderLock(str(tmp_path / "l.lock")))
    try:
        calls: list[int] = []
        for job_id in ("heartbeat", "leader_election"):
            runner.scheduler.modify_job(job_id, func=lambda: None)
        runner.scheduler.modify_job("reminder_tick", func=lambda: calls.append(1), next_run_time=now_utc() - timedelta(seconds=3))
        run_briefly(runner.scheduler)
        assert calls == [1]
    finally:
        runner.lock.release()

    control_calls: list[int] = []
    control = BlockingScheduler()
    control.add_job(lambda: control_calls.append(1), "interval", minutes=5, next_run_time=now_utc() - timedelta(seconds=3))
    run_briefly(control)
    assert control_calls == []
