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
# The master loads the application once and the workers are forked from it: a worker starts with the
# code imported, the templates compiled and that heap frozen out of the garbage collector's scans
# (see ``when_ready``/``post_fork``), so no request pays for a cold worker or a full collection of it.
preload_app = True


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


#: Young-generation threshold and the two older ones' (CPython's defaults: 700, 10, 10).
GC_THRESHOLDS = (50_000, 50, 100)


def when_ready(server):
    """In the master, once the application is loaded: compile every template (workers inherit them)
    and move everything loaded so far out of the collector's reach.

    Without this a worker's first pages compile their templates (about 200 ms), and every few requests
    a full collection walks the whole loaded application (60–80 ms): the slowest twentieth of the
    overdue review's requests, when nothing is reused, was three times its median
    (bench/oversight_bench.py)."""
    import gc

    try:
        from wsgi import app

        for name in app.jinja_env.list_templates(extensions=("html", "txt")):
            app.jinja_env.get_template(name)
    except Exception:  # a warm-up never prevents the server from starting
        server.log.exception("template warm-up failed")
    gc.collect()
    gc.freeze()
    # A request allocates some hundred thousand short-lived objects (an uncached overdue review reads
    # thousands of rows): with the default threshold (700) each one ran a hundred young collections.
    gc.set_threshold(*GC_THRESHOLDS)


def post_fork(server, worker):
    """Each worker opens its own database connections: none made in the master is shared."""
    from app.extensions import db
    from wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)
