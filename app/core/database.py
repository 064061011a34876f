"""Engine set-up: SQLite pragmas and immediate write transactions; transaction helpers."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

import sqlalchemy as sa
from flask import has_request_context, request

#: Set by code paths that will write (CLI, scheduler, unsafe HTTP methods): SQLite then starts the
#: transaction with BEGIN IMMEDIATE, so two writers queue on busy_timeout instead of one of them
#: failing later with "database is locked" when it upgrades its read lock.
_write_intent: ContextVar[bool | None] = ContextVar("write_intent", default=None)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _wants_immediate() -> bool:
    explicit = _write_intent.get()
    if explicit is not None:
        return explicit
    if has_request_context():
        return request.method not in SAFE_METHODS
    # Outside requests, writers (CLI commands, scheduler jobs) say so with `write_intent()`.
    return False


@contextmanager
def write_intent(value: bool = True):
    token = _write_intent.set(value)
    try:
        yield
    finally:
        _write_intent.reset(token)


def configure_engine(engine: sa.Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, emit BEGIN (pysqlite's implicit BEGIN is always deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Read through the OS page cache shared by all workers instead of a read() per page, and keep
            # a larger private cache: lists that visit thousands of rows by id (an agency's inbox) halve.
            cursor.execute("PRAGMA mmap_size=268435456")
            cursor.execute("PRAGMA cache_size=-16384")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_immediate() else "BEGIN")
