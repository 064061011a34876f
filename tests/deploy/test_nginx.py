"""The deployment kit's nginx site in front of gunicorn: `nginx -t` accepts it, its upload limit is the
app's, and two half-sent requests that pin gunicorn's sync workers when clients talk to gunicorn
directly no longer block /healthz once nginx buffers requests in front."""

from __future__ import annotations

import time
from contextlib import ExitStack

import pytest

from config import Config
from tests.deploy.servers import (
    directive_value,
    gunicorn,
    half_sent,
    health,
    make_certificate,
    nginx,
    nginx_check,
    site_for_test,
    wait_until,
    write_nginx_conf,
)
from tests.plugins.net import free_port

#: Brings its own servers and ignores the suite's database: run once, in the PostgreSQL pass.
pytestmark = pytest.mark.pg_pass

WORKERS = 2


def prepared_nginx(tmp_path, upstream: int):
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    cert, key = make_certificate(prefix)
    https, http = free_port(), free_port()
    conf = write_nginx_conf(prefix, site_for_test(prefix, upstream=upstream, https=https, http=http, cert=cert, key=key))
    return prefix, conf, https


def test_nginx_accepts_the_site_file(tmp_path):
    prefix, conf, _https = prepared_nginx(tmp_path, upstream=free_port())
    checked = nginx_check(prefix, conf)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_upload_limit_matches_the_app():
    limit = directive_value("client_max_body_size")
    assert limit.endswith("m") and int(limit[:-1]) * 1024 * 1024 == Config.MAX_CONTENT_LENGTH


def test_half_sent_requests_block_gunicorn_alone_but_not_behind_nginx(tmp_path):
    with gunicorn(tmp_path, workers=WORKERS) as upstream:
        # Without nginx: one stalled client per sync worker and /healthz gets no answer.
        with ExitStack() as slow:
            for index in range(WORKERS):
                slow.enter_context(half_sent(upstream, index))
            time.sleep(0.5)  # let each worker accept one
            assert health(upstream, timeout=3) is None
        wait_until(lambda: health(upstream, timeout=2) == 200, 20, "gunicorn to recover")

        # With nginx in front: nginx holds the half-sent requests; gunicorn never sees them.
        prefix, conf, https = prepared_nginx(tmp_path, upstream)
        with nginx(prefix, conf, https), ExitStack() as slow:
            assert health(https, tls=True, timeout=5) == 200
            for index in range(2 * WORKERS):
                slow.enter_context(half_sent(https, index, tls=True))
            time.sleep(0.5)
            started = time.monotonic()
            assert health(https, tls=True, timeout=3) == 200
            assert time.monotonic() - started < 2
            assert health(upstream, timeout=3) == 200  # the workers are free
