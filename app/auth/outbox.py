"""Account-link mails sent after the answer, by one background thread per process.

"Quên mật khẩu" must answer in the same time whether or not the address has an account, so the page
only queues the reset mail (:func:`enqueue`) and never waits for the SMTP server. The link is already
committed when the mail is queued; the secret lives only in this queue and the mail, so a mail lost
with the process (a restart in the same second) is asked for again by the person."""

from __future__ import annotations

import queue
import threading

from flask import Flask, current_app

from app.auth.links import PendingMail, send_all

_queue: queue.Queue[tuple[Flask, PendingMail]] = queue.Queue()
_worker: threading.Thread | None = None
_start_lock = threading.Lock()


def enqueue(pending: PendingMail) -> None:
    """Queue a committed link's mail; the worker sends it with this application's settings."""
    _queue.put((current_app._get_current_object(), pending))  # type: ignore[attr-defined]
    _ensure_worker()


def _ensure_worker() -> None:
    # Started on first use, so each forked web worker has its own thread.
    global _worker
    with _start_lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_run, name="account-link-mail", daemon=True)
            _worker.start()


def _run() -> None:
    while True:
        app, pending = _queue.get()
        try:
            with app.app_context():
                send_all([pending])  # a failure is logged there; the person can ask again
        except Exception:  # noqa: BLE001 - the thread must outlive one bad mail
            app.logger.exception("account link mail to %s failed", pending.email)
        finally:
            _queue.task_done()


def wait_until_sent() -> None:
    """Block until every queued mail has been handed to the SMTP server (tests, shutdown)."""
    _queue.join()
