"""Typed text into paragraphs: list roles ("- ", "+ ", "* …:") and ``[^…]`` footnotes numbered in reading order."""

from __future__ import annotations

import re

from app.core.text import fold_tone_marks, normalize
from app.models import Organisation
from app.reports.document import Para
from app.reports.narrative import logical_lines, starts_with_agency

_FOOTNOTE_RE = re.compile(r"\[\^([^\]]+)\]")


class Notes:
    """Footnotes numbered across the whole document in reading order."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def parts(self, text: str) -> tuple[str | int, ...]:
        """Split "…theo quy định[^Chi tiết…]. Tiếp…" into text pieces and footnote numbers."""
        pieces: list[str | int] = []
        last = 0
        for match in _FOOTNOTE_RE.finditer(text):
            if match.start() > last:
                pieces.append(text[last:match.start()])
            note = fold_tone_marks(match.group(1).strip())
            if note:
                self.texts.append(note)
                pieces.append(len(self.texts))
            last = match.end()
        if last < len(text):
            pieces.append(text[last:])
        return tuple(pieces) or ("",)


def clean_line(line: str) -> str:
    return normalize(line).strip()


def style_of(line: str, default: str) -> str:
    if line.startswith("- "):
        return "bullet"
    if line.startswith("+ "):
        return "subbullet"
    if line.startswith("* ") and line.rstrip().endswith(":"):
        return "field"
    return default


def paragraphs(text: str | None, notes: Notes, *, default: str = "body") -> tuple[Para, ...]:
    """One paragraph per non-empty line; "- ", "+ " and "* …:" lines keep their list role."""
    out = []
    for raw in logical_lines(text):
        line = clean_line(raw)
        if line:
            out.append(Para(style_of(line, default), notes.parts(line)))
    return tuple(out)


def strip_end(text: str) -> str:
    return clean_line(text).rstrip(" .;,")


def starts_with_name(text: str, org: Organisation) -> bool:
    return starts_with_agency(text, (org.name, org.short_name, *org.alias_list))
