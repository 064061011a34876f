"""Reading organisations by code or id for the pages and the API: the reads only, the caller decides
what a missing one means (422 on a field, 404 on a path)."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Organisation


def organisation_with_code(code: str) -> Organisation | None:
    return db.session.scalar(sa.select(Organisation).where(Organisation.code == code.strip()))


def organisation_id_with_code(code: str) -> int | None:
    return db.session.scalar(sa.select(Organisation.id).where(Organisation.code == code.strip()))


def organisations_with_ids(org_ids) -> list[Organisation]:
    """The organisations among *org_ids* (no statement for none)."""
    if not org_ids:
        return []
    return db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(org_ids))).all()


def listed_organisations(*, include_inactive: bool = False, kind=None) -> list[Organisation]:
    """Organisations in display order (active ones unless *include_inactive*), of one kind if given."""
    stmt = sa.select(Organisation).order_by(Organisation.display_order, Organisation.name, Organisation.id)
    if not include_inactive:
        stmt = stmt.where(Organisation.is_active.is_(True))
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    return db.session.scalars(stmt).all()
