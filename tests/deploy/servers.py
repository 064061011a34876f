"""Start the real nginx (Debian package) with deploy/nginx/theodoi.conf and gunicorn with the app, on
127.0.0.1 ports, inside a test; everything is stopped with bounded timeouts."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from tests.plugins.net import free_port

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "theodoi.conf"
HOST = "theodoi.example.vn"


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    assert found, "the Debian package nginx is missing: `make system-deps` installs it"
    return found


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A throw-away self-signed certificate for the site's name."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", f"/CN={HOST}"], check=True, capture_output=True, timeout=30)
    return cert, key


def site_for_test(prefix: Path, *, upstream: int, https: int, http: int, cert: Path, key: Path) -> str:
    """The shipped site file with only its machine-specific parts moved into the test's folder; each
    replacement must apply, so the test follows the real file."""
    text = SITE.read_text()
    replacements = [
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};"),
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
        ("/etc/ssl/theodoi/fullchain.pem", str(cert)),
        ("/etc/ssl/theodoi/privkey.pem", str(key)),
        ("/var/log/nginx/", f"{prefix}/"),
        ("/srv/theodoi/app/static/", f"{ROOT}/app/static/"),
        ("root /var/www/html;", f"root {prefix};"),
    ]
    for old, new in replacements:
        assert old in text, f"{old!r} not in {SITE}"
        text = text.replace(old, new)
    # IPv6 may be off in a test container; the IPv4 listeners are the same server blocks.
    return "\n".join(line for line in text.splitlines() if "[::]" not in line) + "\n"


def write_nginx_conf(prefix: Path, site: str) -> Path:
    (prefix / "site.conf").write_text(site)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach the test's private folder
    conf = prefix / "nginx.conf"
    conf.write_text(f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 128; }}
http {{
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    access_log {prefix}/access.log;
    include {prefix}/site.conf;
}}
""")
    return conf


def nginx_check(prefix: Path, conf: Path) -> subprocess.CompletedProcess:
    return subprocess.run([nginx_binary(), "-t", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
                          capture_output=True, text=True, timeout=30)


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


@contextmanager
def gunicorn(folder: Path, *, workers: int):
    """The app under gunicorn with the shipped gunicorn.conf.py (sync workers) on a free port."""
    port = free_port()
    env = {**os.environ, "APP_ENV": "development", "SECRET_KEY": "deploy-test", "INSTANCE_PATH": str(folder),
           "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite'}", "TRUSTED_PROXIES": "1", "WEB_CONCURRENCY": str(workers),
           "BIND": f"127.0.0.1:{port}"}
    log = open(folder / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    # --preload: the app is imported once, not once per worker (start-up time on a busy CI machine).
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--preload", "wsgi:app"],
                               cwd=ROOT,
                               env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until(lambda: health(port, timeout=2) == 200 or process.poll() is not None, 60, "gunicorn")
        assert process.poll() is None, (folder / "gunicorn.log").read_text()
        yield port
    finally:
        stop(process, timeout=3)
        log.close()


@contextmanager
def nginx(prefix: Path, conf: Path, https: int):
    process = subprocess.Popen([nginx_binary(), "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log"),
                                "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        wait_until(lambda: port_open(https) or process.poll() is not None, 20, "nginx")
        assert process.poll() is None, (prefix / "error.log").read_text()
        yield process
    finally:
        stop(process, signal.SIGTERM)


def _client_tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def health(port: int, *, tls: bool = False, timeout: float = 3) -> int | None:
    """GET /healthz: the status, or None when no answer came within ``timeout`` seconds."""
    connection = (http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=_client_tls()) if tls
                  else http.client.HTTPConnection("127.0.0.1", port, timeout=timeout))
    try:
        connection.request("GET", "/healthz", headers={"Host": HOST})
        return connection.getresponse().status
    except (TimeoutError, OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


HALF_SENT = [
    # Headers that never end (the client stalls mid-request).
    f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nX-Still-Typing: ".encode(),
    # Complete headers, then 6 bytes of a body announced as 100,000.
    (f"POST /login HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
     "Content-Length: 100000\r\n\r\nemail=").encode(),
]


def half_sent(port: int, index: int, *, tls: bool = False) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if tls:
        sock = _client_tls().wrap_socket(sock, server_hostname=HOST)
    sock.sendall(HALF_SENT[index % len(HALF_SENT)])
    return sock


def directive_value(name: str) -> str:
    match = re.search(rf"^\s*{name}\s+([^;]+);", SITE.read_text(), re.MULTILINE)
    assert match, name
    return match.group(1).strip()
