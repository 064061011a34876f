"""The environment of a process that a test starts."""

from __future__ import annotations

import os


def child_environment(drop_prefixes: tuple[str, ...] = (), **settings: str) -> dict[str, str]:
    """This test run's environment for a child process, less ``drop_prefixes`` and CLOCK_START_AT,
    plus ``settings``.

    Under ../shared/tools/at-hour (libfaketime preloaded) the child keeps the shifted wall clock but
    gets the real monotonic clock: with a shifted one, timed waits (threading.Event.wait, hence
    APScheduler's loop) never return in Debian 12's libfaketime and a scheduler would stand still.
    """
    env = {k: v for k, v in os.environ.items() if k != "CLOCK_START_AT" and not k.startswith(drop_prefixes or ("\0",))}
    if "faketime" in env.get("LD_PRELOAD", ""):
        env["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
    env.update(settings)
    return env
