"""The environment of a process that a test starts."""

from __future__ import annotations

import os


def child_environment(drop_prefixes: tuple[str, ...] = (), **settings: str) -> dict[str, str]:
    """This test run's environment for a child process, less ``drop_prefixes`` and CLOCK_START_AT,
    plus ``settings``.

    The processes a test starts are handed their instant explicitly (CLOCK_START_AT, or a tick's
    date), so they do not inherit libfaketime from ../shared/tools/at-hour: Debian 12's libfaketime
    breaks timed waits in a Python child either way (with the monotonic clock shifted,
    threading.Event.wait never returns, so APScheduler stands still; with it unshifted, time.sleep
    fails with EINVAL). The test process itself, and servers it starts directly, keep the shift.
    """
    drop = drop_prefixes or ("\0",)
    env = {k: v for k, v in os.environ.items() if k != "CLOCK_START_AT" and not k.startswith(drop)}
    if "faketime" in env.get("LD_PRELOAD", ""):
        kept = [lib for lib in env["LD_PRELOAD"].split(":") if lib and "faketime" not in lib]
        env.pop("LD_PRELOAD")
        if kept:
            env["LD_PRELOAD"] = ":".join(kept)
        for name in [k for k in env if k.startswith(("FAKETIME", "DONT_FAKE"))]:
            env.pop(name)
    env.update(settings)
    return env
