"""Migrations are the only way the schema is built: one head, matching the models, reversible."""

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app.extensions import db

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def test_single_head(app):
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config(MIGRATIONS))
    assert len(script.get_heads()) == 1


def test_models_match_migrations(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_downgrade_to_base_and_upgrade_again(app):
    downgrade(directory=MIGRATIONS, revision="base")
    tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade(directory=MIGRATIONS)
    tables = set(sa.inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
