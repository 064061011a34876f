"""`make run` the way a newcomer meets it: migrate, load the demo district, start the mail sink, the
scheduler and the web server, and find the first tick's reminders in the local Maildir.

It runs the real Makefile target and script (scripts/run-local.sh) in their own process group, on
free ports and a private instance folder, with the processes' clock started at a fixed working
morning so the demo's open work is due the same way at any hour.
"""

from __future__ import annotations

import mailbox
import os
import re
import signal
import subprocess
import time
import urllib.request
from datetime import datetime
from email.header import decode_header, make_header
from pathlib import Path

import pytest

from app.core.clock import LOCAL_TZ
from tests.plugins.net import free_port
from tests.plugins.processes import child_environment

ROOT = Path(__file__).resolve().parents[1]
#: A Wednesday morning in Vietnam: the demo seed places its open work relative to this day.
MORNING = datetime(2026, 12, 2, 9, 0, tzinfo=LOCAL_TZ)


def _wait_for(predicate, timeout: float, proc: subprocess.Popen, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc.poll() is not None:
            pytest.fail(f"make run stopped with {proc.returncode}:\n{log.read_text()[-4000:]}")
        time.sleep(0.25)
    pytest.fail(f"timed out after {timeout} s:\n{log.read_text()[-4000:]}")


def _first_tick_summary(log: Path) -> str | None:
    match = re.search(r"app\.reminders\.scheduler: tick: (.+)", log.read_text(errors="replace"))
    return match.group(1) if match else None


def _healthz(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:  # noqa: S310 (loopback)
            return response.status == 200
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.once
def test_make_run_delivers_the_first_ticks_reminders_to_the_maildir(tmp_path):
    instance = tmp_path / "instance"
    port, mail_port = free_port(), free_port()
    env = child_environment(("DATABASE_URL", "MAIL_", "FLASK_"))
    env.update({"INSTANCE_PATH": str(instance), "PORT": str(port), "MAIL_PORT": str(mail_port),
                "CLOCK_START_AT": MORNING.isoformat(), "APP_ENV": "development", "WEB_CONCURRENCY": "1",
                "SCHEDULER_LOCK_FILE": str(tmp_path / "scheduler.lock")})
    log = tmp_path / "make-run.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        summary = _wait_for(lambda: _first_tick_summary(log), 180, proc, log)
        assert _wait_for(lambda: _healthz(port), 60, proc, log)
        maildir = mailbox.Maildir(instance / "mail", create=False)
        messages = list(maildir)
        counted = re.search(r"đã gửi (\d+) thư", summary)
        assert counted, summary
        sent = int(counted.group(1))
        assert sent > 0 and len(messages) == sent, summary
        assert re.search(r"lỗi [1-9]", summary) is None, summary
        first = messages[0]
        assert first["X-Reminder-Ids"] and "@" in first["To"]
        assert str(make_header(decode_header(first["Subject"])))
        assert sorted(p.name for p in (instance / "mail").iterdir()) == ["cur", "new", "tmp"]
        text = log.read_text(errors="replace")
        assert "SMTP session exception" not in text and "Traceback" not in text, text[-4000:]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
