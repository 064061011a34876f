"""Propose tasks from a notice of conclusions (Thông báo kết luận): the import pipeline, pure Python.

A conclusion notice lists numbered tasks ("1.", "2." …), each naming a lead
agency ("… chủ trì"), coordinating agencies ("phối hợp với …") and a deadline
("trong quý II/2024"); some tasks hold "- " bulleted content items (nội dung),
which is where progress is tracked (domain.md §3.2–3.4).  :func:`propose_tasks`
turns the text into an :class:`ImportDraft` that a person reviews and corrects
before anything is saved; it never touches the database or Flask.  This module holds
the analysis (steps 4–5), the result types and :func:`to_json`.

Pipeline
--------
1. :func:`~app.directives.notice_files.extract_docx_text` (for .docx uploads)
   checks the zip (size, entry count, compression ratio: zip bombs are refused),
   reads ``word/document.xml`` with a non-resolving XML parser and re-creates
   Word's automatic numbering ("1.", "a)", "- ") that python-docx would lose.
2. The text is normalised (NFC, spaces; :mod:`app.core.text`) and split into
   preamble (header, title, intro), tasks and their items, and the footer
   ("Nơi nhận:", signature) which is ignored (:mod:`app.directives.notice_layout`).
3. Agencies are found with an
   :class:`~app.directives.agency_matching.AgencyMatcher` (tone-mark-placement and
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
   :func:`app.core.due_phrases.find_due_phrases`; an item without its own deadline
   inherits the task's.
5. Anything uncertain becomes a Vietnamese warning on the task (and, prefixed
   "Nhiệm vụ n:", in :attr:`ImportDraft.warnings`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

from app.core.due_phrases import DueMatch, find_due_phrases
from app.core.text import normalize
from app.directives.agency_matching import (
    GROUP_COMMUNES,
    GROUP_KIND,
    AgencyMatcher,
    AgencyRef,
    Mention,
    build_matcher,
    text_key,
)
from app.directives.notice_layout import ProposedDirective, RawTask, classify_all, parse_preamble, structure
from app.directives.titles import short_title

TITLE_MAX = 500

# Warning texts (Vietnamese: shown to office staff as they are).
W_NO_LEAD = "Không xác định được cơ quan chủ trì"
W_NO_DUE = "Không xác định được thời hạn hoàn thành"
W_UNKNOWN_AGENCY = "Không tìm thấy cơ quan “{name}” trong danh mục tổ chức"
W_COMMUNES_LEAD = "Cơ quan chủ trì là các xã, thị trấn: cần giao cho từng đảng bộ xã, thị trấn"
W_GROUP_LEAD = "Cơ quan chủ trì là một nhóm cơ quan (“{name}”): cần chọn một cơ quan chủ trì"
W_APPROXIMATE = "Thời hạn “{phrase}” chỉ là ước lượng: cần xác nhận ngày cụ thể"
W_NUMBERING = "Số thứ tự nhiệm vụ trong văn bản không liên tục ({numbers}); đã đánh lại từ 1"
W_TASK_COUNT = "Văn bản nêu {stated} nhiệm vụ nhưng nhận diện được {found} nhiệm vụ"
W_ITEM_COUNT = "Văn bản nêu {stated} nội dung nhưng nhận diện được {found} nội dung"
W_TITLE_SHORTENED = "Tiêu đề nhiệm vụ đã được rút gọn còn {limit} ký tự"


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
class ImportDraft:
    tasks: list[ProposedTask] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    directive: ProposedDirective | None = None

    @property
    def item_count(self) -> int:
        return sum(len(t.items) for t in self.tasks)


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
        kind = GROUP_KIND.get(mention.group or "")
        return self.matcher.codes_of_kind(kind) if kind else []

    def analyse(self, text: str) -> _Analysis:
        norm = text
        key = text_key(norm)
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
# Task title and text
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# propose_tasks
# ---------------------------------------------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


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


def _numbering_is_regular(raw_tasks: list[RawTask]) -> bool:
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
    lines = classify_all(norm.split("\n"))
    preamble, raw_tasks, warnings = structure(lines)
    directive = parse_preamble(
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


def _build_task(ordinal: int, raw: RawTask, analyser: _Analyser) -> ProposedTask:
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
