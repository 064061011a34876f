"""Batching of key probes and row inserts: statements stay well under SQLite's variable limit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

#: Keys checked / rows inserted per statement (well under SQLite's variable limit).
CHUNK = 2000


def chunks(values: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
