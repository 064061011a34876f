"""The scheduler process (`flask scheduler run`): APScheduler 3.x in its own process, one leader.

Never started inside web workers or the reloader (ecosystem.md §B.1: each copy would send its own
reminders).  A leader lock lets a second copy wait as a standby and take over when the first dies:

- PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) held on a dedicated connection;
  the server releases it when that connection drops, so a killed leader frees it at once.
- SQLite: ``fcntl.flock`` on ``SCHEDULER_LOCK_FILE``; the kernel releases it when the process dies.

Jobs live in memory (they are defined here, all state is in the application's tables) with
``coalesce=True, max_instances=1, misfire_grace_time=None``: a tick missed while the machine was
busy runs once, late, instead of being dropped (the 3.x default drops it after one second).
The tick itself (:func:`app.reminders.tick.run_tick`) is idempotent, so the lock is a second
line of defence against wasted work, not what prevents duplicates.
"""

from __future__ import annotations

import fcntl
import gc
import logging
import os
import signal
import threading
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, has_request_context

from app.core.clock import LOCAL_TZ, now_utc, timer_now, today_local
from app.core.database import write_intent
from app.extensions import db
from app.housekeeping import run_housekeeping
from app.reminders.delivery import sender_tag
from app.reminders.heartbeats import prune_heartbeats, record_heartbeat
from app.reminders.tick import run_tick

log = logging.getLogger("app.reminders.scheduler")

#: Arbitrary constant naming the advisory lock ("remi" in ASCII); one per database.
ADVISORY_LOCK_KEY = 0x72656D69
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
HOUSEKEEPING_MINUTES = 30


class LeaderLock:
    """Held by at most one scheduler process at a time."""

    description = "lock"

    def try_acquire(self) -> bool:
        raise NotImplementedError

    def still_held(self) -> bool:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError


class FileLeaderLock(LeaderLock):
    """``flock`` on a file beside the database (SQLite deployments run on one machine)."""

    def __init__(self, path: str):
        self.path = Path(path)
        self.description = f"file lock {self.path}"
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None


class AdvisoryLeaderLock(LeaderLock):
    """PostgreSQL session advisory lock on a connection of its own (not from the app's pool)."""

    def __init__(self, url: sa.URL | str, key: int = ADVISORY_LOCK_KEY):
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.key = key
        self.description = f"PostgreSQL advisory lock {key}"
        self._conn: sa.Connection | None = None

    def try_acquire(self) -> bool:
        if self._conn is not None:
            return self.still_held()
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
        except sa.exc.DBAPIError:
            conn.close()
            return False
        if got:
            self._conn = conn
        else:
            conn.close()
        return got

    def still_held(self) -> bool:
        """The lock lives as long as its connection: check that the connection still works."""
        if self._conn is None:
            return False
        try:
            self._conn.execute(sa.text("SELECT 1"))
            return True
        except sa.exc.DBAPIError:
            self._drop()
            return False

    def _drop(self) -> None:
        try:
            self._conn.invalidate()
            self._conn.close()
        except sa.exc.SQLAlchemyError:  # already broken: nothing more to release
            log.debug("closing the broken lock connection failed", exc_info=True)
        self._conn = None

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            self._conn.close()
        except sa.exc.DBAPIError:
            pass
        self._conn = None
        self.engine.dispose()


def leader_lock_for(app: Flask) -> LeaderLock:
    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() == "postgresql":
        return AdvisoryLeaderLock(url)
    return FileLeaderLock(app.config["SCHEDULER_LOCK_FILE"])


