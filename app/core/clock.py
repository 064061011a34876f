"""The only functions that read the clock, so tests can travel in time (time-machine patches here)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now_utc() -> datetime:
    return datetime.now(UTC)


def today_local() -> date:
    """Today in Vietnam: due dates and working days are local calendar days."""
    return datetime.now(LOCAL_TZ).date()
