"""Shared by the directive editors: text cleaning, the editor check, catalog lookups, labels.

Every write in this package is a plain function that the web pages, the CLI (``flask directives import``) and
other features call.  They flush and record an audit event; they never commit (the view, command
or job that called them commits once).  Bad input raises :class:`ValidationFailed` with a
Vietnamese message before anything is written, or inside the caller's transaction, which the
caller then rolls back, so nothing is saved.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from app.core.errors import ValidationFailed
from app.core.permissions import require
from app.core.text import normalize
from app.extensions import db
from app.models import Directive, Organisation


def clean(text: str | None) -> str:
    """NFC-normalised, trimmed text (both tone-mark styles are kept as typed; matching folds them)."""
    return normalize(text or "").strip()


def require_editor(actor) -> None:
    """Editors of directives and tasks; ``None`` is the system itself (imports, seeds, the CLI)."""
    if actor is not None:
        require(actor, "directive.edit")


def active_organisation(org_id: int | None, what: str) -> Organisation:
    """The catalog organisation *org_id*, refused (naming *what*) when missing or no longer active."""
    organisation = db.session.get(Organisation, org_id) if org_id else None
    if organisation is None:
        raise ValidationFailed(_("%(what)s không có trong danh mục tổ chức.", what=what))
    if not organisation.is_active:
        raise ValidationFailed(_("%(what)s “%(name)s” đã ngừng hoạt động.", what=what, name=organisation.name))
    return organisation


def vn_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def select_ids(stmt) -> list[int]:
    return list(db.session.scalars(stmt))


def directive_label(directive: Directive) -> str:
    return f"{directive.symbol or ''} {directive.title}".strip()[:300]
