"""Scheduler heartbeats: each scheduler process's sign of life, upserted by the scheduler, pruned
after a week and listed on the settings page."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import SchedulerHeartbeat


def record_heartbeat(process: str, *, is_leader: bool, started_at: datetime, now: datetime,
                     tick_summary: str | None = None) -> SchedulerHeartbeat:
    """Upsert this scheduler process's sign of life (flushed; the scheduler job commits)."""
    beat = db.session.scalar(sa.select(SchedulerHeartbeat).where(SchedulerHeartbeat.process == process))
    if beat is None:
        beat = SchedulerHeartbeat(process=process, started_at=started_at, last_seen_at=now)
        db.session.add(beat)
    beat.is_leader = is_leader
    beat.last_seen_at = now
    if tick_summary is not None:
        beat.last_tick_at = now
        beat.last_tick_summary = tick_summary[:4000]
    db.session.flush()
    return beat


def prune_heartbeats(now: datetime, *, older_than: timedelta = timedelta(days=7)) -> int:
    """Forget processes not seen for a week (restarts leave one row each)."""
    return db.session.execute(sa.delete(SchedulerHeartbeat).where(SchedulerHeartbeat.last_seen_at < now - older_than)).rowcount


def scheduler_processes() -> list[SchedulerHeartbeat]:
    return list(db.session.scalars(sa.select(SchedulerHeartbeat).order_by(SchedulerHeartbeat.last_seen_at.desc()).limit(20)))
