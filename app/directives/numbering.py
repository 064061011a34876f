"""Document numbers (số, ký hiệu): Party terms, the next free number, lookup by key, the one-number-per-term rule."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.clock import today_local
from app.core.enums import DirectiveStatus
from app.core.errors import Conflict
from app.directives.refs import number_key
from app.extensions import db
from app.models import Directive

#: Party terms (nhiệm kỳ) last five years; district congresses were held in 2020 and 2025.
TERM_LENGTH = 5
TERM_EPOCH = 2020


def term_start_year_for(day: date) -> int:
    """First year of the 5-year Party term (nhiệm kỳ) containing *day*: 2020 for 2020–2024, 2025 for 2025–2029."""
    return TERM_EPOCH + TERM_LENGTH * ((day.year - TERM_EPOCH) // TERM_LENGTH)


def _directive_key(directive: Directive) -> tuple[str, str, str | None]:
    return directive.doc_type, number_key(directive.number or ""), directive.issuer_suffix


def find_by_key(code: str, number: str, issuer: str | None, *, on: date | None = None) -> Directive | None:
    """The directive with this (code, number, issuer) key (numbers compare without zero padding).

    Numbers restart each Party term, so when *on* is known a record of another term does not match
    (a record without a date matches any term).  Among several, the system's own (non-reference)
    record and then the most recent one wins.
    """
    stmt = sa.select(Directive).where(Directive.doc_type == code)
    stmt = stmt.where(Directive.issuer_suffix.is_(None) if issuer is None else Directive.issuer_suffix == issuer)
    wanted = number_key(number)
    term = term_start_year_for(on) if on else None
    matches = [d for d in db.session.scalars(stmt) if number_key(d.number or "") == wanted
               and (term is None or d.term_start_year is None or d.term_start_year == term)]
    matches.sort(key=lambda d: (d.status is not DirectiveStatus.REFERENCE, d.issued_on or date.min, d.id),
                 reverse=True)
    return matches[0] if matches else None


def next_number(issuer_suffix: str, doc_type: str, term_start_year: int) -> int:
    """Next free number for (issuer suffix, document type, term): the highest numeric one + 1.

    Numbers restart with each Party term (domain.md §2.3), so only documents of that term count;
    documents without a term are placed by their issue date.  Redacted or non-numeric numbers are
    ignored.
    """
    rows = db.session.execute(
        sa.select(Directive.number, Directive.term_start_year, Directive.issued_on)
        .where(Directive.issuer_suffix == issuer_suffix, Directive.doc_type == doc_type,
               Directive.number.is_not(None))
    )
    highest = 0
    for number, term, issued_on in rows:
        if term is None and issued_on is not None:
            term = term_start_year_for(issued_on)
        if term == term_start_year and number and number.isdigit():
            highest = max(highest, int(number))
    return highest + 1


def propose_symbol(issuer_suffix: str, doc_type: str, on: date | None = None) -> dict:
    """The numbering helper: next number and canonical symbol for the term containing *on*."""
    on = on or today_local()
    term = term_start_year_for(on)
    number = next_number(issuer_suffix, doc_type, term)
    return {"number": f"{number:02d}", "symbol": f"{number:02d}-{doc_type}/{issuer_suffix}",
            "term": f"{term} - {term + TERM_LENGTH}", "term_start_year": term}


def check_symbol_free(values: dict, current: Directive | None) -> Directive | None:
    """Refuse a number already used in the term; return a reference record to promote, if any."""
    if not values["number"]:
        return None
    existing = [d for d in db.session.scalars(
        sa.select(Directive).where(Directive.doc_type == values["doc_type"],
                                   Directive.issuer_suffix == values["issuer_suffix"])
    ) if d is not current and number_key(d.number or "") == number_key(values["number"])
        and (d.term_start_year or values["term_start_year"]) == values["term_start_year"]]
    own = [d for d in existing if d.status is not DirectiveStatus.REFERENCE]
    if own:
        raise Conflict(_("Số, ký hiệu %(s)s đã được dùng cho văn bản “%(t)s” trong nhiệm kỳ này.",
                         s=f"{values['number']}-{values['doc_type']}/{values['issuer_suffix']}", t=own[0].title[:120]))
    return existing[0] if existing else None
