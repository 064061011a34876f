"""Fork server for the reminder fault tests (not a test module).

Imports and builds the application once, then for every ``run YYYY-MM-DD`` line on stdin forks a
fresh process that runs one reminder tick, prints that process's pid, and, when it ends, its exit
status.  The test kills those processes with SIGKILL at random points: each is a complete,
independent tick process, but starting one costs a fork instead of the ~2 s of imports a new
interpreter needs, so twenty kill-and-restart cycles fit in a test.

Run with the environment of a real deployment (DATABASE_URL, MAIL_SERVER, MAIL_PORT, …).
"""

from __future__ import annotations

import os
import sys
import traceback
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app import create_app  # noqa: E402
from app.core.database import write_intent  # noqa: E402
from app.reminders.tick import run_tick, tick_now_for  # noqa: E402

# Warm every import the tick needs; the engine has no connection yet, so forking is safe.
create_app()


def tick_process(day: date) -> None:
    app = create_app()
    with app.app_context(), write_intent():
        result = run_tick(day, now=tick_now_for(day))
    print(f"# {result.summary()}", file=sys.stderr, flush=True)


def main() -> None:
    for line in sys.stdin:
        command, *args = line.split()
        if command == "quit":
            return
        if command != "run":
            continue
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                tick_process(date.fromisoformat(args[0]))
            except BaseException:  # noqa: BLE001  (report and exit non-zero)
                traceback.print_exc()
                code = 1
            os._exit(code)
        print(pid, flush=True)
        _pid, status = os.waitpid(pid, 0)
        print(f"exit {status}", flush=True)


if __name__ == "__main__":
    main()
