"""The only door to the clock: application code reads the time here and nowhere else.

In-process tests travel in time with time-machine (it patches what these functions call). A
process started by a test, a demo or a rehearsal gets its starting instant explicitly through the
``CLOCK_START_AT`` environment variable (an ISO 8601 instant with its offset, e.g.
``2024-06-19T08:00:00+07:00``): its clock then starts there and runs forward at the real pace, so
timers and heartbeats still advance while every date the process computes is the intended one.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

#: When the process's clock was told to start elsewhere: (that instant, the monotonic reading then).
_START: tuple[datetime, float] | None = None


def start_clock_at(instant: datetime | None) -> None:
    """Make this process's clock read ``instant`` now and run forward from there (None: the real clock)."""
    global _START
    if instant is None:
        _START = None
        return
    if instant.tzinfo is None:
        raise ValueError("CLOCK_START_AT needs an offset, e.g. 2024-06-19T08:00:00+07:00")
    _START = (instant.astimezone(UTC), time.monotonic())


def now_utc() -> datetime:
    if _START is not None:
        return _START[0] + timedelta(seconds=time.monotonic() - _START[1])
    return datetime.now(UTC)


def now_local() -> datetime:
    """Now, on Vietnam's wall clock."""
    return now_utc().astimezone(LOCAL_TZ)


def today_local() -> date:
    """Today in Vietnam: due dates and working days are local calendar days."""
    return now_local().date()


def local_instant(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """The UTC instant of a local (Vietnam) time of day on ``day``."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ).astimezone(UTC)


def timer_now() -> datetime:
    """The instant a process timer (APScheduler's next run) is compared with.

    APScheduler measures its waits against the machine's real clock, so its jobs are scheduled on
    that clock even when ``CLOCK_START_AT`` moved the business clock; under time-machine both move.
    """
    return datetime.now(UTC)


if os.environ.get("CLOCK_START_AT"):
    start_clock_at(datetime.fromisoformat(os.environ["CLOCK_START_AT"]))
