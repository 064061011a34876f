"""Administration services: organisations and accounts (audited)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.auth.services import create_user, set_active
from app.core import audit
from app.core.enums import OrganisationKind, Role
from app.core.errors import Conflict, ValidationFailed
from app.extensions import db
from app.models import AuditEvent, Organisation, User

ORG_FIELDS = ("code", "name", "short_name", "kind", "parent_id", "display_order", "report_heading", "aliases",
              "contact_emails", "is_active")
#: Audit events shown on one page of the log.
AUDIT_PAGE_SIZE = 100


def find_organisation(org_id: int | None) -> Organisation | None:
    return db.session.get(Organisation, org_id) if org_id else None


def users_in_order() -> list[User]:
    return db.session.scalars(sa.select(User).order_by(User.organisation_id, User.name)).all()


def find_user(user_id: int | None) -> User | None:
    return db.session.get(User, user_id) if user_id else None


def audit_page(after: int | None) -> list[AuditEvent]:
    """One page of the audit log, newest first, older than the event id *after* when given."""
    stmt = sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE_SIZE)
    if after is not None:
        stmt = stmt.where(AuditEvent.id < after)
    return db.session.scalars(stmt).all()


def save_organisation(actor, org: Organisation | None, data: dict) -> Organisation:
    code = data["code"].strip()
    clash = db.session.scalar(sa.select(Organisation).where(Organisation.code == code))
    if clash is not None and clash is not org:
        raise ValidationFailed(_("Mã %(code)s đã được dùng.", code=code), field="code")
    if org is not None and data.get("parent_id") == org.id:
        raise ValidationFailed(_("Tổ chức không thể trực thuộc chính nó."), field="parent_id")
    data = {**data, "kind": OrganisationKind.coerce(data["kind"]), "parent_id": data.get("parent_id") or None}
    creating = org is None
    org = org or Organisation()
    before = {} if creating else audit.snapshot(org, ORG_FIELDS)
    for name in ORG_FIELDS:
        setattr(org, name, data.get(name))
    db.session.add(org)
    db.session.flush()
    old, new = audit.diff(before, audit.snapshot(org, ORG_FIELDS))
    audit.record(actor, "create" if creating else "update", org, summary=org.code, before=old, after=new)
    return org


def save_user(actor, user: User | None, data: dict) -> User:
    org = db.session.get(Organisation, data["organisation_id"])
    if org is None:
        raise ValidationFailed(_("Tổ chức không tồn tại."), field="organisation_id")
    if user is None:
        # No password: the person is invited to choose one (nobody chooses it for them).
        return create_user(actor, email=data["email"], name=data["name"], role=data["role"], organisation=org,
                           title=data.get("title"))
    clash = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == data["email"].strip().lower()))
    if clash is not None and clash is not user:
        raise ValidationFailed(_("Email %(email)s đã được sử dụng.", email=data["email"]), field="email")
    if actor is not None and user.id == actor.id and (Role.coerce(data["role"]) is not Role.ADMIN or not data["is_active"]):
        raise Conflict(_("Không thể tự bỏ quyền quản trị hoặc tự khóa tài khoản của mình."))
    fields = ("email", "name", "title", "role", "organisation_id")
    before = audit.snapshot(user, fields)
    user.email = data["email"].strip().lower()
    user.name = data["name"].strip()
    user.title = data.get("title") or None
    user.role = Role.coerce(data["role"])
    user.organisation_id = org.id
    old, new = audit.diff(before, audit.snapshot(user, fields))
    if new:
        audit.record(actor, "update", user, summary=user.email, before=old, after=new)
    if data["is_active"] != user.is_active_account:
        set_active(actor, user, data["is_active"])
    return user
