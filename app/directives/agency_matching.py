"""Finding agencies in a notice's text: the organisation catalog as :class:`AgencyRef` and the matcher.

Matching is tone-mark-placement and case-insensitive, word-bounded, longest alias wins; all-caps
abbreviations such as "MTTQ" match case-sensitively.  Collective phrases ("các đoàn thể chính trị -
xã hội", "các xã, thị trấn") are groups; a name followed by "tỉnh", "Tỉnh ủy", "xã" … is another
level's body and is not taken for the district agency.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from app.core.text import fold_tone_marks, normalize


@dataclass(frozen=True)
class AgencyRef:
    """An organisation the importer may assign: its code, official name, other names and kind."""

    code: str
    name: str
    aliases: tuple[str, ...] = ()
    kind: str = ""


def agency_refs(rows: Iterable[Mapping]) -> list[AgencyRef]:
    """AgencyRefs from catalog-style dicts (keys code, name, aliases, kind), e.g. ``ORGANISATIONS``."""
    return [
        AgencyRef(
            code=row["code"],
            name=row["name"],
            aliases=tuple(row.get("aliases") or ()),
            kind=row.get("kind") or "",
        )
        for row in rows
    ]


GROUP_ADVISORY = "advisory"
GROUP_MASS_ORG = "mass_org"
GROUP_COMMUNES = "communes"

# Collective phrases (over the lower-cased, tone-folded key).  A group that maps to a kind
# expands to every agency of that kind; the commune group only sets ``all_communes``.
_GROUP_PATTERNS: tuple[tuple[str, str], ...] = (
    (GROUP_ADVISORY, r"(?:các\s+)?cơ\s+quan\s+tham\s+mưu\s*,?\s*giúp\s+việc(?:\s+(?:huyện\s+ủy|hu))?"),
    (GROUP_MASS_ORG, r"(?:các\s+)?(?:đoàn\s+thể|tổ\s+chức)\s+chính\s+trị\s*-\s*xã\s+hội(?:\s+huyện)?"),
    (GROUP_MASS_ORG, r"(?:các\s+)?đoàn\s+thể\s+ct\s*-\s*xh(?:\s+huyện)?"),
    (GROUP_MASS_ORG, r"các\s+đoàn\s+thể(?:\s+huyện)?"),
    (
        GROUP_COMMUNES,
        r"(?:các|tất\s+cả(?:\s+các)?|\d{1,3}(?:\s*/\s*\d{1,3})?|100\s*%)\s+"
        r"(?:(?:đảng\s+bộ|đảng\s+ủy|chi\s*,\s*đảng\s+bộ)\s+)?xã\s*(?:,|/|-|–|và)\s*thị\s+trấn",
    ),
)
GROUP_KIND = {GROUP_ADVISORY: "advisory", GROUP_MASS_ORG: "mass_org"}
# A district body's name followed by one of these words names another level's body
# ("Ban Tuyên giáo Tỉnh ủy", "Hội Nông dân xã Hòa Mỹ", "UBND tỉnh").
_OTHER_LEVEL = re.compile(
    r"\s+(?:tỉnh|thành\s+phố|thành\s+ủy|trung\s+ương|tw|tu|xã|thị\s+trấn|cơ\s+sở|các\s+xã|các\s+cấp\s+tỉnh|ấp)(?!\w)"
)


def _lower(text: str) -> str:
    """Lower-case without changing the length (so offsets stay valid)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


def _fold(text: str) -> str:
    """Tone-mark folding of already-normalised text, length-preserving."""
    folded = fold_tone_marks(text)
    return folded if len(folded) == len(text) else text


def _alias_pattern(alias: str, *, lower: bool) -> str:
    key = _fold(normalize(alias))
    if lower:
        key = _lower(key)
    return r"\s+".join(re.escape(word) for word in key.split())


def _is_abbreviation(alias: str) -> bool:
    return (
        alias == alias.upper() and any(ch.isalpha() for ch in alias) and not any(ch.isspace() for ch in alias)
    )


