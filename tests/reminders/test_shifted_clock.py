"""Reminder fault scenarios under a shifted wall clock (libfaketime, as ../shared/tools/at-hour does):
the machine's clock reads 23:59:45 in Vietnam when the run starts and midnight passes during it.
The tests inside hand their processes fixed instants, so the hour must not matter."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.plugins.processes import child_environment

ROOT = Path(__file__).resolve().parents[2]
#: 23:59:45 in Vietnam (UTC+7): fifteen seconds before the local date changes.
BEFORE_MIDNIGHT_VN = datetime(2026, 12, 2, 16, 59, 45, tzinfo=UTC)


@pytest.mark.slow
@pytest.mark.once
def test_scheduler_fault_scenarios_pass_across_vietnams_midnight():
    faketime = shutil.which("faketime")
    assert faketime, "Debian's faketime is needed (make test installs it)"
    offset = int((BEFORE_MIDNIGHT_VN - datetime.now(UTC)).total_seconds())
    command = [faketime, "-f", f"{offset:+d}s", sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "--db", "sqlite", "tests/reminders/test_faults.py",
               "tests/reminders/test_tick.py", "-k", "two_scheduler or in_process or dry_run"]
    env = child_environment(("PYTEST_ADDOPTS",))
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-3000:]
    assert "3 passed" in out.stdout, out.stdout[-2000:]
