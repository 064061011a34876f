"""Organisations from a spreadsheet: `flask orgs import|export` and the admin upload.

Decision (documented in the README): an organisation that is not in the file is left as it is; it is
deactivated (never deleted, so its tasks and reports keep their history) when the file says so in an
``active`` column ("0", "không", "no") or when the import is run with ``deactivate_missing``. Codes
are matched exactly (the short codes of domain.md §1.3: BTG, LĐLĐ, X.TANBINH, …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.admin.services import ORG_FIELDS, save_organisation
from app.core.enums import OrganisationKind
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
from app.models import Organisation

COLUMNS = (
    Column("code", _l("Mã"), required=True, aliases=("mã tổ chức", "mã đơn vị", "mã cơ quan")),
    Column("name", _l("Tên"), required=True, aliases=("tên tổ chức", "tên đơn vị", "tên cơ quan")),
    Column("short_name", _l("Tên ngắn"), aliases=("tên viết tắt", "tên gọi tắt")),
    Column("kind", _l("Loại"), aliases=("loại tổ chức",)),
    Column("parent_code", _l("Mã cấp trên"), aliases=("trực thuộc", "mã đơn vị cấp trên", "cấp trên")),
    Column("emails", _l("Email liên hệ"), aliases=("email", "emails", "thư điện tử")),
    Column("active", _l("Hoạt động"), aliases=("đang hoạt động", "is_active")),
)
CODE_PATTERN = re.compile(Organisation.CODE_PATTERN)
_YES = {"1", "true", "yes", "y", "x", "co", "dang hoat dong", "hoat dong"}
_NO = {"0", "false", "no", "n", "khong", "ngung", "ngung hoat dong", "giai the", "sap nhap"}


@dataclass
class Entry:
    """One organisation the import would create, change, leave alone or deactivate."""

    row: int | None
    code: str
    action: str  # "create" | "update" | "unchanged" | "deactivate"
    values: dict = field(default_factory=dict)
    changes: dict = field(default_factory=dict)  # field → (old, new)

    def describe(self) -> str:
        if self.action == "create":
            return f"create {self.code}: {self.values['name']}"
        if self.action == "unchanged":
            return f"unchanged {self.code}"
        details = "; ".join(f"{name} {old!r} → {new!r}" for name, (old, new) in self.changes.items())
        return f"{self.action} {self.code}: {details}"


@dataclass
class ImportResult(ImportOutcome):
    @property
    def summary(self) -> str:
        return (f"created {self.count('create')}, changed {self.count('update')}, unchanged {self.count('unchanged')}, "
                f"deactivated {self.count('deactivate')}")


def kind_from_text(text: str) -> OrganisationKind | None:
    """A kind from its code (``commune``) or its Vietnamese label, with or without diacritics."""
    key = strip_diacritics(text)
    for kind in OrganisationKind:
        if key in {kind.value, strip_diacritics(kind.label), strip_diacritics(kind.label.split(" (")[0])}:
            return kind
    return None


def _flag(problems: list[Problem], number: int, text: str) -> bool | None:
    key = strip_diacritics(text)
    if not key:
        return None
    if key in _YES:
        return True
    if key in _NO:
        return False
    problems.append(Problem(number, "active", _("Giá trị “%(v)s” không rõ: ghi 1 (hoạt động) hoặc 0 (ngừng).", v=text)))
    return None


def split_emails(text: str) -> list[str]:
    return [e for e in re.split(r"[\s;,]+", text.strip().lower()) if e]


def _read_rows(sheet: Sheet, problems: list[Problem]) -> list[tuple[int, dict]]:
    """Each row's cleaned values (only the columns the file has), with a problem for each bad cell."""
    seen: dict[str, int] = {}
    rows = []
    for number, cells in sheet.rows:
        before = len(problems)
        values: dict = {}
        code = text_cell(problems, number, "code", cells.get("code"), required=True, max_len=32)
        if code and not CODE_PATTERN.match(code):
            problems.append(Problem(number, "code", _("Mã %(code)s chỉ được gồm chữ, số, dấu chấm, gạch.", code=code)))
        elif code in seen:
            problems.append(Problem(number, "code", _("Mã %(code)s trùng với dòng %(n)d.", code=code, n=seen[code])))
        seen.setdefault(code, number)
        values["name"] = text_cell(problems, number, "name", cells.get("name"), required=True, max_len=200)
        if "short_name" in sheet.columns:
            values["short_name"] = text_cell(problems, number, "short_name", cells.get("short_name"), max_len=100) or None
        if "kind" in sheet.columns and (kind_text := text_cell(problems, number, "kind", cells.get("kind"), max_len=100)):
            values["kind"] = kind_from_text(kind_text)
            if values["kind"] is None:
                problems.append(Problem(number, "kind", _("Loại “%(v)s” không có. Các loại: %(kinds)s.", v=kind_text,
                                                          kinds=", ".join(k.value for k in OrganisationKind))))
        if "parent_code" in sheet.columns:
            values["parent_code"] = text_cell(problems, number, "parent_code", cells.get("parent_code"), max_len=32) or None
        if "emails" in sheet.columns:
            emails = split_emails(text_cell(problems, number, "emails", cells.get("emails"), max_len=2000))
            problems.extend(Problem(number, "emails", p) for p in map(email_problem, emails) if p)
            values["emails"] = emails
        if "active" in sheet.columns:
            values["active"] = _flag(problems, number, text_cell(problems, number, "active", cells.get("active"), max_len=40))
        if len(problems) == before:
            rows.append((number, {"code": code, **values}))
    return rows