class SchedulerRunner:
    """One scheduler process: heartbeat job always, tick job while it holds the leader lock."""

    def __init__(self, app: Flask, *, heartbeat_seconds: float | None = None, standby_retry_seconds: float | None = None,
                 tick_minutes: float | None = None, lock: LeaderLock | None = None):
        if has_request_context():
            raise RuntimeError("the scheduler runs in its own process (flask scheduler run), never in a web request")
        self.app = app
        config = app.config
        self.heartbeat_seconds = heartbeat_seconds or config.get("SCHEDULER_HEARTBEAT_SECONDS", 60)
        # The standby retries the lock at each heartbeat, or more often when asked to.
        self.standby_retry_seconds = standby_retry_seconds or config.get("SCHEDULER_STANDBY_RETRY_SECONDS", 30)
        self.tick_minutes = tick_minutes or config.get("SCHEDULER_TICK_MINUTES", 5)
        self.lock = lock or leader_lock_for(app)
        self.process = sender_tag()
        self.started_at = now_utc()
        self.is_leader = False
        self._tick_guard = threading.Lock()
        self.scheduler = BlockingScheduler(timezone=LOCAL_TZ, job_defaults=JOB_DEFAULTS)
        self.scheduler.add_job(self.heartbeat, "interval", seconds=self.heartbeat_seconds, id="heartbeat",
                               next_run_time=timer_now(), replace_existing=True, **JOB_DEFAULTS)
        self.scheduler.add_job(self.contend, "interval", seconds=self.standby_retry_seconds, id="leader_election",
                               replace_existing=True, **JOB_DEFAULTS)
        # Every scheduler process, leader or not (idempotent): at start-up, then every half hour.
        self.scheduler.add_job(self.housekeeping, "interval", minutes=HOUSEKEEPING_MINUTES, id="housekeeping",
                               next_run_time=now_utc(), replace_existing=True, **JOB_DEFAULTS)
        self.contend()

    # -- leadership ------------------------------------------------------------------------------
    def contend(self) -> None:
        """Standby: try to take the lock.  Leader: make sure it is still held, else step down."""
        if self.is_leader:
            if not self.lock.still_held():
                log.error("scheduler %s lost the %s; stepping down", self.process, self.lock.description)
                self.is_leader = False
                if self.scheduler.get_job("reminder_tick"):
                    self.scheduler.remove_job("reminder_tick")
            return
        if self.lock.try_acquire():
            self.is_leader = True
            log.info("scheduler %s is the leader (%s); ticking every %s min", self.process, self.lock.description, self.tick_minutes)
            # Runs at once (start-up or take-over catch-up), then every tick_minutes.
            self.scheduler.add_job(self.tick, "interval", minutes=self.tick_minutes, id="reminder_tick",
                                   next_run_time=timer_now(), replace_existing=True, **JOB_DEFAULTS)
        else:
            log.info("scheduler %s on standby: another process holds the %s", self.process, self.lock.description)

    # -- jobs ------------------------------------------------------------------------------------
    def heartbeat(self, tick_summary: str | None = None) -> None:
        try:
            with self.app.app_context(), write_intent():
                record_heartbeat(self.process, is_leader=self.is_leader, started_at=self.started_at,
                                          now=now_utc(), tick_summary=tick_summary)
                db.session.commit()
        except Exception:  # a database hiccup must not kill the scheduler; the next beat retries
            log.exception("heartbeat failed")

    def housekeeping(self) -> None:
        """Abandoned upload temporaries, stale login counters, expired idempotency records."""
        try:
            with self.app.app_context(), write_intent():
                run_housekeeping()
        except Exception:  # never kills the scheduler; the next run retries
            log.exception("housekeeping failed")

    def tick(self) -> None:
        if not self.is_leader:
            return
        with self._tick_guard:
            summary = None
            with self.app.app_context(), write_intent():
                try:
                    result = run_tick(today_local(), now=now_utc())
                    summary = result.summary()
                    log.info("tick: %s", summary)
                except Exception as error:
                    db.session.rollback()
                    summary = f"lỗi: {type(error).__name__}: {error}"
                    log.exception("tick failed")
            self.heartbeat(tick_summary=summary)

    # -- life cycle ------------------------------------------------------------------------------
    def run(self) -> None:
        """Block until SIGTERM/SIGINT; finish the tick in progress, then let go of the lock."""
        def stop(signum, _frame):
            log.info("scheduler %s stopping (signal %s)", self.process, signum)
            self.scheduler.shutdown(wait=False)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        # A long-running process: move everything loaded so far (the whole app) out of the garbage
        # collector's sight, so each tick's short-lived objects are collected without re-walking it.
        gc.collect()
        gc.freeze()
        with self.app.app_context(), write_intent():
            prune_heartbeats(now_utc(), older_than=timedelta(days=7))
            db.session.commit()
        try:
            self.scheduler.start()
        finally:
            with self._tick_guard:
                self.is_leader = False
                self.lock.release()
            self.heartbeat()


def build_scheduler(app: Flask, **options) -> BlockingScheduler:
    """The configured BlockingScheduler of a new scheduler process (``scheduler.runner`` is its runner)."""
    runner = SchedulerRunner(app, **options)
    runner.scheduler.runner = runner
    return runner.scheduler
