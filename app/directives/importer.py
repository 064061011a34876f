"""Propose tasks from a notice of conclusions (Thông báo kết luận): the import pipeline, pure Python.

A conclusion notice lists numbered tasks ("1.", "2." …), each naming a lead
agency ("… chủ trì"), coordinating agencies ("phối hợp với …") and a deadline
("trong quý II/2024"); some tasks hold "- " bulleted content items (nội dung),
which is where progress is tracked (domain.md §3.2–3.4).  :func:`propose_tasks`
turns the text into an :class:`ImportDraft` that a person reviews and corrects
before anything is saved; it never touches the database or Flask.

Pipeline
--------
1. :func:`extract_docx_text` (for .docx uploads) checks the zip (size, entry
   count, compression ratio: zip bombs are refused), reads ``word/document.xml``
   with a non-resolving XML parser and re-creates Word's automatic numbering
   ("1.", "a)", "- ") that python-docx would lose.
2. The text is normalised (NFC, spaces; :mod:`app.core.text`) and split into
   preamble (header, title, intro), tasks and their items, and the footer
   ("Nơi nhận:", signature) which is ignored.
3. Agencies are found with an :class:`AgencyMatcher` (tone-mark-placement and
   case-insensitive, word-bounded, longest alias wins; all-caps abbreviations
   such as "MTTQ" match case-sensitively).  Collective phrases are understood:
   "các cơ quan tham mưu, giúp việc Huyện ủy" and "các đoàn thể chính trị - xã
   hội" expand to the agencies of that kind; "các xã, thị trấn" / "15 xã, thị
   trấn" set ``all_communes``.  A name followed by "tỉnh", "Tỉnh ủy", "xã" …
   ("Ban Tuyên giáo Tỉnh ủy", "Hội Nông dân xã") is another level's body and is
   not taken for the district agency.
4. The lead is the agency right before "chủ trì" (or right after "chủ trì:"),
   else the one after "giao", else the sentence's subject; coordinators are the
   agencies listed right after "phối hợp (với)".  Deadlines come from
   :func:`app.core.periods.find_due_phrases`; an item without its own deadline
   inherits the task's.
5. Anything uncertain becomes a Vietnamese warning on the task (and, prefixed
   "Nhiệm vụ n:", in :attr:`ImportDraft.warnings`).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

from app.core.periods import DueMatch, find_due_phrases
from app.core.text import fold_tone_marks, normalize
from app.directives.titles import short_title

__all__ = [
    "AgencyMatcher",
    "AgencyRef",
    "ImportDraft",
    "ImportFileError",
    "ProposedDirective",
    "ProposedItem",
    "ProposedTask",
    "agency_refs",
    "build_matcher",
    "extract_docx_text",
    "propose_tasks",
    "read_import_file",
    "to_json",
]

TITLE_MAX = 500

# Warning texts (Vietnamese: shown to office staff as they are).
W_NO_LEAD = "Không xác định được cơ quan chủ trì"
W_NO_DUE = "Không xác định được thời hạn hoàn thành"
W_UNKNOWN_AGENCY = "Không tìm thấy cơ quan “{name}” trong danh mục tổ chức"
W_COMMUNES_LEAD = "Cơ quan chủ trì là các xã, thị trấn: cần giao cho từng đảng bộ xã, thị trấn"
W_GROUP_LEAD = "Cơ quan chủ trì là một nhóm cơ quan (“{name}”): cần chọn một cơ quan chủ trì"
W_APPROXIMATE = "Thời hạn “{phrase}” chỉ là ước lượng: cần xác nhận ngày cụ thể"
W_NO_TASKS = "Không tìm thấy nhiệm vụ nào được đánh số (1., 2., …) trong văn bản"
W_BULLETS_AS_TASKS = "Văn bản không đánh số nhiệm vụ: mỗi gạch đầu dòng được coi là một nhiệm vụ"
W_NUMBERING = "Số thứ tự nhiệm vụ trong văn bản không liên tục ({numbers}); đã đánh lại từ 1"
W_TASK_COUNT = "Văn bản nêu {stated} nhiệm vụ nhưng nhận diện được {found} nhiệm vụ"
W_ITEM_COUNT = "Văn bản nêu {stated} nội dung nhưng nhận diện được {found} nội dung"
W_TITLE_SHORTENED = "Tiêu đề nhiệm vụ đã được rút gọn còn {limit} ký tự"


class ImportFileError(ValueError):
    """An uploaded file that cannot be imported; the message is Vietnamese and safe to show."""


# ---------------------------------------------------------------------------------------------
# Agencies and the matcher
# ---------------------------------------------------------------------------------------------


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
_GROUP_KIND = {GROUP_ADVISORY: "advisory", GROUP_MASS_ORG: "mass_org"}
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


# ---------------------------------------------------------------------------------------------
# Result types
# ---------------------------------------------------------------------------------------------


@dataclass
class ProposedItem:
    """Nội dung: one trackable content item of a task."""

    text: str
    lead_code: str | None
    coordinator_codes: list[str] = field(default_factory=list)
    due_phrase: str | None = None
    due_date: date | None = None
    kind: str | None = None
    approximate: bool = False
    recurrence: str | None = None


@dataclass
class ProposedTask:
    """Nhiệm vụ: a numbered task of the notice with its content items."""

    ordinal: int
    title: str
    text: str
    lead_code: str | None
    coordinator_codes: list[str] = field(default_factory=list)
    due_phrase: str | None = None
    due_date: date | None = None
    kind: str | None = None
    approximate: bool = False
    recurrence: str | None = None
    all_communes: bool = False
    items: list[ProposedItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: the number as printed ("3", "III", "c"), when it differs from the ordinal or is not arabic
    printed_number: str = ""
    #: the Roman-numeral heading the task sits under, if the notice has sections
    section: str | None = None


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


@dataclass
class ImportDraft:
    tasks: list[ProposedTask] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    directive: ProposedDirective | None = None

    @property
    def item_count(self) -> int:
        return sum(len(t.items) for t in self.tasks)


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
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


@dataclass
class _Line:
    kind: str  # "roman", "arabic", "sub", "letter", "bullet", "text", "blank"
    number: str
    text: str  # without the marker


def _classify_all(raws: list[str]) -> list[_Line]:
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


def _key(text: str) -> str:
    return _lower(_fold(text))


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


def _parse_preamble(lines: list[str]) -> ProposedDirective | None:
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
    intro_key = _key(intro)
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
# Segment analysis: lead, coordinators, deadline
# ---------------------------------------------------------------------------------------------

_CHU_TRI = re.compile(r"(?<!\w)chủ\s+trì(?!\w)")
_PHOI_HOP = re.compile(r"(?<!\w)phối\s+h[ợọ]p(?!\w)")
_GIAO = re.compile(r"(?<!\w)giao(?:\s+cho)?\s+")
_GAP_BEFORE_CHU_TRI = re.compile(
    r"[\s,(:\-–]*(?:(?:là|làm|giữ\s+vai\s+trò)\s+)?(?:(?:cơ\s+quan|đơn\s+vị)\s+)?[\s(]*"
)
_GAP_AFTER_CHU_TRI = re.compile(r"\s*[:\-–]?\s*(?:là\s+)?(?:(?:cơ\s+quan|đơn\s+vị)\s+)?")
_GAP_SUBJECT = re.compile(r"[\s\-–+•]*(?:(?:đối\s+với|đề\s+nghị|yêu\s+cầu|giao(?:\s+cho)?|chỉ\s+đạo)\s+)?")
_GAP_AFTER_PHOI_HOP = re.compile(
    r"[\s:]*(?:(?:chặt\s+chẽ|tốt|thường\s+xuyên)\s+)?(?:(?:với|cùng(?:\s+với)?)\s*)?(?:các\s+)?"
)
_GAP_IN_CHAIN = re.compile(r"\s*(?:,\s*)?(?:(?:và|với|cùng(?:\s+với)?)\s+)?(?:các\s+)?")

# Unknown organisation names (only looked for in a lead or coordinator slot).
_ORG_HEAD = re.compile(
    r"(?<!\w)(?:(?:Ủy ban|Uỷ ban|Công an|Đảng ủy|Đảng uỷ|Chi bộ|Trung tâm|Bệnh viện|Ngân hàng|Kho bạc|Chi cục"
    r"|Tòa án|Toà án|Viện kiểm sát|Văn phòng|Ban Chỉ đạo|Ban Chỉ huy|Bộ Chỉ huy|Ban Quản lý|Đảng bộ"
    r"|Liên đoàn|Hội đồng|Hạt Kiểm lâm|Tỉnh đoàn)(?!\w)"
    r"|(?:Phòng|Ban|Hội|Sở|Đội|Trường|Tổ|Khối|Đoàn|Cục|Viện)\s+(?=\w))"
)
_NAME_STOP = frozenset(
    "chủ phối tham thực triển xây tổ hướng kiểm rà chuẩn tiếp tăng đẩy phát vận tuyên theo trong để nhằm về "
    "có là làm giúp báo hoàn đôn chỉ với cùng các của tại trình ban lãnh quản giải nâng mở thông đề bảo cập "
    "sơ tổng thường kịp cho đối nghiên khảo tập rút đánh duy quán học".split()
)
_NAME_END = frozenset({"huyện", "tỉnh"})
_NEXT_WORD = re.compile(r" +([^\s,;:.()“”\"]+)")


def _unknown_names(norm: str, known: list[Mention]) -> list[Mention]:
    """Organisation-like names ("Phòng Nội vụ huyện", "Công an huyện") that are not in the catalog."""
    found: list[Mention] = []
    for head in _ORG_HEAD.finditer(norm):
        start = head.start()
        if any(k.start <= start < k.end for k in known):
            continue  # starts at or inside a known name
        if head.group(0)[-1].isspace() and not norm[head.end()].isupper():
            continue  # "Ban hành", "Tổ chức", "Hội nghị": a verb or noun, not a name
        end = pos = start + len(head.group(0).rstrip())
        words = 0
        while words < 8:
            m = _NEXT_WORD.match(norm, pos)
            if not m:
                break
            token = m.group(1)
            if token == "và":
                nxt = _NEXT_WORD.match(norm, m.end())
                if not nxt or not nxt.group(1)[0].isupper():
                    break
                end = pos = nxt.end()
                words += 2
                continue
            if not token[0].isalnum() or (token[0].islower() and token in _NAME_STOP):
                break
            end = pos = m.end()
            words += 1
            if token in _NAME_END:
                break
        if words:
            found.append(Mention(start, end, unknown=norm[start:end]))
    return found


@dataclass
class _Analysis:
    lead: str | None = None
    lead_found: bool = False
    coordinators: list[str] = field(default_factory=list)
    all_communes: bool = False
    due: DueMatch | None = None
    warnings: list[str] = field(default_factory=list)


def _pick_due(matches: list[DueMatch]) -> DueMatch | None:
    """The deadline of a sentence: the latest dated phrase, else year-end, recurring, event, continuous."""
    if not matches:
        return None
    dated = [m for m in matches if m.resolution.due_date is not None and m.resolution.kind != "year_end"]
    if dated:
        return max(reversed(dated), key=lambda m: m.resolution.due_date)
    for kind in ("year_end", "recurring", "event", "continuous"):
        of_kind = [m for m in matches if m.resolution.kind == kind]
        if of_kind:
            return of_kind[-1] if kind == "year_end" else of_kind[0]
    return matches[0]


class _Analyser:
    def __init__(self, matcher: AgencyMatcher, reference_date: date | None) -> None:
        self.matcher = matcher
        self.reference_date = reference_date

    def expand(self, mention: Mention) -> list[str]:
        if mention.code:
            return [mention.code]
        kind = _GROUP_KIND.get(mention.group or "")
        return self.matcher.codes_of_kind(kind) if kind else []

    def analyse(self, text: str) -> _Analysis:
        norm = text
        key = _key(norm)
        known = self.matcher.mentions(norm)
        unknown = _unknown_names(norm, known)
        # an unknown name swallows the known names inside it
        mentions = sorted(
            [k for k in known if not any(u.start <= k.start and k.end <= u.end for u in unknown)] + unknown,
            key=lambda m: m.start,
        )
        result = _Analysis()
        result.all_communes = any(m.group == GROUP_COMMUNES for m in known)
        lead_mention = self._lead(key, mentions)
        if lead_mention is not None:
            result.lead_found = True
            if lead_mention.code:
                result.lead = lead_mention.code
            elif lead_mention.unknown:
                result.warnings.append(W_UNKNOWN_AGENCY.format(name=lead_mention.unknown))
            elif lead_mention.group == GROUP_COMMUNES:
                result.warnings.append(W_COMMUNES_LEAD)
            else:
                result.warnings.append(W_GROUP_LEAD.format(name=norm[lead_mention.start : lead_mention.end]))
        for mention in self._coordinators(key, mentions):
            if mention.unknown:
                result.warnings.append(W_UNKNOWN_AGENCY.format(name=mention.unknown))
                continue
            for code in self.expand(mention):
                if code != result.lead and code not in result.coordinators:
                    result.coordinators.append(code)
        result.due = _pick_due(find_due_phrases(norm, reference_date=self.reference_date))
        return result

    @staticmethod
    def _lead(key: str, mentions: list[Mention]) -> Mention | None:
        for m in _CHU_TRI.finditer(key):
            before = [x for x in mentions if x.end <= m.start()]
            if before and _GAP_BEFORE_CHU_TRI.fullmatch(key, before[-1].end, m.start()):
                return before[-1]
            after = [x for x in mentions if x.start >= m.end()]
            if after and _GAP_AFTER_CHU_TRI.fullmatch(key, m.end(), after[0].start):
                return after[0]
        for m in _GIAO.finditer(key):
            after = [x for x in mentions if x.start >= m.end()]
            if after and after[0].start == m.end():
                return after[0]
        if mentions and _GAP_SUBJECT.fullmatch(key, 0, mentions[0].start):
            return mentions[0]
        return None

    @staticmethod
    def _coordinators(key: str, mentions: list[Mention]) -> list[Mention]:
        chain: list[Mention] = []
        for m in _PHOI_HOP.finditer(key):
            following = [x for x in mentions if x.start >= m.end()]
            if not following or not _GAP_AFTER_PHOI_HOP.fullmatch(key, m.end(), following[0].start):
                continue
            chain.append(following[0])
            for previous, current in zip(following, following[1:], strict=False):
                if not _GAP_IN_CHAIN.fullmatch(key, previous.end, current.start):
                    break
                chain.append(current)
        return chain


# ---------------------------------------------------------------------------------------------
# Structure: preamble / tasks / items / footer
# ---------------------------------------------------------------------------------------------


@dataclass
class _RawTask:
    number: str
    section: str | None
    header: list[str] = field(default_factory=list)
    items: list[list[str]] = field(default_factory=list)


def _join(lines: list[str]) -> str:
    """Join wrapped lines with a space and paragraphs (a line ending a sentence) with a newline."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if not out:
            out = line
        elif out[-1] in '.;:!?”"':
            out += "\n" + line
        else:
            out += " " + line
    return out


