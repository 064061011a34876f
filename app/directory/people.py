"""People from a spreadsheet (`email,name,role,org_code[,title]`): `flask users import` and the admin
upload. A new person gets an account without a password and an invitation e-mail with a one-time link
to choose one (:mod:`app.auth.links`); a person already there is updated when the file differs. Nobody
is deleted or deactivated by an import, and importing the same file twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.admin.services import save_user
from app.auth.links import PendingMail, invite
from app.auth.services import create_user
from app.core.enums import Role
from app.core.errors import DomainError
from app.core.text import strip_diacritics
from app.directory.tables import (
    Column,
    ImportOutcome,
    Problem,
    Sheet,
    email_problem,
    read_table,
    text_cell,
    write_table,
)
from app.extensions import db
from app.models import Organisation, User

COLUMNS = (
    Column("email", _l("Email"), required=True, aliases=("thư điện tử", "địa chỉ email")),
    Column("name", _l("Họ và tên"), required=True, aliases=("họ tên", "tên")),
    Column("role", _l("Vai trò"), required=True, aliases=("quyền",)),
    Column("org_code", _l("Mã tổ chức"), required=True, aliases=("mã đơn vị", "mã cơ quan", "tổ chức", "đơn vị")),
    Column("title", _l("Chức danh"), aliases=("chức vụ",)),
)


@dataclass
class Entry:
    row: int
    email: str
    action: str  # "create" | "update" | "unchanged"
    values: dict = field(default_factory=dict)
    changes: dict = field(default_factory=dict)

    def describe(self) -> str:
        if self.action == "create":
            return f"create {self.email}: {self.values['name']} ({self.values['role'].value}, {self.values['org_code']})"
        if self.action == "unchanged":
            return f"unchanged {self.email}"
        details = "; ".join(f"{name} {old!r} → {new!r}" for name, (old, new) in self.changes.items())
        return f"update {self.email}: {details}"


@dataclass
class ImportResult(ImportOutcome):
    #: Invitations to send once the transaction has committed.
    invitations: list[PendingMail] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return f"created {self.count('create')}, changed {self.count('update')}, unchanged {self.count('unchanged')}"


def role_from_text(text: str) -> Role | None:
    """A role from its code (``agency_officer``) or its Vietnamese label, with or without diacritics."""
    key = strip_diacritics(text)
    return next((r for r in Role if key in {r.value, strip_diacritics(r.label)}), None)


def plan_import(sheet: Sheet) -> ImportResult:
    result = ImportResult()
    problems = result.problems
    orgs = {o.code: o for o in db.session.scalars(sa.select(Organisation))}
    users = {u.email.lower(): u for u in db.session.scalars(sa.select(User))}
    seen: dict[str, int] = {}
    for number, cells in sheet.rows:
        before = len(problems)
        email = text_cell(problems, number, "email", cells.get("email"), required=True, max_len=254).lower()
        if email and (problem := email_problem(email)):
            problems.append(Problem(number, "email", problem))
        elif email in seen:
            problems.append(Problem(number, "email", _("Email %(e)s trùng với dòng %(n)d.", e=email, n=seen[email])))
        seen.setdefault(email, number)
        values = {"name": text_cell(problems, number, "name", cells.get("name"), required=True, max_len=120)}
        role_text = text_cell(problems, number, "role", cells.get("role"), required=True, max_len=100)
        values["role"] = role_from_text(role_text) if role_text else None
        if role_text and values["role"] is None:
            problems.append(Problem(number, "role", _("Vai trò “%(v)s” không có. Các vai trò: %(roles)s.", v=role_text,
                                                      roles=", ".join(r.value for r in Role))))
        code = text_cell(problems, number, "org_code", cells.get("org_code"), required=True, max_len=32)
        values["org_code"] = code
        if code and (code not in orgs or not orgs[code].is_active):
            problems.append(Problem(number, "org_code", _("Không có tổ chức đang hoạt động mã %(code)s.", code=code)))
        if "title" in sheet.columns:
            values["title"] = text_cell(problems, number, "title", cells.get("title"), max_len=120) or None
        if len(problems) > before:
            continue
        user = users.get(email)
        if user is None:
            result.entries.append(Entry(number, email, "create", values))
            continue
        current = {"name": user.name, "role": user.role, "org_code": user.organisation.code, "title": user.title}
        changes = {k: (current[k], v) for k, v in values.items() if v != current[k]}
        result.entries.append(Entry(number, email, "update" if changes else "unchanged", values, changes))
    problems.sort(key=lambda p: p.row or 0)
    return result


def apply_import(actor, result: ImportResult) -> ImportResult:
    """Create and update the accounts (audited) and prepare each new person's invitation; the caller
    commits and then sends ``result.invitations``, or rolls back when a problem is returned."""
    if result.problems:
        return result
    orgs = {o.code: o for o in db.session.scalars(sa.select(Organisation))}
    for entry in result.entries:
        values = entry.values
        org = orgs[values["org_code"]]
        try:
            if entry.action == "create":
                user = create_user(actor, email=entry.email, name=values["name"], role=values["role"], organisation=org,
                                   title=values.get("title"))
                db.session.flush()
                result.invitations.append(invite(actor, user))
            elif entry.action == "update":
                user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == entry.email))
                save_user(actor, user, {"email": user.email, "name": values["name"], "role": values["role"],
                                        "organisation_id": org.id, "title": values.get("title", user.title),
                                        "is_active": user.is_active_account})
        except DomainError as error:
            result.problems.append(Problem(entry.row, error.field, error.message))
            result.invitations.clear()
            return result
    result.written = True
    return result


def import_file(actor, data: bytes, filename: str, *, dry_run: bool) -> ImportResult:
    result = plan_import(read_table(data, filename, COLUMNS))
    return result if dry_run else apply_import(actor, result)


def template_file(fmt: str) -> bytes:
    example = [
        {"email": "nguyenvana@example.vn", "name": "Nguyễn Văn A", "role": "agency_officer", "org_code": "BTG",
         "title": "Chuyên viên"},
        {"email": "tranthib@example.vn", "name": "Trần Thị B", "role": "agency_head", "org_code": "BTG",
         "title": "Trưởng ban"},
    ]
    return write_table(COLUMNS, example, fmt, headings="vi")
