"""The parts of the report the office writes (II.2, III.1, III.2, IV.1, V): draft warnings and prefills.

Every part is stored per report period (``PeriodReport.narrative``).  A part left empty is not
printed as a bare heading: the draft shows a visible placeholder and the editor a warning, so a
draft is never mistaken for a finished report.  Where the data already knows something, the editor
offers it as a prefill the office edits and saves:

- IV.1 from the previous conclusion's content items still open at the cut-off (carry-over);
- III.2 "* Khó khăn, hạn chế" from the difficulties the agencies reported for the period.

Also the list of the office's parts (:data:`NARRATIVE_FIELDS`) and how a report row stores them
(:func:`narrative_of`).  Pure functions over plain values: the builder, the editing flow and the agency
inputs import this module, never the reverse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.text import normalize, search_key

if TYPE_CHECKING:
    from app.models import PeriodReport

#: Human-written parts, in document order: key → (label in the editor, help text).
NARRATIVE_FIELDS: dict[str, tuple] = {
    "section1_note": (_l("I. Ghi chú thêm (nguyên nhân, hướng xử lý)"), _l("Tùy chọn; in sau danh sách nội dung chưa hoàn thành.")),
    "key_work": (_l("II.2. Các mặt công tác trọng tâm"), _l("Mỗi dòng một ý; bắt đầu bằng “- ”.")),
    "achievements": (_l("III.1. Kết quả đạt được"), _l("Mỗi dòng một ý.")),
    "limitations": (_l("III.2. Khó khăn, hạn chế"), None),
    "causes": (_l("III.2. Nguyên nhân hạn chế"), None),
    "next_key_work": (_l("IV.1. Các mặt công tác trọng tâm thời gian tới"),
                      _l("Các nội dung chưa hoàn thành được tự động thêm vào sau phần này.")),
    "proposals": (_l("V. Đề xuất, kiến nghị của Văn phòng"),
                  _l("Đề xuất của các cơ quan được tự động đưa vào; để trống nếu không có.")),
    "recipients": (_l("Nơi nhận"), _l("Mỗi dòng một nơi nhận; để trống để dùng danh sách mặc định.")),
}

#: The office's parts that must not stay empty in a report that is issued (key → where it prints).
REQUIRED_PARTS = {
    "key_work": "II.2",
    "achievements": "III.1",
    "limitations": "III.2 (* Khó khăn, hạn chế)",
    "causes": "III.2 (* Nguyên nhân hạn chế)",
    "next_key_work": "IV.1",
}
#: Printed in the draft where a part is still empty (never in an issued report: freezing warns first).
PLACEHOLDER = "(Dự thảo: phần này chưa có nội dung.)"
LIMITATIONS_HEADING = "* Khó khăn, hạn chế:"
CAUSES_HEADING = "* Nguyên nhân hạn chế:"
_FOOTNOTE_OPEN = "[^"


def is_empty(narrative: Mapping[str, str], key: str) -> bool:
    return not (narrative.get(key) or "").strip()


def draft_warnings(narrative: Mapping[str, str]) -> list[str]:
    """One warning per office part still empty."""
    return [_("Mục %(part)s chưa có nội dung; bản dự thảo in dòng nhắc thay cho nội dung.", part=where)
            for key, where in REQUIRED_PARTS.items() if is_empty(narrative, key)]


def logical_lines(text: str | None) -> list[str]:
    """Split on line breaks, except inside a ``[^…]`` footnote, which may hold several paragraphs."""
    lines: list[str] = []
    pending: list[str] = []
    depth = 0
    for raw in (text or "").splitlines():
        pending.append(raw)
        depth += raw.count(_FOOTNOTE_OPEN) - raw.count("]")
        if depth <= 0:
            lines.append("\n".join(pending))
            pending, depth = [], 0
    if pending:
        lines.append("\n".join(pending))
    return lines


def starts_with_agency(text: str, names: Iterable[str]) -> bool:
    """Whether a line already names the agency, in full or shortened ("Văn phòng tiếp tục …" for
    Văn phòng Huyện ủy, "Huyện Đoàn …", "Hội Chữ thập tiếp tục …"): then no name is prefixed."""
    key = search_key(text)
    for name in names:
        name_key = search_key(name or "")
        if not name_key:
            continue
        if key.startswith(name_key):
            return True
        head = " ".join(name_key.split()[:2])
        if len(name_key.split()) >= 2 and key.startswith(head + " "):
            return True
    return False


def mentions(text: str | None, unit_text: str) -> bool:
    """Whether the office's text already covers an unfinished content item (accent-placement blind)."""
    core = search_key(unit_text).rstrip(" .;,")
    return bool(core) and core[:60] in search_key(text or "")


def carry_lines(unfinished: Sequence[tuple[str, str]], meeting_label: str) -> list[str]:
    """IV.1 lines for the previous conclusion's unfinished items, as (text, lead) pairs."""
    return [f"- Tiếp tục thực hiện: {text.rstrip(' .;')} (nội dung chuyển tiếp từ Kết luận buổi làm việc "
            f"định kỳ {meeting_label}; {lead} chủ trì)." for text, lead in unfinished]


def difficulty_lines(difficulties: Sequence[tuple[str, str]]) -> list[str]:
    """III.2 prefill from the agencies' reported difficulties, as (agency name, text) pairs."""
    lines = []
    for name, text in difficulties:
        clean = [normalize(line).strip() for line in text.splitlines() if line.strip()]
        if not clean:
            continue
        first = clean[0] if starts_with_agency(clean[0], [name]) else f"{name}: {clean[0]}"
        lines.append(f"- {first.removeprefix('- ')}")
        lines.extend(f"- {line.removeprefix('- ')}" for line in clean[1:])
    return lines


def prefills(*, unfinished: Sequence[tuple[str, str]], meeting_label: str | None,
             difficulties: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Suggested text for the office parts the data knows something about."""
    out: dict[str, str] = {}
    next_lines = carry_lines(unfinished, meeting_label) if meeting_label else []
    if next_lines:
        out["next_key_work"] = "\n".join(next_lines)
    limitation_lines = difficulty_lines(difficulties)
    if limitation_lines:
        out["limitations"] = "\n".join(limitation_lines)
    return out


_HEADING_RE = re.compile(r"^\*\s*(Khó khăn, hạn chế|Nguyên nhân hạn chế)\s*:", re.IGNORECASE)


def has_own_heading(text: str | None) -> bool:
    """The office wrote the "* Khó khăn, hạn chế:" / "* Nguyên nhân hạn chế:" line itself (possibly
    with the text on the same line, as 003:L133 does)."""
    return bool(_HEADING_RE.match(normalize((text or "").strip())))


def narrative_of(report: PeriodReport | None) -> dict[str, str]:
    if report is None:
        return {}
    try:
        data = json.loads(report.narrative or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