def _clean_end(text: str) -> str:
    text = text.strip()
    if text.endswith("./."):
        text = text[:-3]
    return text.rstrip(" .;,").rstrip()


def _strip_end_marker(text: str) -> str:
    """Drop the "./." that closes the body of a Vietnamese official document (keeping the full stop)."""
    text = text.strip()
    return text[:-2] if text.endswith("./.") else text


def _shorten(text: str, limit: int = TITLE_MAX) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:") + "…"


_SENTENCE_END = re.compile(r"[.!?]\s+(\S)")


def _title_of(header: str) -> str:
    """The task's first sentence (a header often goes on with details after a full stop)."""
    first = header.split("\n", 1)[0]
    for m in _SENTENCE_END.finditer(first):
        if m.group(1).isupper():
            first = first[: m.start()]
            break
    return _clean_end(first.rstrip(":"))


def _structure(lines: list[_Line]) -> tuple[list[_Line], list[_RawTask], list[str]]:
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
    tasks: list[_RawTask] = []
    current: _RawTask | None = None
    paragraph_start = True
    for index in range(first, len(body)):
        line = body[index]
        if line.kind == "blank":
            paragraph_start = True
            continue
        if line.kind == task_kind:
            current = _RawTask(line.number, section, [line.text])
            tasks.append(current)
        elif section_kind and line.kind == section_kind:
            section = f"{line.number}. {line.text}"
            current = None
        elif current is None:
            pass  # text under a section heading before its first task
        elif line.kind in item_kinds:
            current.items.append([line.text])
        else:
            if index > last and paragraph_start and _CLOSING.match(_key(line.text)):
                break  # closing paragraph ("Thường trực Huyện ủy yêu cầu …./.")
            if current.items:
                current.items[-1].append(line.text)
            else:
                current.header.append(line.text)
        paragraph_start = line.text.rstrip().endswith((".", ":", ";", "./."))
    return preamble, tasks, warnings


