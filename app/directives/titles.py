"""A short proposed title for an imported task: the action, without who leads, who helps and by when.

"Ban Tổ chức Huyện ủy chủ trì, phối hợp với Văn phòng Huyện ủy tham mưu Ban Thường vụ Huyện ủy ban
hành Quy định …, hoàn thành trước ngày 15/8/2024" becomes "Tham mưu Ban Thường vụ Huyện ủy ban hành
Quy định …".  The whole paragraph stays the task's description (and its content item), so nothing
is lost; the title only keeps the inbox, the overdue review and section IV readable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.core.due_phrases import find_due_phrases

#: Shorter than this many words, the "action" is most likely a parsing accident: keep the old title.
MIN_WORDS = 3
SHORT_MAX = 200

_CHU_TRI = re.compile(r"\bchủ\s+trì\b\s*[,:]?\s*", re.IGNORECASE)
_PHOI_HOP = re.compile(r"\s*[,;]?\s*phối\s+hợp(?:\s+(?:với|cùng))?\s*", re.IGNORECASE)
#: "… và các cơ quan, đơn vị có liên quan" closing a list of agencies.
_RELATED = re.compile(r"\s*(?:,\s*)?(?:và|cùng)\s+các\s+(?:cơ\s+quan|đơn\s+vị|ngành|địa\s+phương)"
                      r"(?:\s*,?\s*(?:cơ\s+quan|đơn\s+vị|ngành|địa\s+phương))*\s+(?:có\s+)?liên\s+quan\s*",
                      re.IGNORECASE)
_CHAIN_GAP = re.compile(r"\s*(?:,\s*)?(?:(?:và|với|cùng(?:\s+với)?)\s+)?(?:các\s+)?", re.IGNORECASE)
_TAIL = re.compile(r"[\s,;:]*(?:(?:để\s+)?(?:hoàn\s+thành|xong|thực\s+hiện\s+xong|phấn\s+đấu)\s*)?[\s,;:.]*$",
                   re.IGNORECASE)


def _skip_chain(text: str, pos: int, spans: Sequence[tuple[int, int]]) -> int:
    """After "phối hợp (với)", skip the listed agencies (names or groups) and their separators."""
    match = _PHOI_HOP.match(text, pos)
    if match is None:
        return pos
    end = match.end()
    for start, stop in spans:
        if start < end:
            continue
        gap = _CHAIN_GAP.fullmatch(text, end, start)
        if gap is None:
            break
        end = stop
    if end == match.end():
        return pos
    related = _RELATED.match(text, end)
    return related.end() if related else end


def _action_start(text: str, spans: Sequence[tuple[int, int]]) -> int:
    """Where the action begins: after "X chủ trì, phối hợp với Y, Z", or after a leading subject."""
    chu_tri = _CHU_TRI.search(text)
    if chu_tri is not None and any(stop <= chu_tri.start() + 1 for _start, stop in spans):
        return _skip_chain(text, chu_tri.end(), spans)
    first = next(iter(spans), None)
    if first is not None and first[0] == 0:
        return _skip_chain(text, first[1], spans)
    return 0


def _without_deadline(text: str) -> str:
    """Drop a trailing deadline ("…, hoàn thành trước ngày 15/8/2024", "trong quý III/2024")."""
    matches = find_due_phrases(text)
    if matches and len(text) - matches[-1].end <= 2:
        text = text[: matches[-1].start]
    return _TAIL.sub("", text)


def short_title(sentence: str, spans: Sequence[tuple[int, int]]) -> str | None:
    """The action of a task's first sentence, capitalised; None when it cannot be told apart.

    ``spans`` are the (start, end) offsets of the agency names and groups found in ``sentence``.
    """
    start = _action_start(sentence, sorted(spans))
    action = _without_deadline(sentence[start:].strip(" ,;:"))
    if len(action.split()) < MIN_WORDS or start == 0 and action == sentence:
        return None
    if len(action) > SHORT_MAX:
        cut = action[:SHORT_MAX - 1]
        action = cut[: cut.rfind(" ")].rstrip(" ,;:") + "…" if " " in cut else cut + "…"
    return action[0].upper() + action[1:]
