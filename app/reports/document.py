"""The built report as plain data: paragraphs, sections, header, section I's figures, annex rows.

Frozen dataclasses only, no database: the builder emits a :class:`QuarterlyReport`, and the Word writer,
the Excel annex, the HTML preview and the frozen versions' JSON all read this one object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date

from app.core.numbers import roman
from app.core.periods import Period
from app.core.text import fold_tone_marks


@dataclass(frozen=True)
class Para:
    """One paragraph: ``parts`` are text pieces and footnote numbers (ints) in reading order.

    ``style``: heading1 (I.), heading2 (1.), field ("* …:"), body, bullet ("- "), subbullet ("+ "),
    tally (an agency's indicator tally line).
    """

    style: str
    parts: tuple[str | int, ...]

    def __post_init__(self) -> None:
        # One spelling in the document whatever was typed or imported: the seeds' "ủy", "Hòa".
        object.__setattr__(self, "parts", tuple(fold_tone_marks(p) if isinstance(p, str) else p for p in self.parts))

    @property
    def text(self) -> str:
        return "".join(p for p in self.parts if isinstance(p, str))

    def to_json(self) -> dict:
        return {"style": self.style, "parts": list(self.parts)}


@dataclass(frozen=True)
class ConclusionUnit:
    """A content item (nội dung) of a conclusion as section I counts it; a task without items is one unit."""

    task_id: int
    item_id: int | None
    text: str
    lead: str
    due: date | None
    completed_on: date | None
    on_schedule: bool


@dataclass(frozen=True)
class ConclusionResult:
    """What the previous session set and how it stands at the cut-off (AS-01)."""

    meeting_id: int
    meeting_label: str
    held_on: date
    chair: str
    participants: tuple[str, ...]
    directive_ids: tuple[int, ...]
    directive_symbols: tuple[str, ...]
    task_count: int
    units: tuple[ConclusionUnit, ...]
    next_label: str

    @property
    def unit_count(self) -> int:
        return len(self.units)

    @property
    def unfinished(self) -> tuple[ConclusionUnit, ...]:
        return tuple(u for u in self.units if not u.on_schedule)

    @property
    def completed_count(self) -> int:
        return self.unit_count - len(self.unfinished)


@dataclass(frozen=True)
class AgencyBlock:
    """One "* heading:" block of section II.3 with the agency's tally (AS-03)."""

    organisation_id: int
    code: str
    name: str
    heading: str
    paras: tuple[Para, ...]
    source: str  # "input", "progress" or "none"
    tally_line: str | None = None  # what the report prints: the agency's own sentence or the computed one
    tally_counts: dict | None = None
    declared_total: int | None = None
    tally_error: str | None = None
    computed_tally_line: str | None = None  # always the computed sentence, shown to the office


@dataclass(frozen=True)
class AnnexRow:
    """One task in the Excel annex, as of the cut-off."""

    task_id: int
    directive: str
    task: str
    lead: str
    coordinators: str
    due: date | None
    original_due: date | None
    status: str
    timeliness: str
    last_report: str

    def __post_init__(self) -> None:
        for name in ("directive", "task", "lead", "coordinators", "last_report"):
            object.__setattr__(self, name, fold_tone_marks(getattr(self, name)))

    def to_json(self) -> dict:
        data = asdict(self)
        data["due"] = self.due.isoformat() if self.due else None
        data["original_due"] = self.original_due.isoformat() if self.original_due else None
        return data

    @classmethod
    def from_json(cls, data: Mapping) -> AnnexRow:
        values = dict(data)
        for name in ("due", "original_due"):
            values[name] = date.fromisoformat(values[name]) if values.get(name) else None
        return cls(**values)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    paras: tuple[Para, ...] = ()
    subsections: tuple[Subsection, ...] = ()


@dataclass(frozen=True)
class Subsection:
    key: str
    title: str
    paras: tuple[Para, ...] = ()
    blocks: tuple[AgencyBlock, ...] = ()


@dataclass(frozen=True)
class Header:
    """The two-column header table (AS-06): issuer on the left, the Party name and place-date on the right."""

    parent_line: str
    unit_line: str
    number_line: str
    party_line: str
    place_date_line: str


@dataclass(frozen=True)
class QuarterlyReport:
    period: Period
    as_of: date
    header: Header
    title_lines: tuple[str, ...]
    sections: tuple[Section, ...]
    recipients: tuple[str, ...]
    signature_title: tuple[str, ...]
    signer_name: str
    footnotes: tuple[str, ...]
    conclusion: ConclusionResult | None
    indicator_lines: tuple[str, ...]
    indicator_figures: tuple[dict, ...]
    agency_blocks: tuple[AgencyBlock, ...]
    annex: tuple[AnnexRow, ...]
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    meeting_id: int | None = None
    previous_meeting_id: int | None = None
    issued_on: date | None = None

    def body(self) -> list[Para]:
        """Every paragraph from section I to V, with sequential numbering (I–V, then 1..n; AS-07)."""
        out: list[Para] = []
        for i, section in enumerate(self.sections, start=1):
            out.append(Para("heading1", (f"{roman(i)}. {section.title}",)))
            out.extend(section.paras)
            for j, sub in enumerate(section.subsections, start=1):
                out.append(Para("heading2", (f"{j}. {sub.title}",)))
                out.extend(sub.paras)
                for block in sub.blocks:
                    out.append(Para("field", (f"* {block.heading}:",)))
                    out.extend(block.paras)
                    if block.tally_line:
                        out.append(Para("tally", (block.tally_line,)))
        return out

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def section_text(self, key: str) -> list[str]:
        """Heading and paragraphs of one top-level section as plain lines (numbered as in the document)."""
        number = next(i for i, s in enumerate(self.sections, start=1) if s.key == key)
        lines, current = [], 0
        for para in self.body():
            if para.style == "heading1":
                current += 1
            if current == number:
                lines.append(para.text)
        return lines

    @property
    def blocking(self) -> bool:
        """Errors that must be fixed before a version can be frozen (tallies that do not add up)."""
        return bool(self.errors)

    def to_json(self) -> dict:
        """Everything the report was built from and says: stored with each frozen version."""
        return {
            "period": {"year": self.period.year, "kind": self.period.kind, "index": self.period.index,
                       "label": self.period.label},
            "as_of": self.as_of.isoformat(),
            "header": asdict(self.header),
            "title": list(self.title_lines),
            "body": [p.to_json() for p in self.body()],
            "recipients": list(self.recipients),
            "signature": {"title": list(self.signature_title), "name": self.signer_name},
            "footnotes": list(self.footnotes),
            "figures": {
                "conclusion": _conclusion_json(self.conclusion),
                "indicators": list(self.indicator_figures),
                "tallies": [
                    {"code": b.code, "line": b.tally_line, "computed": b.computed_tally_line,
                     "counts": b.tally_counts, "declared": b.declared_total, "error": b.tally_error}
                    for b in self.agency_blocks if b.tally_line or b.tally_error
                ],
            },
            "annex": [row.to_json() for row in self.annex],
            "warnings": list(self.warnings),
        }


def _conclusion_json(result: ConclusionResult | None) -> dict | None:
    if result is None:
        return None
    return {
        "meeting": result.meeting_label,
        "held_on": result.held_on.isoformat(),
        "directives": list(result.directive_symbols),
        "tasks": result.task_count,
        "items": result.unit_count,
        "completed": result.completed_count,
        "unfinished": [
            {"task_id": u.task_id, "item_id": u.item_id, "text": u.text, "lead": u.lead,
             "due": u.due.isoformat() if u.due else None}
            for u in result.unfinished
        ],
    }