@dataclass(frozen=True)
class Mention:
    """An agency (``code``), a collective phrase (``group``) or an unknown organisation name
    (``unknown``) found at ``start:end`` of the normalised text."""

    start: int
    end: int
    code: str | None = None
    group: str | None = None
    unknown: str | None = None


class AgencyMatcher:
    """Finds agency names, abbreviations and collective phrases in Vietnamese text."""

    def __init__(self, agencies: Sequence[AgencyRef]) -> None:
        self.agencies: tuple[AgencyRef, ...] = tuple(agencies)
        self.kinds: dict[str, str] = {a.code: a.kind for a in self.agencies}
        #: alias keys claimed by more than one code (kept for the first code only)
        self.ambiguous: dict[str, list[str]] = {}
        owners: dict[tuple[str, bool], str] = {}
        self._patterns: list[tuple[re.Pattern[str], bool, str]] = []  # (pattern, on_lower_key, code)
        for agency in self.agencies:
            seen: set[tuple[str, bool]] = set()
            for alias in (agency.name, *agency.aliases):
                if not alias or not alias.strip():
                    continue
                on_lower = not _is_abbreviation(alias.strip())
                pattern = _alias_pattern(alias, lower=on_lower)
                slot = (pattern, on_lower)
                if slot in seen:
                    continue
                seen.add(slot)
                if slot in owners and owners[slot] != agency.code:
                    self.ambiguous.setdefault(alias, [owners[slot]]).append(agency.code)
                    continue
                owners[slot] = agency.code
                self._patterns.append((re.compile(pattern + r"(?!\w)"), on_lower, agency.code))
        self._groups = [(re.compile(p + r"(?!\w)"), g) for g, p in _GROUP_PATTERNS]

    # -- public -------------------------------------------------------------------------------
    def find_all(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, code) of every agency named in *text*, in order.

        Offsets index ``app.core.text.normalize(text)`` (identical to *text* when it is
        already NFC with single spaces).  Collective phrases are not reported, but they
        hide the names inside them ("các cơ quan tham mưu, giúp việc Huyện ủy").
        """
        return [(m.start, m.end, m.code) for m in self.mentions(normalize(text)) if m.code]

    def codes_of_kind(self, kind: str) -> list[str]:
        return [a.code for a in self.agencies if a.kind == kind]

    # -- internal -----------------------------------------------------------------------------
    def mentions(self, norm: str) -> list[Mention]:
        """Agency and group mentions in already-normalised text, longest first, no overlaps."""
        folded = _fold(norm)
        lower = _lower(folded)
        candidates: list[Mention] = []
        for pattern, on_lower, code in self._patterns:
            haystack = lower if on_lower else folded
            for m in pattern.finditer(haystack):
                start, end = m.span()
                if start and _is_word_char(haystack[start - 1]):
                    continue
                if self.kinds.get(code) != "commune" and _OTHER_LEVEL.match(lower, end):
                    continue
                candidates.append(Mention(start, end, code=code))
        for pattern, group in self._groups:
            for m in pattern.finditer(lower):
                start, end = m.span()
                if start and _is_word_char(lower[start - 1]):
                    continue
                if group != GROUP_COMMUNES and _OTHER_LEVEL.match(lower, end):
                    continue
                candidates.append(Mention(start, end, group=group))
        return _longest_first(candidates)


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _longest_first(candidates: list[Mention]) -> list[Mention]:
    chosen: list[Mention] = []
    for cand in sorted(candidates, key=lambda c: (-(c.end - c.start), c.start)):
        if all(cand.end <= c.start or cand.start >= c.end for c in chosen):
            chosen.append(cand)
    return sorted(chosen, key=lambda c: c.start)


def build_matcher(agencies: Sequence[AgencyRef]) -> AgencyMatcher:
    """Compile the aliases of *agencies* once; reuse the matcher for many texts."""
    return AgencyMatcher(agencies)


def text_key(text: str) -> str:
    """The lower-cased, tone-folded key of *text* (same length), which keywords are matched on."""
    return _lower(_fold(text))