def _check_tree(rows: list[tuple[int, dict]], existing: dict[str, Organisation], problems: list[Problem]) -> None:
    """Every parent exists (in the file or already) and no organisation ends up inside itself."""
    parent_of = {code: (org.parent.code if org.parent else None) for code, org in existing.items()}
    parent_of.update({v["code"]: v.get("parent_code", parent_of.get(v["code"])) for _n, v in rows})
    for number, values in rows:
        parent = values.get("parent_code")
        if parent is None:
            continue
        if parent not in parent_of:
            problems.append(Problem(number, "parent_code", _("Không có tổ chức cấp trên mã %(code)s.", code=parent)))
            continue
        seen, walk = {values["code"]}, parent
        while walk is not None:
            if walk in seen:
                problems.append(Problem(number, "parent_code", _("Quan hệ trực thuộc của %(code)s tạo thành vòng.",
                                                                 code=values["code"])))
                break
            seen.add(walk)
            walk = parent_of.get(walk)


def plan_import(sheet: Sheet, *, deactivate_missing: bool = False) -> ImportResult:
    """What importing the sheet would do, without writing anything."""
    result = ImportResult()
    rows = _read_rows(sheet, result.problems)
    existing = {o.code: o for o in db.session.scalars(sa.select(Organisation))}
    _check_tree(rows, existing, result.problems)
    for number, values in rows:
        org = existing.get(values["code"])
        if org is None and "kind" not in values:
            result.problems.append(Problem(number, "kind", _("Tổ chức mới cần có loại.")))
    if result.problems:
        result.problems.sort(key=lambda p: (p.row or 0))
        return result
    for number, values in rows:
        org = existing.get(values["code"])
        if org is None:
            result.entries.append(Entry(number, values["code"], "create", values))
            continue
        changes = _differences(org, values)
        action = "unchanged" if not changes else ("deactivate" if set(changes) == {"active"} and not values["active"]
                                                   else "update")
        result.entries.append(Entry(number, org.code, action, values, changes))
    if deactivate_missing:
        in_file = {v["code"] for _n, v in rows}
        for code, org in sorted(existing.items()):
            if code not in in_file and org.is_active:
                result.entries.append(Entry(None, code, "deactivate", {"code": code, "name": org.name, "active": False},
                                            {"active": (True, False)}))
    return result


def _current(org: Organisation) -> dict:
    return {"name": org.name, "short_name": org.short_name, "kind": org.kind,
            "parent_code": org.parent.code if org.parent else None, "emails": org.email_list, "active": org.is_active}


