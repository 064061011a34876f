"""Issue 16, items 6 and 7: leftovers cleaned, and the minor findings (LIKE wildcards, bidi controls
in file names, extension horizon, CSRF failures, gunicorn's control socket)."""

from __future__ import annotations

import io
import os
import runpy
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
import time_machine
from werkzeug.datastructures import FileStorage

from app.core.enums import Role, TaskStatus
from app.core.uploads import EVIDENCE_KINDS, store_upload
from app.extensions import db
from app.housekeeping import run_housekeeping
from app.models import ExtensionRequest
from app.progress.extension_requests import extension_horizon
from app.reminders.scheduler import FileLeaderLock, SchedulerRunner
from tests.security.world import PDF, build_world

ROOT = Path(__file__).resolve().parents[2]


# -- item 6: upload temporaries -----------------------------------------------------------------------


def test_abandoned_upload_temporaries_are_removed_and_fresh_ones_kept(app):
    directory = Path(app.config["UPLOAD_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    abandoned, in_progress, stored = directory / ".upload-abc123", directory / ".upload-def456", directory / "keep.pdf"
    for path in (abandoned, in_progress, stored):
        path.write_bytes(b"x" * 1024)
    # Every file's time set from the process clock: the kernel stamps writes with the real time, which a
    # shifted test clock (at-hour) would place hours in the past.
    now = time.time()
    an_hour_ago = now - 3600
    os.utime(abandoned, (an_hour_ago, an_hour_ago))
    os.utime(in_progress, (now, now))
    os.utime(stored, (an_hour_ago, an_hour_ago))
    try:
        assert run_housekeeping()["uploads"] == 1
        assert (abandoned.exists(), in_progress.exists(), stored.exists()) == (False, True, True)
    finally:
        for path in (in_progress, stored):
            path.unlink(missing_ok=True)


def test_the_scheduler_runs_housekeeping_at_start_up_and_periodically(app, tmp_path):
    runner = SchedulerRunner(app, lock=FileLeaderLock(str(tmp_path / "leader.lock")))
    try:
        job = runner.scheduler.get_job("housekeeping")
        assert job is not None and job.next_run_time is not None
        assert job.trigger.interval == timedelta(minutes=30)
    finally:
        runner.lock.release()


def test_gunicorn_cleans_uploads_at_start_up_and_has_no_control_socket():
    from gunicorn.config import Config

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert "control_socket_disable" in Config().settings  # the pinned gunicorn knows the setting
    assert settings["control_socket_disable"] is True
    assert callable(settings["on_starting"])


# -- item 7 ----------------------------------------------------------------------------------------


def test_percent_and_underscore_are_literal_in_searches(client, make_client):
    w = build_world()
    client.login(w.user(Role.OFFICE))
    everything = client.get("/tasks/").get_data(as_text=True)
    assert "Nhiệm vụ dự thảo" in everything
    for query in ("%", "_", "%25", "Nhi_m"):
        page = client.get("/tasks/", query_string={"q": query}).get_data(as_text=True)
        assert "Nhiệm vụ dự thảo" not in page, query
        listed = client.get("/directives/", query_string={"q": query}).get_data(as_text=True)
        assert "Thông báo kết luận quý I/2024" not in listed, query
    assert "Nhiệm vụ dự thảo" in client.get("/tasks/", query_string={"q": "dự thảo"}).get_data(as_text=True)


def test_bidi_controls_are_stripped_from_stored_file_names(app):
    for name in ("hop-dong\u202efdp.exe.pdf", "\u2066bao-cao\u2069.pdf", "a\u202a\u202b\u202c\u202db.pdf"):
        stored = store_upload(FileStorage(stream=io.BytesIO(PDF), filename=name), allowed_kinds=EVIDENCE_KINDS)
        try:
            assert not any(ch in stored["filename"] for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
        finally:
            (Path(app.config["UPLOAD_DIR"]) / stored["stored_name"]).unlink(missing_ok=True)


@time_machine.travel(date(2024, 7, 1), tick=False)
def test_extensions_are_bounded_to_a_term_from_now(client):
    w = build_world()
    task = w.task("own")
    task.status = TaskStatus.IN_PROGRESS
    db.session.commit()
    client.login(w.user(Role.AGENCY_OFFICER))
    url = f"/progress/tasks/{task.id}/extension"
    too_far = client.post_form(url, {"requested_due_date": "9999-12-31", "reason": "Chờ ý kiến Tỉnh ủy."})
    assert too_far.status_code == 422
    assert "Hạn mới không được sau 31/12/2029" in too_far.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExtensionRequest)) == 0
    assert extension_horizon(date(2024, 7, 1)) == date(2029, 12, 31)
    fine = client.post_form(url, {"requested_due_date": "2024-12-31", "reason": "Chờ ý kiến Tỉnh ủy."})
    assert fine.status_code == 302


def test_a_failed_csrf_check_answers_400_and_never_follows_the_referer(client, factories):
    user = factories.user(Role.OFFICE)
    client.login(user)
    response = client.post("/profile", data={"prefs-locale": "en", "csrf_token": "sai"},
                           headers={"Referer": "https://evil.example/phishing"})
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "tải lại trang" in response.get_data(as_text=True)