# ---------------------------------------------------------------------------------------------
# propose_tasks
# ---------------------------------------------------------------------------------------------


def _prepare(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    return normalize(text)


def _apply_due(target: ProposedTask | ProposedItem, due: DueMatch | None) -> None:
    if due is None:
        return
    target.due_phrase = due.phrase
    target.due_date = due.resolution.due_date
    target.kind = due.resolution.kind
    target.approximate = due.resolution.approximate
    target.recurrence = due.resolution.recurrence


def _add(messages: list[str], message: str) -> None:
    if message not in messages:
        messages.append(message)


def _numbering_is_regular(raw_tasks: list[_RawTask]) -> bool:
    """Arabic numbers run 1, 2, 3 … through the notice, or restart at 1 under each Roman section."""
    if not raw_tasks or not all(raw.number.isdigit() for raw in raw_tasks):
        return True
    numbers = [int(raw.number) for raw in raw_tasks]
    if numbers == list(range(1, len(numbers) + 1)):
        return True
    runs: dict[str | None, list[int]] = {}
    for raw, number in zip(raw_tasks, numbers, strict=True):
        runs.setdefault(raw.section, []).append(number)
    return all(run == list(range(1, len(run) + 1)) for run in runs.values())


def propose_tasks(
    text: str,
    agencies: Sequence[AgencyRef] | AgencyMatcher,
    *,
    reference_date: date | None = None,
) -> ImportDraft:
    """Read a conclusion notice and propose its tasks and content items for review.

    *agencies* is the organisation catalog (or a prebuilt :class:`AgencyMatcher`).
    *reference_date* supplies the year of phrases such as "(20/10)"; by default the
    notice's own date (or the meeting date) is used.
    """
    matcher = agencies if isinstance(agencies, AgencyMatcher) else build_matcher(agencies)
    norm = _prepare(text)
    lines = _classify_all(norm.split("\n"))
    preamble, raw_tasks, warnings = _structure(lines)
    directive = _parse_preamble(
        [line.text if line.kind in ("text", "blank") else line.number + ". " + line.text for line in preamble]
    )
    ref = reference_date or (directive and (directive.issued_on or directive.meeting_on)) or None
    analyser = _Analyser(matcher, ref)
    draft = ImportDraft(warnings=list(warnings), directive=directive)

    if not _numbering_is_regular(raw_tasks):
        draft.warnings.append(W_NUMBERING.format(numbers=", ".join(raw.number for raw in raw_tasks)))

    for ordinal, raw in enumerate(raw_tasks, start=1):
        draft.tasks.append(_build_task(ordinal, raw, analyser))

    if directive:
        if directive.stated_task_count is not None and directive.stated_task_count != len(draft.tasks):
            draft.warnings.append(
                W_TASK_COUNT.format(stated=directive.stated_task_count, found=len(draft.tasks))
            )
        if directive.stated_item_count is not None and directive.stated_item_count != draft.item_count:
            draft.warnings.append(
                W_ITEM_COUNT.format(stated=directive.stated_item_count, found=draft.item_count)
            )
    for task in draft.tasks:
        for message in task.warnings:
            draft.warnings.append(f"Nhiệm vụ {task.ordinal}: {message}")
    return draft


def _build_task(ordinal: int, raw: _RawTask, analyser: _Analyser) -> ProposedTask:
    header = _join(raw.header)
    head = analyser.analyse(header)
    title = _title_of(header)
    spans = [(m.start, m.end) for m in analyser.matcher.mentions(title) if m.code or m.group]
    task = ProposedTask(
        ordinal=ordinal,
        title=short_title(title, spans) or _shorten(title),
        text="",
        lead_code=head.lead,
        coordinator_codes=list(head.coordinators),
        all_communes=head.all_communes,
        printed_number=raw.number if raw.number != str(ordinal) else "",
        section=raw.section,
    )
    if len(" ".join(title.split())) > TITLE_MAX:
        _add(task.warnings, W_TITLE_SHORTENED.format(limit=TITLE_MAX))
    for message in head.warnings:
        _add(task.warnings, message)
    _apply_due(task, head.due)

    item_texts = [_join(lines) for lines in raw.items]
    task.text = _strip_end_marker("\n".join([header, *("- " + t for t in item_texts)]))
    if not item_texts:
        task.items.append(
            ProposedItem(
                text=_clean_end(header),
                lead_code=head.lead,
                coordinator_codes=list(head.coordinators),
            )
        )
        _apply_due(task.items[0], head.due)
    else:
        for item_text in item_texts:
            info = analyser.analyse(item_text)
            task.all_communes = task.all_communes or info.all_communes
            for message in info.warnings:
                _add(task.warnings, message)
            if info.lead_found:
                lead, coordinators = info.lead, list(info.coordinators)
            else:
                lead = head.lead
                coordinators = list(head.coordinators)
                for code in info.coordinators:
                    if code != lead and code not in coordinators:
                        coordinators.append(code)
            item = ProposedItem(text=_clean_end(item_text), lead_code=lead, coordinator_codes=coordinators)
            _apply_due(item, info.due or head.due)
            task.items.append(item)
        if not head.lead_found:
            # header without an assignment ("… thực hiện các nội dung sau:"): the first item's lead leads
            task.lead_code = next((item.lead_code for item in task.items if item.lead_code), None)
        # every other agency named by an item takes part in the task
        for item in task.items:
            for code in [item.lead_code, *item.coordinator_codes]:
                if code and code != task.lead_code and code not in task.coordinator_codes:
                    task.coordinator_codes.append(code)
        if head.due is None:
            dated = [item for item in task.items if item.due_date is not None]
            if dated:
                latest = max(dated, key=lambda item: item.due_date)
                task.due_phrase, task.due_date = latest.due_phrase, latest.due_date
                task.kind, task.approximate = latest.kind, latest.approximate
            else:
                other = next((item for item in task.items if item.kind), None)
                if other:
                    task.due_phrase, task.kind, task.recurrence = (
                        other.due_phrase,
                        other.kind,
                        other.recurrence,
                    )

    if task.lead_code is None or any(item.lead_code is None for item in task.items):
        _add(task.warnings, W_NO_LEAD)
    if task.kind is None or any(item.kind is None for item in task.items):
        _add(task.warnings, W_NO_DUE)
    for target in (task, *task.items):
        if target.approximate and target.due_phrase:
            _add(task.warnings, W_APPROXIMATE.format(phrase=target.due_phrase))
    return task


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------


def _jsonable(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def to_json(draft: ImportDraft) -> dict:
    """A JSON-serialisable dict of *draft* (dates as ISO strings), for ``--dry-run`` and the API."""
    return {
        "directive": _jsonable(asdict(draft.directive)) if draft.directive else None,
        "task_count": len(draft.tasks),
        "item_count": draft.item_count,
        "warnings": list(draft.warnings),
        "tasks": [_jsonable(asdict(task)) for task in draft.tasks],
    }


# ---------------------------------------------------------------------------------------------
# .docx extraction
# ---------------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_MAX_RATIO = 100
_RATIO_FLOOR = 1024 * 1024  # tiny parts compress extremely well; judge the ratio above 1 MB only
_MB = 1024 * 1024


def _mb(n: int) -> str:
    return f"{n / _MB:.0f} MB" if n >= _MB else f"{n / 1024:.0f} KB"


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    try:
        with zf.open(info) as fh:
            data = fh.read(limit + 1)
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise ImportFileError("Tệp .docx bị hỏng, không đọc được nội dung.") from exc
    if len(data) > limit:
        raise ImportFileError("Tệp .docx có dung lượng giải nén vượt giới hạn cho phép.")
    return data


def _parse_xml(data: bytes, part: str):
    from lxml import etree  # python-docx dependency

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ImportFileError(f"Tệp .docx bị hỏng ({part} không hợp lệ).") from exc
    if root.getroottree().docinfo.doctype:
        raise ImportFileError(f"Tệp .docx không hợp lệ ({part} chứa khai báo DOCTYPE).")
    return root


def _attr(el, name: str = "val") -> str | None:
    return None if el is None else el.get(_W + name)


def _to_roman(n: int) -> str:
    out = ""
    for value, digits in (
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ):
        while n >= value:
            out += digits
            n -= value
    return out


def _to_letters(n: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[(n - 1) % 26] * ((n - 1) // 26 + 1)


def _format_number(n: int, fmt: str) -> str:
    if fmt == "lowerLetter":
        return _to_letters(n)
    if fmt == "upperLetter":
        return _to_letters(n).upper()
    if fmt == "lowerRoman":
        return _to_roman(n)
    if fmt == "upperRoman":
        return _to_roman(n).upper()
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "none":
        return ""
    return str(n)


class _Numbering:
    """Re-creates Word's automatic numbering (numbering.xml + styles.xml) as text prefixes."""

    def __init__(self, numbering_root, styles_root) -> None:
        self.levels: dict[
            str, dict[int, tuple[str, str, int]]
        ] = {}  # abstractNumId -> ilvl -> (fmt, text, start)
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> (abstractNumId, start overrides)
        self.style_num: dict[str, tuple[str | None, int | None]] = {}
        self.counters: dict[str, list[int | None]] = {}
        self.started: set[str] = set()
        if numbering_root is not None:
            for abstract in numbering_root.iter(_W + "abstractNum"):
                levels: dict[int, tuple[str, str, int]] = {}
                for lvl in abstract.iter(_W + "lvl"):
                    ilvl = int(lvl.get(_W + "ilvl", "0"))
                    levels[ilvl] = (
                        _attr(lvl.find(_W + "numFmt")) or "decimal",
                        _attr(lvl.find(_W + "lvlText")) or "",
                        int(_attr(lvl.find(_W + "start")) or 1),
                    )
                self.levels[abstract.get(_W + "abstractNumId", "")] = levels
            for num in numbering_root.iter(_W + "num"):
                overrides: dict[int, int] = {}
                for override in num.iter(_W + "lvlOverride"):
                    start = _attr(override.find(_W + "startOverride"))
                    if start is not None:
                        overrides[int(override.get(_W + "ilvl", "0"))] = int(start)
                self.nums[num.get(_W + "numId", "")] = (
                    _attr(num.find(_W + "abstractNumId")) or "",
                    overrides,
                )
        if styles_root is not None:
            raw: dict[str, tuple[str | None, str | None, int | None]] = {}
            for style in styles_root.iter(_W + "style"):
                num_pr = style.find(f"{_W}pPr/{_W}numPr")
                num_id = _attr(num_pr.find(_W + "numId")) if num_pr is not None else None
                ilvl = _attr(num_pr.find(_W + "ilvl")) if num_pr is not None else None
                raw[style.get(_W + "styleId", "")] = (
                    _attr(style.find(_W + "basedOn")),
                    num_id,
                    int(ilvl) if ilvl is not None else None,
                )
            for style_id in raw:
                seen: set[str] = set()
                current: str | None = style_id
                while current and current in raw and current not in seen:
                    seen.add(current)
                    based_on, num_id, ilvl = raw[current]
                    if num_id is not None:
                        self.style_num[style_id] = (num_id, ilvl)
                        break
                    current = based_on

    def prefix(self, paragraph) -> str:
        ppr = paragraph.find(_W + "pPr")
        num_id: str | None = None
        ilvl: int | None = None
        if ppr is not None:
            num_pr = ppr.find(_W + "numPr")
            if num_pr is not None:
                num_id = _attr(num_pr.find(_W + "numId"))
                level = _attr(num_pr.find(_W + "ilvl"))
                ilvl = int(level) if level is not None else None
            if num_id is None:
                style = _attr(ppr.find(_W + "pStyle"))
                if style and style in self.style_num:
                    num_id, style_ilvl = self.style_num[style]
                    ilvl = ilvl if ilvl is not None else style_ilvl
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        ilvl = min(max(ilvl or 0, 0), 8)
        abstract_id, overrides = self.nums[num_id]
        levels = self.levels.get(abstract_id, {})
        fmt, lvl_text, start = levels.get(ilvl, ("decimal", f"%{ilvl + 1}.", 1))
        if fmt == "bullet":
            return "- "
        counters = self.counters.setdefault(abstract_id, [None] * 9)
        if num_id not in self.started:
            self.started.add(num_id)
            for level, value in overrides.items():
                if 0 <= level < 9:
                    counters[level] = value - 1
        for level in range(ilvl + 1, 9):
            counters[level] = None
        for level in range(ilvl):
            if counters[level] is None:
                counters[level] = levels.get(level, ("decimal", "", 1))[2]
        counters[ilvl] = start if counters[ilvl] is None else counters[ilvl] + 1

        def render(match: re.Match[str]) -> str:
            level = int(match.group(1)) - 1
            value = counters[level] if 0 <= level < 9 and counters[level] is not None else 1
            level_fmt = levels.get(level, ("decimal", "", 1))[0]
            return _format_number(value, "decimal" if level_fmt == "bullet" else level_fmt)

        text = re.sub(r"%([1-9])", render, lvl_text).strip()
        return text + " " if text else ""


def _paragraph_text(paragraph) -> str:
    parts: list[str] = []

    def walk(node) -> None:
        for child in node:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag == _W + "t":
                parts.append(child.text or "")
            elif tag == _W + "tab":
                parts.append("\t")
            elif tag in (_W + "br", _W + "cr"):
                parts.append("\n")
            elif tag == _W + "noBreakHyphen":
                parts.append("-")
            elif tag in (
                _W + "del",
                _W + "moveFrom",
                _W + "instrText",
                _W + "delText",
                _W + "pPr",
                _W + "rPr",
            ):
                continue
            elif tag.startswith(_MC) or tag in (_W + "drawing", _W + "pict", _W + "object"):
                continue
            else:
                walk(child)

    walk(paragraph)
    return "".join(parts)


def _body_paragraphs(node):
    for child in node:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag == _W + "p":
            yield child
        elif tag == _W + "tbl":
            for row in child.iter(_W + "tr"):
                for cell in row.findall(_W + "tc"):
                    yield from _body_paragraphs(cell)
        elif tag in (_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "ins", _W + "smartTag"):
            yield from _body_paragraphs(child)


def extract_docx_text(
    data: bytes,
    *,
    max_bytes: int = 10 * _MB,
    max_uncompressed: int = 50 * _MB,
    max_entries: int = 2000,
) -> str:
    """The paragraph text of a Word .docx, one paragraph per line, automatic numbering included.

    Refuses (with :class:`ImportFileError`, Vietnamese message) anything that is not a
    real .docx: not a zip, no ``word/document.xml``, encrypted, too big, too many
    entries, or a zip bomb (total uncompressed size over *max_uncompressed*, or a
    compression ratio over 100).  Tables are read cell by cell; deleted revisions,
    field codes and drawings are skipped.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("extract_docx_text expects bytes")
    data = bytes(data)
    if not data:
        raise ImportFileError("Tệp rỗng.")
    if len(data) > max_bytes:
        raise ImportFileError(f"Tệp quá lớn ({_mb(len(data))}); dung lượng tối đa là {_mb(max_bytes)}.")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError("Tệp Word 97-2003 (.doc) không được hỗ trợ; hãy lưu lại dưới dạng .docx.")
    if not data.startswith(b"PK"):
        raise ImportFileError("Tệp không phải là tài liệu Word (.docx) hợp lệ.")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise ImportFileError("Tệp không phải là tài liệu Word (.docx) hợp lệ.") from exc
    with zf:
        if len(infos) > max_entries:
            raise ImportFileError(f"Tệp .docx có quá nhiều thành phần ({len(infos)}; tối đa {max_entries}).")
        total = sum(info.file_size for info in infos)
        packed = sum(info.compress_size for info in infos)
        if total > max_uncompressed:
            raise ImportFileError(
                f"Tệp .docx khi giải nén quá lớn ({_mb(total)}; tối đa {_mb(max_uncompressed)}): nghi ngờ tệp nén độc hại."
            )
        sizes = [(info.file_size, info.compress_size) for info in infos] + [(total, packed)]
        if any(size > _RATIO_FLOOR and size > _MAX_RATIO * max(csize, 1) for size, csize in sizes):
            raise ImportFileError("Tệp .docx có tỷ lệ nén bất thường: nghi ngờ tệp nén độc hại (zip bomb).")
        by_name = {info.filename: info for info in infos}
        if "word/document.xml" not in by_name:
            raise ImportFileError("Tệp không phải là tài liệu Word (.docx): thiếu word/document.xml.")
        if any(info.flag_bits & 0x1 for info in infos):
            raise ImportFileError("Tệp .docx được mã hóa (đặt mật khẩu), không đọc được.")
        document = _parse_xml(
            _read_member(zf, by_name["word/document.xml"], max_uncompressed), "document.xml"
        )
        numbering = styles = None
        if "word/numbering.xml" in by_name:
            numbering = _parse_xml(
                _read_member(zf, by_name["word/numbering.xml"], max_uncompressed), "numbering.xml"
            )
        if "word/styles.xml" in by_name:
            styles = _parse_xml(_read_member(zf, by_name["word/styles.xml"], max_uncompressed), "styles.xml")

    body = document.find(_W + "body")
    if body is None:
        raise ImportFileError("Tệp .docx không có phần nội dung (w:body).")
    numbers = _Numbering(numbering, styles)
    lines: list[str] = []
    for paragraph in _body_paragraphs(body):
        text = _paragraph_text(paragraph)
        prefix = numbers.prefix(paragraph) if text.strip() else ""
        lines.append(prefix + text)
    return "\n".join(lines)


def read_import_file(data: bytes, filename: str) -> str:
    """Text of an uploaded notice: .docx through :func:`extract_docx_text`, .txt as UTF-8."""
    name = (filename or "").lower()
    if name.endswith(".docx"):
        return extract_docx_text(data)
    if name.endswith(".txt"):
        if len(data) > 10 * _MB:
            raise ImportFileError(f"Tệp quá lớn; dung lượng tối đa là {_mb(10 * _MB)}.")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError("Tệp văn bản không ở dạng mã UTF-8.") from exc
    raise ImportFileError("Chỉ nhận tệp .docx hoặc .txt.")
