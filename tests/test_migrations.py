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


#: The head of the previous release: a database made by it must upgrade without losing anything.
PREVIOUS_RELEASE = "8a3c1e6f2d90"
T0 = "2024-03-14 01:00:00"
PREVIOUS_RELEASE_ROWS = [
    ("organisation", "id, code, name, short_name, kind, parent_id, display_order, aliases, contact_emails, is_active, "
     "created_at, updated_at",
     [(1, "HU", "Huyện ủy Phụng Hiệp", None, "committee", None, 1, "", "", True, T0, T0),
      (2, "BTG", "Ban Tuyên giáo Huyện ủy", "Ban Tuyên giáo", "advisory", 1, 10, "Ban TG", "btg@phunghiep.example",
       True, T0, T0),
      (3, "X.TANBINH", "Đảng ủy xã Tân Bình", "xã Tân Bình", "commune", 1, 200, "", "", False, T0, T0)]),
    ("user", "id, email, name, title, password_hash, role, organisation_id, locale, is_active, notification_mode, "
     "api_token_hash, failed_logins, created_at, updated_at",
     [(1, "tram.pn@phunghiep.example", "Phạm Ngọc Trâm", "Chuyên viên", "$argon2id$v=19$m=1024,t=1,p=1$x$y",
       "agency_officer", 2, "vi", True, "item", "a" * 64, 0, T0, T0)]),
    ("user_session", "id, user_id, token_hash, created_at, last_seen_at, user_agent",
     [(1, 1, "b" * 64, T0, T0, "Firefox")]),
    ("meeting", "id, kind, period_label, year, quarter, held_on, chair, participants, notes, version_id, created_at, "
     "updated_at",
     [(1, "periodic", "quý I/2024", 2024, 1, "2024-03-14", "Thường trực Huyện ủy", "", "", 1, T0, T0)]),
    ("directive", "id, doc_type, number, issuer_suffix, issued_on, title, body, meeting_id, status, version_id, "
     "created_at, updated_at",
     [(1, "TB", "198", "HU", "2024-03-18", "Thông báo kết luận buổi làm việc quý I/2024", "Nội dung", 1, "issued", 1,
       T0, T0)]),
    ("task", "id, directive_id, ordinal, title, description, lead_org_id, kind, status, progress_percent, due_date, "
     "original_due_date, due_phrase, is_all_communes, is_confidential, version_id, created_at, updated_at",
     [(1, 1, 1, "Tuyên truyền Nghị quyết", "", 2, "one_off", "in_progress", 40, "2024-06-30", "2024-06-30",
       "trong quý II/2024", False, False, 3, T0, T0)]),
    ("task_coordinator", "task_id, organisation_id", [(1, 3)]),
    ("content_item", "id, task_id, ordinal, text, status, progress_percent, version_id, created_at, updated_at",
     # In step with its task (the roll-up repair of c4d7a1b9e215 would rightly change a task that is not).
     [(1, 1, 1, "Tổ chức hội nghị quán triệt", "in_progress", 40, 1, T0, T0)]),
    ("progress_report", "id, task_id, organisation_id, author_id, is_lead_report, status, progress_percent, result_text, "
     "reported_on, created_at",
     [(1, 1, 2, 1, True, "in_progress", 40, "Đã tổ chức 2 hội nghị.", "2024-04-10", T0)]),
    ("reminder_log", "id, dedupe_key, kind, recipient_email, subject, state, attempts, claimed_at, sent_at",
     [(1, "before_due:1:2024-06-25:tram", "before_due", "tram.pn@phunghiep.example", "[Nhắc việc] …", "sent", 1, T0,
       T0)]),
    ("audit_event", "id, action, entity_type, entity_id, summary, created_at",
     [(1, "create", "Task", 1, "Tuyên truyền Nghị quyết", T0)]),
    ("setting", "key, value, updated_at", [("reminder_policy", '{"before_due_days": [3]}', T0)]),
]


def _kept_columns(tables: list[str]) -> dict[str, list[str]]:
    """Each table's columns in the database now that the models still have (a later release may drop
    one, as 7dfd06b96ad4 drops the per-user login counters)."""
    inspector = sa.inspect(db.engine)
    return {name: [c["name"] for c in inspector.get_columns(name) if c["name"] in db.metadata.tables[name].c]
            for name in tables}


def _dump(columns: dict[str, list[str]]) -> dict[str, list[tuple]]:
    with db.engine.connect() as conn:
        return {name: sorted(tuple(row) for row in conn.execute(
                    sa.select(*(db.metadata.tables[name].c[c] for c in names))))
                for name, names in columns.items()}


def test_upgrade_from_the_previous_release_keeps_every_row(app):
    """A database made by the previous release, with data in it, upgrades to head with nothing lost."""
    from app.auth.links import invite
    from app.auth.services import find_user_by_email

    downgrade(directory=MIGRATIONS, revision="base")
    upgrade(directory=MIGRATIONS, revision=PREVIOUS_RELEASE)
    with db.engine.begin() as conn:
        for table, columns, rows in PREVIOUS_RELEASE_ROWS:
            names = [c.strip() for c in columns.split(",")]
            statement = sa.text(f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({", ".join(":" + n for n in names)})')
            conn.execute(statement, [dict(zip(names, row, strict=True)) for row in rows])
            if conn.dialect.name == "postgresql" and "id" in names:  # as the release's own inserts would leave it
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                     f'(SELECT max(id) FROM "{table}"))'))
    tables = [table for table, _c, _r in PREVIOUS_RELEASE_ROWS]
    columns = _kept_columns(tables)
    before = _dump(columns)
    assert all(before[t] for t in tables)

    upgrade(directory=MIGRATIONS)
    assert _dump(columns) == before
    db.session.remove()
    user = find_user_by_email("tram.pn@phunghiep.example")
    assert user.organisation.parent.code == "HU" and user.api_token_hash == "a" * 64
    invite(None, user)  # the new tables work with the old rows
    db.session.commit()
