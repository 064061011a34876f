"""References (trích dẫn văn bản): link every document a text cites to one canonical directive (AS-08).

Unknown documents become directives with status “reference”; see :func:`sync_references`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.orm import selectinload

from app.core.enums import DirectiveStatus
from app.core.permissions import can_view_directive, directive_visibility_clause, task_visibility_clause
from app.core.text import normalize
from app.directives.numbering import find_by_key, term_start_year_for
from app.directives.refs import (
    Reference,
    format_reference_date,
    merge_references,
    number_key,
    parse_references,
    validate_reference,
)
from app.extensions import db
from app.models import Directive, DocumentReference, Task

_ORGAN_AFTER = re.compile(r"\s*,?\s*của\s+(?P<organ>[^,;.:“”\"()\n]{3,120}?)(?=\s+(?:về|khóa|khoá|nhiệm\s+kỳ)\b|[,;.:“”\"()\n]|$)")


def _expand(ref: Reference) -> list[Reference]:
    """One reference per number: "217, 218-QĐ/TW" names two documents."""
    if "multi-number" not in ref.flags:
        return [ref]
    parts = [p.strip() for p in ref.number.split(",") if p.strip().isdigit()]
    flags = tuple(f for f in ref.flags if f != "multi-number")
    return [replace(ref, number=p, flags=flags) for p in parts]


def _issuing_body(text: str, ref: Reference) -> str | None:
    match = _ORGAN_AFTER.match(text, ref.end)
    return match.group("organ").strip() if match else None


def _target_for(ref: Reference, text: str, own: Directive | None) -> Directive | None:
    """The canonical directive for a reference, created with status “reference” when unknown."""
    if "redacted-number" in ref.flags:
        return None  # "1...6-CV/UBKTHU": cannot be told apart from other redacted numbers
    target = find_by_key(ref.code, ref.number, ref.issuer, on=ref.date)
    if own is not None and target is own:
        return None  # the notice naming itself
    if target is None:
        number = f"{int(ref.number):02d}" if ref.style == "party" and ref.number.isdigit() else ref.number
        target = Directive(doc_type=ref.code, number=number[:32], issuer_suffix=ref.issuer, issued_on=ref.date,
                           term_start_year=term_start_year_for(ref.date) if ref.date else None,
                           issuing_body=(_issuing_body(text, ref) or None), title=ref.canonical()[:1000],
                           status=DirectiveStatus.REFERENCE)
        db.session.add(target)
        db.session.flush()
    elif target.status is DirectiveStatus.REFERENCE:
        # a later, fuller mention completes the record (an undated mention inherits the date, AS-08)
        if target.issued_on is None and ref.date is not None:
            target.issued_on = ref.date
            target.term_start_year = term_start_year_for(ref.date)
            target.title = ref.canonical()[:1000]
        if not target.issuing_body:
            target.issuing_body = _issuing_body(text, ref)
    return target


def sync_references(source_kind: str, source_id: int, text: str, *, own: Directive | None = None
                    ) -> list[DocumentReference]:
    """Parse every reference in *text* and link it to one canonical directive (AS-08).

    Existing links of the source are replaced.  Mentions of one document (same
    :meth:`Reference.key`) share one record; an undated mention takes the date of a dated one
    (:func:`refs.merge_references`).  Unknown documents are created with status “reference”;
    redacted numbers are not linked; "217, 218-QĐ/TW" links two documents.  Flags (invalid-date,
    type-code-mismatch …) are kept on the link for a person to check.
    """
    db.session.execute(sa.delete(DocumentReference).where(DocumentReference.source_kind == source_kind,
                                                          DocumentReference.source_id == source_id))
    norm = normalize(text or "")
    mentions = [part for ref in parse_references(norm) for part in _expand(ref)]
    merged = {ref.key(): ref for ref in merge_references(mentions)}
    links: list[DocumentReference] = []
    seen: set[tuple[int, str]] = set()
    for mention in mentions:
        canonical = merged[mention.key()]
        target = _target_for(canonical if mention.date is None else mention, norm, own)
        if target is None or (target.id, mention.match) in seen:
            continue
        seen.add((target.id, mention.match))
        link = DocumentReference(source_kind=source_kind, source_id=source_id, target_directive_id=target.id,
                                 matched_text=mention.match[:500], flags=" ".join(mention.flags)[:200])
        db.session.add(link)
        links.append(link)
    db.session.flush()
    return links


def sync_directive_references(directive: Directive) -> list[DocumentReference]:
    return sync_references("directive", directive.id, f"{directive.title}\n{directive.body}", own=directive)


def sync_task_references(task: Task) -> list[DocumentReference]:
    text = "\n".join([task.title, task.description or "", *(i.text for i in task.items)])
    return sync_references("task", task.id, text, own=task.directive)


def outgoing_references(source_kind: str, source_id: int) -> list[DocumentReference]:
    return list(db.session.scalars(
        sa.select(DocumentReference).where(DocumentReference.source_kind == source_kind,
                                           DocumentReference.source_id == source_id)
        .options(selectinload(DocumentReference.target)).order_by(DocumentReference.id)))


@dataclass
class Citation:
    """Where a directive is cited: a directive or a task (with the text as written)."""

    kind: str
    directive: Directive
    task: Task | None
    matched_text: str
    flags: str


def citations_of(user, target: Directive) -> list[Citation]:
    """Every directive and task (that *user* may see) citing *target*."""
    rows = db.session.scalars(sa.select(DocumentReference).where(DocumentReference.target_directive_id == target.id)
                              .order_by(DocumentReference.id)).all()
    result: list[Citation] = []
    task_ids = [r.source_id for r in rows if r.source_kind == "task"]
    tasks = {t.id: t for t in db.session.scalars(sa.select(Task).where(Task.id.in_(task_ids or [0]),
                                                                        task_visibility_clause(user)))}
    for row in rows:
        if row.source_kind == "directive":
            source = db.session.get(Directive, row.source_id)
            if source is not None and can_view_directive(user, source):
                result.append(Citation("directive", source, None, row.matched_text, row.flags))
        elif row.source_kind == "task" and row.source_id in tasks:
            task = tasks[row.source_id]
            result.append(Citation("task", task.directive, task, row.matched_text, row.flags))
    return result


_BARE_SYMBOL = re.compile(
    r"(?P<num>\d{1,5})\s*[-‐–]\s*(?P<code>CTr|QĐi|NQ|CT|KL|TB|KH|QĐ|HD|ĐA|CV|BC|QC|TTr|NĐ)\s*/\s*(?P<issuer>[A-ZĐ][A-ZĐa-z0-9]*)"
    r"|(?P<snum>\d{1,5})(?:/\d{4})?/(?P<scode>NQ|CT|QĐ|NĐ|KH)-(?P<sissuer>[A-ZĐa-z0-9]+(?:-[A-ZĐa-z0-9]+)*)")


def reference_targets(user, query: str) -> list[Directive]:
    """Directives *user* may see named by a search such as "26-NQ/TW" or "Nghị quyết số 26-NQ/TW ngày 19/5/2018"."""
    text = normalize(query or "")[:300]
    keys: list[tuple[str, str, str | None]] = [ref.key() for ref in parse_references(text)]
    for match in _BARE_SYMBOL.finditer(text):
        if match.group("num"):
            keys.append((match.group("code"), number_key(match.group("num")), match.group("issuer")))
        else:
            keys.append((match.group("scode"), number_key(match.group("snum")), match.group("sissuer")))
    found: dict[int, Directive] = {}
    for code, number, issuer in dict.fromkeys(keys):
        stmt = sa.select(Directive).where(Directive.doc_type == code, Directive.issuer_suffix == issuer,
                                          directive_visibility_clause(user))
        for directive in db.session.scalars(stmt):
            if number_key(directive.number or "") == number:
                found[directive.id] = directive
    return list(found.values())


def link_references(text: str, url_for_directive) -> Markup:
    """*text* (escaped, NFC) with each reference to a known directive turned into a link."""
    norm = normalize(text or "")
    pieces: list[str] = []
    position = 0
    for ref in parse_references(norm):
        target = None if "redacted-number" in ref.flags else find_by_key(ref.code, ref.number.split(",")[0],
                                                                          ref.issuer, on=ref.date)
        if target is None:
            continue
        pieces.append(str(escape(norm[position:ref.start])))
        title = escape(target.title)
        pieces.append(f'<a href="{escape(url_for_directive(target.id))}" class="doc-ref" title="{title}">'
                      f"{escape(ref.match)}</a>")
        position = ref.end
    pieces.append(str(escape(norm[position:])))
    return Markup("".join(pieces))  # noqa: S704  (every piece above is escaped)


def reference_report(text: str) -> list[dict]:
    """Every reference in *text* with its flags, Vietnamese reasons and canonical form (``flask refs parse``)."""
    rows = []
    for ref in parse_references(text or ""):
        rows.append({
            "match": ref.match, "type": ref.type, "number": ref.number, "code": ref.code, "issuer": ref.issuer,
            "style": ref.style, "year": ref.year, "date": ref.date.isoformat() if ref.date else None,
            "raw_date": ref.raw_date, "flags": list(ref.flags), "reasons": validate_reference(ref),
            "valid": not ref.flags, "canonical": ref.canonical(), "start": ref.start, "end": ref.end,
            "rendered_date": format_reference_date(ref.date) if ref.date else None,
        })
    return rows
