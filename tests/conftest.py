"""Test fixtures: the app on a real database (SQLite file, or a real PostgreSQL server), a clean
database for every test, a web client that handles CSRF tokens, and data factories.

Select the database with ``--db postgresql`` (or TEST_DB=postgresql); the default is SQLite.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from config import TestingConfig

PASSWORD = "Mat-khau-thu-nghiem-2024"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def pytest_addoption(parser):
    parser.addoption("--db", default=os.environ.get("TEST_DB", "sqlite"), choices=("sqlite", "postgresql"),
                     help="database to run the suite against")


#: Folders whose tests cannot depend on the database: pure rules, and the deployment kit (nginx,
#: systemd units) in front of the app. Marked ``once``, they run in the SQLite pass only.
ONCE_FOLDERS = ("unit", "deploy")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    once = [here / name for name in ONCE_FOLDERS]
    for item in items:
        parents = Path(str(item.fspath)).parents
        if any(folder in parents for folder in once):
            item.add_marker(pytest.mark.once)


@pytest.fixture(scope="session")
def db_kind(request) -> str:
    return request.config.getoption("--db")


@pytest.fixture(scope="session")
def database_url(db_kind, tmp_path_factory):
    if db_kind == "postgresql":
        from tests.plugins.postgres import running_postgres

        with running_postgres() as (url, _port):
            yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from flask_migrate import upgrade

    application = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads")),
        SCHEDULER_LOCK_FILE=str(tmp_path_factory.mktemp("lock") / "scheduler.lock"),
    )
    with application.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _app_context(request, app):
    """Each test runs inside an app context and leaves an empty database behind."""
    with app.app_context():
        yield
        db.session.remove()
        _empty_the_database()


def _empty_the_database() -> None:
    """Delete the rows the test left, children first, and restart the id counters (as a new database).

    Only tables that have a row are emptied, found where they live, so rows written by anything (the
    test, a live server's thread, a child process) go. A TRUNCATE of every table cost ~100 ms a test
    on PostgreSQL, the largest share of that suite's time; this is one round trip of a few ms.
    """
    with db.engine.begin() as conn:
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        if conn.dialect.name == "postgresql":
            conn.execute(_postgres_reset(conn, tables))
            return
        # SQLite: rowids restart by themselves (no AUTOINCREMENT), so deleting the rows is enough.
        probe = " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables)
        filled = set(conn.exec_driver_sql(probe).scalars())
        for name in tables:
            if name in filled:
                conn.exec_driver_sql(f'DELETE FROM "{name}"')


@functools.cache
def _postgres_reset_sql(tables: tuple[str, ...], sequences: tuple[str, ...]) -> sa.TextClause:
    return sa.text(f"""DO $$
DECLARE name text; has_rows boolean;
BEGIN
  FOREACH name IN ARRAY {_sql_array(tables)} LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', name) INTO has_rows;
    IF has_rows THEN EXECUTE format('DELETE FROM %I', name); END IF;
  END LOOP;
  FOREACH name IN ARRAY {_sql_array(sequences)} LOOP
    EXECUTE format('SELECT is_called FROM %s', name) INTO has_rows;
    IF has_rows THEN EXECUTE format('ALTER SEQUENCE %s RESTART', name); END IF;
  END LOOP;
END $$""")


_SEQUENCES: list[tuple[str, ...]] = []


def _postgres_reset(conn, tables: list[str]) -> sa.TextClause:
    if not _SEQUENCES:
        _SEQUENCES.append(tuple(conn.execute(sa.text(
            "SELECT pg_get_serial_sequence(quote_ident(table_name), column_name) FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'")).scalars()))
    return _postgres_reset_sql(tuple(tables), _SEQUENCES[0])


def _sql_array(names) -> str:
    return "ARRAY[" + ", ".join("'" + n.replace("'", "''") + "'" for n in names) + "]::text[]"


class WebClient(FlaskClient):
    """A test client that logs in through the real form and adds the CSRF token to posts."""

    _csrf: str | None = None

    def open(self, *args, **kwargs):
        # A fresh app context per request, as in production: its own `g` and its own DB session,
        # instead of sharing the test's. The test's own transaction ends before and after, so the
        # request sees what the test wrote and the test then sees what the request wrote.
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.commit()
        return response

    def csrf_token(self, page: str = "/login") -> str:
        if self._csrf is None:
            html = self.get(page).get_data(as_text=True)
            match = CSRF_RE.search(html)
            assert match, f"no csrf token on {page}"
            self._csrf = match.group(1) or match.group(2)
        return self._csrf

    def login(self, user_or_email, password: str = PASSWORD, *, follow: bool = False):
        email = getattr(user_or_email, "email", user_or_email)
        self._csrf = None
        token = self.csrf_token("/login")
        response = self.post("/login", data={"email": email, "password": password, "csrf_token": token},
                             follow_redirects=follow)
        self._csrf = None
        return response

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.csrf_token("/"))
        return self.post(url, data=payload, **kwargs)


@pytest.fixture
def client(app) -> WebClient:
    app.test_client_class = WebClient
    return app.test_client()


@pytest.fixture
def make_client(app):
    """More than one browser at once (two users, or a stolen cookie)."""

    def factory() -> WebClient:
        app.test_client_class = WebClient
        return app.test_client()

    return factory


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def factories():
    from tests import factories as module

    return module
