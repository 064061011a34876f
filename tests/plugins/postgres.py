"""A real, throw-away PostgreSQL server for the test run (initdb + pg_ctl in a temp dir).

Started once per test session when the suite runs against PostgreSQL, always stopped at the end.
As root (CI), the server runs as the ``postgres`` system user, since initdb refuses root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from tests.plugins.net import free_port


def _pg_bin(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    found = shutil.which(name)
    if found:
        return found
    raise RuntimeError(f"PostgreSQL binary {name!r} not found: install Debian's postgresql package (make test does)")


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextmanager
def running_postgres():
    """Yield a SQLAlchemy URL of a fresh database on a private server; stop and delete it afterwards."""
    base = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
    data_dir, socket_dir = base / "data", base / "sock"
    socket_dir.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(socket_dir, "postgres")
    port = free_port()
    subprocess.run(
        _as_server_user([_pg_bin("initdb"), "-D", str(data_dir), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                         "--locale=C.UTF-8", "--no-sync"]),
        check=True, capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {socket_dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    subprocess.run(
        _as_server_user([_pg_bin("pg_ctl"), "-D", str(data_dir), "-o", options, "-l", str(base / "server.log"), "-w", "start"]),
        check=True, capture_output=True,
    )
    try:
        _wait_for(port)
        subprocess.run(_as_server_user([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "tracker_test"]),
                       check=True, capture_output=True)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/tracker_test", port
    finally:
        subprocess.run(_as_server_user([_pg_bin("pg_ctl"), "-D", str(data_dir), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("PostgreSQL did not start")
