"""The clock's one door: a tick's instant is explicit, and a child process can be started at a given instant."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
import time_machine

from app.core.clock import LOCAL_TZ, local_instant
from app.reminders.tick import tick_now_for
from tests.plugins.processes import child_environment

ROOT = Path(__file__).resolve().parents[2]
PAST_DAY = date(2024, 6, 19)


@pytest.mark.parametrize("hour", [0, 8, 11, 16, 23])
def test_a_tick_as_of_another_day_acts_at_eight_in_the_morning_whatever_the_hour(hour):
    with time_machine.travel(datetime(2026, 12, 2, hour, 58, 30, tzinfo=LOCAL_TZ), tick=False):
        assert tick_now_for(PAST_DAY) == local_instant(PAST_DAY, 8)
        assert tick_now_for(PAST_DAY, (14, 30)) == local_instant(PAST_DAY, 14, 30)


def test_a_tick_as_of_today_acts_now():
    now = datetime(2026, 12, 2, 23, 59, 59, tzinfo=LOCAL_TZ)
    with time_machine.travel(now, tick=False):
        assert tick_now_for(date(2026, 12, 2)) == now
        assert tick_now_for(date(2026, 12, 2), (8, 0)) == local_instant(date(2026, 12, 2), 8)


def test_a_child_process_started_at_an_instant_reads_that_day_and_its_clock_runs_on():
    script = ("import time; from app.core.clock import now_utc, today_local; a = now_utc(); time.sleep(0.2); "
              "print(today_local().isoformat(), a.isoformat(), (now_utc() - a).total_seconds() >= 0.2)")
    env = child_environment(CLOCK_START_AT="2024-06-19T23:00:00+07:00", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    day, started, advanced = out.stdout.split()
    assert day == "2024-06-19" and started.startswith("2024-06-19T16:0") and advanced == "True"


def test_a_start_instant_without_an_offset_is_refused():
    env = child_environment(CLOCK_START_AT="2024-06-19T08:00:00", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", "import app.core.clock"], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode != 0 and "CLOCK_START_AT needs an offset" in out.stderr
