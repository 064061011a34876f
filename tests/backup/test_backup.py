"""A backup restores to exactly what was saved: same rows, same uploads."""

from pathlib import Path

import sqlalchemy as sa

from app.backup.services import table_counts
from app.demo.seed import seed_demo_district
from app.extensions import db
from app.models import Task


def _fingerprint() -> list[tuple]:
    return [tuple(row) for row in db.session.execute(
        sa.select(Task.id, Task.title, Task.status, Task.due_date, Task.version_id).order_by(Task.id))]


def test_backup_then_restore_gives_back_the_same_data(app, runner, tmp_path):
    seed_demo_district()
    db.session.commit()
    uploads = Path(app.config["UPLOAD_DIR"])
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "evidence.pdf").write_bytes(b"%PDF-1.4 demo")
    counts, rows = table_counts(), _fingerprint()
    db.session.commit()

    created = runner.invoke(args=["backup", "create", "--out-dir", str(tmp_path)])
    assert created.exit_code == 0, created.output
    archive = Path(created.output.splitlines()[0])
    assert archive.is_file()

    db.session.execute(sa.delete(Task).where(Task.ordinal > 3))
    db.session.commit()
    (uploads / "evidence.pdf").unlink()
    assert table_counts() != counts

    restored = runner.invoke(args=["backup", "restore", str(archive), "--yes"])
    assert restored.exit_code == 0, restored.output
    db.session.remove()
    assert table_counts() == counts
    assert _fingerprint() == rows
    assert (uploads / "evidence.pdf").read_bytes() == b"%PDF-1.4 demo"


def test_restore_refuses_a_missing_archive(runner, tmp_path):
    result = runner.invoke(args=["backup", "restore", str(tmp_path / "nope.tar.gz"), "--yes"])
    assert result.exit_code != 0
