"""The layout of a conclusion notice: line classification, the preamble, and tasks with their items.

A notice is split into preamble (header, title, intro), numbered tasks ("1.", "2." … under optional
Roman sections) with their "- " / "a)" items, and the footer ("Nơi nhận:", signature), which is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from app.directives.agency_matching import text_key

# Warning texts (Vietnamese: shown to office staff as they are).
W_NO_TASKS = "Không tìm thấy nhiệm vụ nào được đánh số (1., 2., …) trong văn bản"
W_BULLETS_AS_TASKS = "Văn bản không đánh số nhiệm vụ: mỗi gạch đầu dòng được coi là một nhiệm vụ"


@dataclass
class ProposedDirective:
    """What the notice's header says about itself."""

    symbol: str | None = None  # "198-TB/HU"
    doc_type: str | None = None  # "TB"
    number: str | None = None  # "198"
    issuer_suffix: str | None = None  # "HU"
    issued_on: date | None = None
    title: str | None = None
    meeting_on: date | None = None
    period_label: str | None = None  # "quý I/2024"
    stated_task_count: int | None = None
    stated_item_count: int | None = None


# ---------------------------------------------------------------------------------------------
# Line classification
# ---------------------------------------------------------------------------------------------

_ROMAN_MARK = re.compile(r"^(?P<n>[IVXL]{1,6})\s*[.)]\s+(?=\S)")
_ARABIC_MARK = re.compile(r"^(?P<n>\d{1,2})\s*[.)](?!\d)\s*(?=\S)")
_SUB_MARK = re.compile(r"^(?P<n>\d{1,2}\.\d{1,2})\.?(?!\d)\s+(?=\S)")
_LETTER_MARK = re.compile(r"^(?P<n>[a-zđ])\s*[.)]\s+(?=\S)")
_BULLET_MARK = re.compile(r"^[-–—+•●▪◦∙·]\s*(?=\S)")
_RULE_LINE = re.compile(r"^[-–—_*=.·•]{3,}$")
_FOOTER_LINE = re.compile(r"^(?:nơi\s+nhận\b|t/m\b|t/l\b|k/t\b|tm\.|tl\.|kt\.)", re.IGNORECASE)
_SIGNATURE_TITLES = frozenset(
    {
        "BÍ THƯ",
        "PHÓ BÍ THƯ",
        "PHÓ BÍ THƯ THƯỜNG TRỰC",
        "CHÁNH VĂN PHÒNG",
        "PHÓ CHÁNH VĂN PHÒNG",
        "TRƯỞNG BAN",
        "PHÓ TRƯỞNG BAN",
        "CHỦ NHIỆM",
        "PHÓ CHỦ NHIỆM",
        "(ĐÃ KÝ)",
        "ĐÃ KÝ",
    }
)
_CLOSING = re.compile(
    r"^(?:trên\s+đây\s+là|(?:thường\s+trực|ban\s+thường\s+vụ)\s+huyện\s+ủy\s+(?:yêu\s+cầu|đề\s+nghị)"
    r"|(?:văn\s+phòng\s+huyện\s+ủy\s+)?(?:xin\s+)?thông\s+báo\s+(?:để|đến)|đề\s+nghị\s+các|yêu\s+cầu\s+các"
    r"|nhận\s+được\s+thông\s+báo)"
)


@dataclass
class _Line:
    kind: str  # "roman", "arabic", "sub", "letter", "bullet", "text", "blank"
    number: str
    text: str  # without the marker


def classify_all(raws: list[str]) -> list[_Line]:
    lines = [_classify(raw) for raw in raws]
    for index in range(1, len(lines)):
        previous, line = lines[index - 1], lines[index]
        # a hard wrap inside "nhiệm kỳ 2025\n- 2030" is not a bullet
        if line.kind == "bullet" and line.text[:1].isdigit() and previous.text[-1:].isdigit():
            lines[index] = _Line("text", "", raws[index].strip())
    return lines


def _classify(raw: str) -> _Line:
    line = raw.strip()
    if not line:
        return _Line("blank", "", "")
    if _RULE_LINE.match(line):
        return _Line("blank", "", "")
    for kind, pattern in (
        ("sub", _SUB_MARK),
        ("roman", _ROMAN_MARK),
        ("arabic", _ARABIC_MARK),
        ("letter", _LETTER_MARK),
    ):
        m = pattern.match(line)
        if m:
            return _Line(kind, m.group("n"), line[m.end() :].strip())
    m = _BULLET_MARK.match(line)
    if m:
        return _Line("bullet", "", line[m.end() :].strip())
    return _Line("text", "", line)


def _is_footer(line: _Line) -> bool:
    if line.kind not in ("text", "blank"):
        return False
    text = line.text
    if _FOOTER_LINE.match(text):
        return True
    return text.upper() == text and text.strip(" .:") in _SIGNATURE_TITLES


# ---------------------------------------------------------------------------------------------
# Preamble: symbol, dates, title, stated counts
# ---------------------------------------------------------------------------------------------