def _differences(org: Organisation, values: dict) -> dict:
    """Field → (old, new) for what the file changes; a blank ``active`` cell leaves it as it is."""
    current = _current(org)
    return {name: (current[name], new) for name, new in values.items()
            if name != "code" and not (name == "active" and new is None) and new != current[name]}


def apply_import(actor, result: ImportResult) -> ImportResult:
    """Write a clean plan (parents before children), each change audited; the caller commits, or rolls
    back when a problem is returned."""
    if result.problems:
        return result
    by_code = {o.code: o for o in db.session.scalars(sa.select(Organisation))}
    next_order = max((o.display_order for o in by_code.values() if o.display_order < 1000), default=0) + 10
    pending = [e for e in result.entries if e.action != "unchanged"]
    while pending:
        ready = [e for e in pending if e.values.get("parent_code") is None or e.values["parent_code"] in by_code]
        if not ready:  # cannot happen after _check_tree; never loop forever
            raise RuntimeError("organisation import: parents could not be ordered")
        for entry in ready:
            org = by_code.get(entry.code)
            data = _form_data(org, entry.values, by_code)
            if org is None:
                data["display_order"], next_order = next_order, next_order + 10
            try:
                by_code[entry.code] = save_organisation(actor, org, data)
            except DomainError as error:
                result.problems.append(Problem(entry.row, error.field, error.message))
                return result
        pending = [e for e in pending if e not in ready]
    result.written = True
    return result


def _form_data(org: Organisation | None, values: dict, by_code: dict[str, Organisation]) -> dict:
    data = {name: getattr(org, name) for name in ORG_FIELDS} if org is not None else {
        "display_order": 1000, "report_heading": None, "aliases": "", "contact_emails": "", "is_active": True,
        "short_name": None, "parent_id": None}
    data["code"] = values["code"]
    data["name"] = values["name"]
    if "short_name" in values:
        data["short_name"] = values["short_name"]
    if values.get("kind") is not None:
        data["kind"] = values["kind"]
    if "parent_code" in values:
        data["parent_id"] = by_code[values["parent_code"]].id if values["parent_code"] else None
    if "emails" in values:
        data["contact_emails"] = "\n".join(values["emails"])
    if values.get("active") is not None:
        data["is_active"] = values["active"]
    return data


def import_file(actor, data: bytes, filename: str, *, dry_run: bool, deactivate_missing: bool = False) -> ImportResult:
    """Read, check and (unless ``dry_run``) write; raises FileRefused for a file that cannot be read."""
    result = plan_import(read_table(data, filename, COLUMNS), deactivate_missing=deactivate_missing)
    return result if dry_run else apply_import(actor, result)


def export_rows() -> list[dict[str, str]]:
    orgs = db.session.scalars(sa.select(Organisation).order_by(Organisation.display_order, Organisation.code))
    return [{"code": o.code, "name": o.name, "short_name": o.short_name or "", "kind": o.kind.value,
             "parent_code": o.parent.code if o.parent else "", "emails": "; ".join(o.email_list),
             "active": "1" if o.is_active else "0"} for o in orgs]


def export_file(fmt: str) -> bytes:
    return write_table(COLUMNS, export_rows(), fmt)


def template_file(fmt: str) -> bytes:
    """A file with the Vietnamese headings and three example rows to overwrite."""
    example = [
        {"code": "HU", "name": "Huyện ủy", "short_name": "Huyện ủy", "kind": "committee", "parent_code": "",
         "emails": "", "active": "1"},
        {"code": "BTG", "name": "Ban Tuyên giáo Huyện ủy", "short_name": "Ban Tuyên giáo", "kind": "advisory",
         "parent_code": "HU", "emails": "btg@example.vn", "active": "1"},
        {"code": "X.TANBINH", "name": "Đảng ủy xã Tân Bình", "short_name": "xã Tân Bình", "kind": "commune",
         "parent_code": "HU", "emails": "", "active": "1"},
    ]
    return write_table(COLUMNS, example, fmt, headings="vi")
