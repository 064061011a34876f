"""Diacritics-insensitive matching in SQL (tìm kiếm không dấu): "tan binh" finds "Tân Bình".

Shared by the global search and the lists that filter by text (the agency inbox), so one query
means the same thing everywhere: every word must start a word of the text, whatever its accents
and case.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa

from app.core.text import strip_diacritics
from app.extensions import db

__all__ = ["MAX_QUERY_WORDS", "folded_match", "like_contains", "query_words", "text_matches"]


def _letter_variants() -> dict[str, str]:
    """Every Latin letter with Vietnamese diacritics, grouped by the bare ASCII letter it folds to."""
    groups: dict[str, set[str]] = {}
    ranges = [(0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F), (0x1EA0, 0x1EF9)]
    for low, high in ranges:
        for code in range(low, high + 1):
            ch = chr(code)
            base = strip_diacritics(ch)
            if len(base) == 1 and base.isascii() and base.isalpha():
                groups.setdefault(base, set()).add(ch)
    return {base: "".join(sorted(chars)) for base, chars in groups.items()}


_VARIANTS = _letter_variants()
MAX_QUERY_WORDS = 8


def query_words(query: str) -> list[str]:
    """The search words, folded: "Tân  Bình" → ["tan", "binh"] (at most 8, each at least 1 character)."""
    words = [w for w in re.split(r"\s+", strip_diacritics(query or "")) if w]
    return words[:MAX_QUERY_WORDS]


_WORD_CHARS = "0123456789" + "".join(_VARIANTS.values())


def _glob_word(word: str) -> str:
    """SQLite GLOB classes matching ``word`` whatever the accents and case ("an" → [aàá…AÀÁ…][nN])."""
    out = []
    for ch in word:
        variants = _VARIANTS.get(ch)
        if variants:
            out.append("[" + variants + "]")
        elif ch in "*?[]":
            out.append("[" + ch + "]")
        else:
            out.append(ch)
    return "".join(out)


def _regex_word(word: str) -> str:
    """PostgreSQL regular expression with the same meaning as :func:`_glob_word`."""
    out = []
    for ch in word:
        variants = _VARIANTS.get(ch)
        out.append("[" + variants + "]" if variants else re.escape(ch))
    return "".join(out)


def folded_match(column, words: Sequence[str]):
    """SQL condition: every word starts a word of ``column``, ignoring diacritics and case.

    "tan binh" finds "Tân Bình" (and "binh tan" too) but not "quán triệt": Vietnamese syllables are
    short, so matching inside words would find nearly everything.  SQLite compares with GLOB and
    PostgreSQL with a regular expression, each built from classes of the letter's accented forms, so
    no extension (unaccent) is needed and the scan stays in the database's C code.  Stored text is NFC.
    """
    dialect = db.session.get_bind().dialect.name
    clauses = []
    for word in words:
        if dialect == "postgresql":
            clauses.append(column.op("~")("(^|[^" + _WORD_CHARS + "])" + _regex_word(word)))
        else:
            pattern = _glob_word(word)
            clauses.append(sa.or_(column.op("GLOB")(pattern + "*"),
                                  column.op("GLOB")("*[^" + _WORD_CHARS + "]" + pattern + "*")))
    return sa.and_(*clauses)


def text_matches(text: str, words: Sequence[str]) -> bool:
    key = strip_diacritics(unicodedata.normalize("NFC", text or ""))
    return all(w in key for w in words)


_LIKE_ESCAPE = "\\"


def like_contains(column, text: str):
    """SQL condition: ``column`` contains ``text`` literally, case-insensitively (ILIKE).

    ``%`` and ``_`` in what the user typed are escaped, so "q=%" finds a percent sign and not every row."""
    escaped = text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", _LIKE_ESCAPE + "%").replace("_", _LIKE_ESCAPE + "_")
    return column.ilike(f"%{escaped}%", escape=_LIKE_ESCAPE)