_SYMBOL = re.compile(
    r"^\s*số\s*:?\s*(?P<num>\d{1,5})\s*[-‐–]\s*(?P<code>[A-ZĐ][A-Za-zĐđ]{0,4})\s*/\s*"
    r"(?P<issuer>[A-ZĐ][A-ZĐa-z0-9]*(?:-[A-ZĐ]+)*)",
    re.IGNORECASE | re.MULTILINE,
)
_LONG_DATE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_SHORT_DATE = re.compile(r"(?<!\w)ngày\s+(\d{1,2})/(\d{1,2})/(\d{4})(?!\d)", re.IGNORECASE)
_TITLE_WORD = re.compile(r"^(THÔNG BÁO(?: KẾT LUẬN)?|KẾT LUẬN)$")
_PERIOD_LABEL = re.compile(r"(?<!\w)(quý|quí)\s+([IV]{1,3}|[1-4])\s*/\s*(\d{4})", re.IGNORECASE)
_INTRO_START = re.compile(r"(?:ngày|căn cứ|thực hiện|sáng|chiều)\s", re.IGNORECASE)
_STATED_TASKS = re.compile(r"(?<!\w)(\d{1,3})\s+nhiệm\s+vụ")
_STATED_ITEMS = re.compile(r"(?<!\w)(\d{1,3})\s+nội\s+dung")


def _safe_date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_preamble(lines: list[str]) -> ProposedDirective | None:
    directive = ProposedDirective()
    joined = "\n".join(lines)
    m = _SYMBOL.search(joined)
    if m:
        directive.number = m.group("num")
        directive.doc_type = m.group("code")
        directive.issuer_suffix = m.group("issuer")
        directive.symbol = f"{directive.number}-{directive.doc_type}/{directive.issuer_suffix}"
    m = _LONG_DATE.search(joined)
    if m:
        directive.issued_on = _safe_date(m.group(3), m.group(2), m.group(1))

    intro_start = 0
    for index, line in enumerate(lines):
        if _TITLE_WORD.match(line.strip()):
            parts: list[str] = []
            for follow in lines[index + 1 : index + 6]:
                stripped = follow.strip()
                if not stripped or _RULE_LINE.match(stripped):
                    break
                if parts and (
                    stripped.endswith((".", ":")) or len(stripped) > 160 or _INTRO_START.match(stripped)
                ):
                    break
                parts.append(stripped)
                intro_start = index + 1 + len(parts)
            if parts:
                directive.title = " ".join(parts)
            break

    intro = "\n".join(lines[intro_start:])
    m = _SHORT_DATE.search(intro)
    if m:
        directive.meeting_on = _safe_date(m.group(3), m.group(2), m.group(1))
    for source in (directive.title or "", intro):
        m = _PERIOD_LABEL.search(source)
        if m:
            directive.period_label = f"quý {m.group(2)}/{m.group(3)}"
            break
    intro_key = text_key(intro)
    m = _STATED_TASKS.search(intro_key)
    if m:
        directive.stated_task_count = int(m.group(1))
    m = _STATED_ITEMS.search(intro_key)
    if m:
        directive.stated_item_count = int(m.group(1))

    if directive == ProposedDirective():
        return None
    return directive


# ---------------------------------------------------------------------------------------------
# Structure: preamble / tasks / items / footer
# ---------------------------------------------------------------------------------------------


@dataclass
class RawTask:
    number: str
    section: str | None
    header: list[str] = field(default_factory=list)
    items: list[list[str]] = field(default_factory=list)


def structure(lines: list[_Line]) -> tuple[list[_Line], list[RawTask], list[str]]:
    """Split classified lines into (preamble, tasks, warnings)."""
    warnings: list[str] = []
    # the body ends at the first footer line that comes after some numbered or bulleted line
    end = len(lines)
    started = False
    for index, line in enumerate(lines):
        if line.kind not in ("text", "blank"):
            started = True
        if _is_footer(line) and (started or _FOOTER_LINE.match(line.text)):
            end = index
            break
    body = lines[:end]
    kinds = {line.kind for line in body}
    if "arabic" in kinds:
        task_kind, section_kind = "arabic", "roman"
        item_kinds = {"letter", "bullet", "sub"}
    elif "roman" in kinds:
        task_kind, section_kind = "roman", None
        item_kinds = {"letter", "bullet", "sub"}
    elif "letter" in kinds:
        task_kind, section_kind = "letter", None
        item_kinds = {"bullet", "sub"}
    elif "bullet" in kinds:
        task_kind, section_kind = "bullet", None
        item_kinds = set()
        warnings.append(W_BULLETS_AS_TASKS)
    else:
        return body, [], [W_NO_TASKS]

    first = next(i for i, line in enumerate(body) if line.kind == task_kind)
    last = max(i for i, line in enumerate(body) if line.kind == task_kind)
    preamble = body[:first]
    # a Roman heading right before the first task belongs to the tasks, not to the preamble
    section: str | None = None
    if section_kind:
        for line in reversed(preamble):
            if line.kind == section_kind:
                section = f"{line.number}. {line.text}"
                break
    tasks: list[RawTask] = []
    current: RawTask | None = None
    paragraph_start = True
    for index in range(first, len(body)):
        line = body[index]
        if line.kind == "blank":
            paragraph_start = True
            continue
        if line.kind == task_kind:
            current = RawTask(line.number, section, [line.text])
            tasks.append(current)
        elif section_kind and line.kind == section_kind:
            section = f"{line.number}. {line.text}"
            current = None
        elif current is None:
            pass  # text under a section heading before its first task
        elif line.kind in item_kinds:
            current.items.append([line.text])
        else:
            if index > last and paragraph_start and _CLOSING.match(text_key(line.text)):
                break  # closing paragraph ("Thường trực Huyện ủy yêu cầu …./.")
            if current.items:
                current.items[-1].append(line.text)
            else:
                current.header.append(line.text)
        paragraph_start = line.text.rstrip().endswith((".", ":", ";", "./."))
    return preamble, tasks, warnings
