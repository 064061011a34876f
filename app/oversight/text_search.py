"""Search (tìm kiếm) of directives, tasks and progress reports, diacritics-insensitive ("tan binh" finds
"Tân Bình"); tasks and reports only where the user may see the task."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.core.permissions import directive_visibility_clause, task_visibility_clause
from app.core.search import folded_match, query_words, text_matches
from app.core.text import strip_diacritics
from app.extensions import db
from app.models import ContentItem, Directive, Organisation, ProgressReport, Task, User


@dataclass(frozen=True)
class SearchHit:
    kind: str
    id: int
    title: str
    snippet: str
    task_id: int | None
    date: date | None
    extra: str = ""


SEARCH_KINDS = ("directive", "task", "report")


def _snippet(text: str, words: Sequence[str], width: int = 160) -> str:
    text = " ".join((text or "").split())
    key = strip_diacritics(text)
    positions = [key.find(w) for w in words if key.find(w) >= 0]
    if not positions or len(key) != len(text):
        return text[:width] + ("…" if len(text) > width else "")
    start = max(0, min(positions) - 40)
    chunk = text[start:start + width]
    return ("…" if start else "") + chunk + ("…" if start + width < len(text) else "")


def search(user: User, query: str, *, kind: str | None = None, after_id: int | None = None,
           limit: int = 20) -> dict[str, tuple[list[SearchHit], int | None]]:
    """Directives, tasks (with their content items) and progress reports matching every word of the
    query, diacritics-insensitively; tasks and reports only where the user may see the task.
    Each kind is a keyset page (newest id first); ``kind`` narrows to one kind."""
    words = query_words(query)
    if not words:
        return {}
    kinds = [kind] if kind in SEARCH_KINDS else list(SEARCH_KINDS)
    results: dict[str, tuple[list[SearchHit], int | None]] = {}
    for name in kinds:
        finder = {"directive": _search_directives, "task": _search_tasks, "report": _search_reports}[name]
        hits = finder(user, words, after_id, limit + 1)
        results[name] = (hits[:limit], hits[limit - 1].id if len(hits) > limit else None)
    return results


def _search_directives(user: User, words, after_id, limit) -> list[SearchHit]:
    symbol_text = (sa.func.coalesce(Directive.number, "") + "-" + Directive.doc_type + "/"
                   + sa.func.coalesce(Directive.issuer_suffix, ""))
    haystack = Directive.title + " " + symbol_text + " " + sa.func.coalesce(Directive.issuing_body, "")
    stmt = sa.select(Directive).where(directive_visibility_clause(user),
                                      sa.or_(folded_match(haystack, words), folded_match(Directive.body, words)))
    if after_id:
        stmt = stmt.where(Directive.id < after_id)
    hits = []
    for d in db.session.scalars(stmt.order_by(Directive.id.desc()).limit(limit)):
        text = d.title if text_matches(d.title, words) else d.body
        hits.append(SearchHit("directive", d.id, f"{d.symbol + ' — ' if d.symbol else ''}{d.title}",
                              _snippet(text, words), None, d.issued_on))
    return hits


def _search_tasks(user: User, words, after_id, limit) -> list[SearchHit]:
    item_match = sa.exists().where(ContentItem.task_id == Task.id, folded_match(ContentItem.text, words))
    stmt = (
        sa.select(Task.id, Task.title, Task.description, Task.due_date, Task.is_confidential, Organisation.name)
        .join(Organisation, Organisation.id == Task.lead_org_id)
        .where(task_visibility_clause(user),
               sa.or_(folded_match(Task.title, words), folded_match(Task.description, words), item_match))
    )
    if after_id:
        stmt = stmt.where(Task.id < after_id)
    hits = []
    for row in db.session.execute(stmt.order_by(Task.id.desc()).limit(limit)):
        text = row.title if text_matches(row.title, words) or row.is_confidential else row.description
        hits.append(SearchHit("task", row.id, row.title, _snippet(text, words), row.id, row.due_date, row.name))
    return hits


def _search_reports(user: User, words, after_id, limit) -> list[SearchHit]:
    stmt = (
        sa.select(ProgressReport.id, ProgressReport.task_id, ProgressReport.result_text, ProgressReport.reported_on,
                  Task.title, Organisation.name)
        .join(Task, Task.id == ProgressReport.task_id)
        .join(Organisation, Organisation.id == ProgressReport.organisation_id)
        .where(task_visibility_clause(user), folded_match(ProgressReport.result_text, words))
    )
    if after_id:
        stmt = stmt.where(ProgressReport.id < after_id)
    return [
        SearchHit("report", row.id, row.title, _snippet(row.result_text, words), row.task_id, row.reported_on, row.name)
        for row in db.session.execute(stmt.order_by(ProgressReport.id.desc()).limit(limit))
    ]
