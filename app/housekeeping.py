"""Periodic clean-up the scheduler runs (and the web server once at start-up, for uploads).

Nothing here changes what a user sees: abandoned upload temporaries, expired login-throttle
counters and API idempotency records past their retention are removed.
"""

from __future__ import annotations

import logging
from datetime import datetime

from app.api.idempotency import purge_expired
from app.auth.throttle import purge_stale
from app.core.clock import now_utc
from app.core.uploads import purge_abandoned_uploads
from app.extensions import db

log = logging.getLogger("app.housekeeping")


def run_housekeeping(now: datetime | None = None) -> dict[str, int]:
    """One pass (in an app context, as a writer); returns how many of each were removed."""
    now = now or now_utc()
    removed = {"uploads": purge_abandoned_uploads(now), "login_throttle": purge_stale(now),
               "idempotency": purge_expired(now)}
    db.session.commit()
    if any(removed.values()):
        log.info("housekeeping removed %s", removed)
    return removed
