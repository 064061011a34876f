"""Gunicorn settings, read from the working directory by ``gunicorn wsgi:app`` (``make run``, production).

Sync workers, (2 × cores) + 1 of them: the app's requests are short and CPU-bound (templates, SQL on a
local database), and behind a buffering proxy sync workers serve about twice the requests of threaded
workers on this kind of machine, which lose time to the GIL (bench/oversight_bench.py: overdue review
at 8 clients on 2 cores, 54 → 112–144 requests/s).  Override with ``WEB_CONCURRENCY`` or flags.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:5000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# The slowest requests (a quarterly report as .docx, an XLSX export of every overdue item) take seconds.
timeout = 60
# Gunicorn ≥ 24 opens a control socket (``gunicornc``) at ~/.gunicorn/gunicorn.ctl by default: two
# instances of the application on one host would share it and one could steer the other.  The app
# needs no runtime control beyond signals, so it is off.
control_socket_disable = True


def on_starting(server):
    """Start-up: remove upload temporaries a killed worker left behind (the scheduler repeats this)."""
    try:
        from app import create_app
        from app.core.uploads import purge_abandoned_uploads

        app = create_app()
        with app.app_context():
            removed = purge_abandoned_uploads()
        if removed:
            server.log.info("removed %d abandoned upload temporaries", removed)
    except Exception:  # never prevents the server from starting
        server.log.exception("upload clean-up at start-up failed")
