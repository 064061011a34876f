"""Create and restore backups.

An archive is a ``.tar.gz`` holding ``manifest.json`` (when, which database, the migration revision
and the row count of every table), the database (``database.sqlite`` made with SQLite's online
backup API, or ``database.pgdump`` from ``pg_dump -Fc``) and the ``uploads/`` folder. Restore puts
both back and checks the row counts against the manifest.
"""

from __future__ import annotations

import glob
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app.core.clock import now_utc
from app.extensions import db


class BackupError(RuntimeError):
    pass


@dataclass(frozen=True)
class BackupResult:
    path: Path
    dialect: str
    table_counts: dict[str, int]


def table_counts() -> dict[str, int]:
    """Rows per table, the fingerprint a restore is checked against."""
    counts = {}
    for table in db.metadata.sorted_tables:
        counts[table.name] = db.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
    return counts


def _alembic_revision() -> str | None:
    try:
        return db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    except sa.exc.DatabaseError:
        db.session.rollback()
        return None


def _pg_tool(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True) or [shutil.which(name)]
    if not found or not found[0]:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools")
    return found[0]


def _libpq_url() -> str:
    url = db.engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def create_backup(out_dir: Path | None = None) -> BackupResult:
    """Write a consistent archive of the database and the uploads; return where it is."""
    out_dir = Path(out_dir or Path(current_app.instance_path) / "backups")
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = now_utc().strftime("%Y%m%d-%H%M%S")
    dialect = db.engine.dialect.name
    counts = table_counts()
    db.session.rollback()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        db_file = _dump_database(tmp_path, dialect)
        manifest = {"created_at": now_utc().isoformat(), "dialect": dialect, "revision": _alembic_revision(),
                    "tables": counts, "database_file": db_file.name}
        (tmp_path / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        archive = out_dir / f"tracker-{stamp}.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(tmp_path / "manifest.json", arcname="manifest.json")
            tar.add(db_file, arcname=db_file.name)
            uploads = Path(current_app.config["UPLOAD_DIR"])
            if uploads.is_dir():
                tar.add(uploads, arcname="uploads")
    return BackupResult(archive, dialect, counts)


def _dump_database(tmp: Path, dialect: str) -> Path:
    if dialect == "sqlite":
        target = tmp / "database.sqlite"
        source = sqlite3.connect(db.engine.url.database)
        try:
            dest = sqlite3.connect(target)
            with dest:
                source.backup(dest)  # online: consistent even while the app writes
            dest.close()
        finally:
            source.close()
        return target
    if dialect == "postgresql":
        target = tmp / "database.pgdump"
        subprocess.run([_pg_tool("pg_dump"), "-Fc", "--no-owner", "-f", str(target), _libpq_url()],
                       check=True, capture_output=True)
        return target
    raise BackupError(f"backups are not supported on {dialect}")


def restore_backup(archive: Path) -> dict[str, int]:
    """Replace the database and uploads with the archive's; return the restored row counts."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"no such backup: {archive}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(tmp_path, filter="data")
        manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
        dialect = db.engine.dialect.name
        if manifest["dialect"] != dialect:
            raise BackupError(f"archive is a {manifest['dialect']} backup; this database is {dialect}")
        db.session.remove()
        _load_database(tmp_path / manifest["database_file"], dialect)
        _restore_uploads(tmp_path / "uploads")
    counts = table_counts()
    if counts != manifest["tables"]:
        raise BackupError(f"restored row counts differ from the backup: {counts} != {manifest['tables']}")
    return counts


def _load_database(source_file: Path, dialect: str) -> None:
    db.engine.dispose()
    if dialect == "sqlite":
        source = sqlite3.connect(source_file)
        dest = sqlite3.connect(db.engine.url.database)
        try:
            with dest:
                source.backup(dest)
        finally:
            source.close()
            dest.close()
        return
    subprocess.run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                    "-d", _libpq_url(), str(source_file)], check=True, capture_output=True)


def _restore_uploads(source: Path) -> None:
    uploads = Path(current_app.config["UPLOAD_DIR"])
    if uploads.exists():
        shutil.rmtree(uploads)
    if source.is_dir():
        shutil.copytree(source, uploads)
    else:
        uploads.mkdir(parents=True, exist_ok=True)
