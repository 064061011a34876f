"""Whole numbers from a request's query string or form (ids, pages, years), parsed one way everywhere."""

from __future__ import annotations

from flask import request

#: Nine digits at most: every value fits a 32-bit INTEGER column (PostgreSQL refuses larger ones).
MAX_DIGITS = 9


def int_arg(name: str, source=None) -> int | None:
    """The non-negative integer ``name`` in ``source`` (default the query string), or None when
    absent or not a plain number of at most MAX_DIGITS digits."""
    value = str((request.args if source is None else source).get(name, "") or "").strip()
    return int(value) if value.isdigit() and value.isascii() and len(value) <= MAX_DIGITS else None
