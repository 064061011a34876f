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
# No runtime control socket (gunicornc): nothing here uses it, and its default path
# (~/.gunicorn/gunicorn.ctl) would be shared by every gunicorn of the same user on the host.
control_socket_disable = True
