"""Vietnamese text normalisation and matching keys (chuẩn hóa văn bản).

The seed documents mix Unicode NFC with decomposed (NFD) characters and write the
tone mark in two places ("Hoà"/"Hòa", "uỷ"/"ủy"; domain.md §0.2).  Every import,
search and de-duplication path must go through these helpers so that one word
always yields one key.

- :func:`normalize` is for *storing and displaying* text: NFC, NBSP to space,
  runs of spaces/tabs collapsed.  Line breaks are kept and nothing is stripped,
  so offsets found in the normalised text are stable (the reference parser and
  the due-phrase scanner report offsets into it).
- :func:`fold_tone_marks` moves the tone mark of the open syllables oa, oe, uy
  from the old position to the new one (oà→òa … uỷ→ủy).  Closed syllables such
  as "hoàn", "toán", "huỳnh" are written the same way in both styles and are
  left alone.
- :func:`search_key` is for *comparing* text: normalised, folded, case-folded,
  all whitespace collapsed and trimmed.
- :func:`strip_diacritics` gives the ASCII-ish key ("tan binh" for "Tân Bình")
  used when a user types without accents.
- :func:`clean_input` is the boundary rule for text a person or a client sends (web forms, API
  bodies): NFC, line breaks as LF, and :class:`ControlCharacters` for any other control
  character; :func:`xml_safe` is the writers' rule (Word, Excel, PDF): what XML 1.0 cannot hold
  is dropped, so text stored before the boundary rule never breaks a document.
- :func:`strip_bidi_controls` removes the bidirectional overrides used to disguise file names.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["ControlCharacters", "clean_input", "fold_tone_marks", "normalize", "search_key", "strip_bidi_controls",
           "strip_diacritics", "xml_safe"]

_HORIZONTAL_SPACE = re.compile(r"[ \t]+")
_ANY_SPACE = re.compile(r"\s+")
# NBSP and its narrow/figure cousins come from Word/PDF conversions.
_SPACE_LIKE = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " "})

_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # huyền, sắc, hỏi, ngã, nặng
# (first vowel, second vowel) of the open syllables whose tone placement varies.
_VARIABLE_PAIRS = (("o", "a"), ("o", "e"), ("u", "y"))


def _compose(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _old_to_new_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for first, second in _VARIABLE_PAIRS:
        for tone in _TONES:
            old = first + _compose(second + tone)
            new = _compose(first + tone) + second
            for variant in (str.lower, str.capitalize, str.upper):
                table[variant(old)] = variant(new)
    return table


_OLD_TO_NEW = _old_to_new_table()
# Only at the end of a syllable (no letter follows), and "uy" not after "q":
# in "quý" the u belongs to the consonant "qu", so the mark is on y in both styles.
_OLD_STYLE = re.compile(
    r"(?<![qQ])(?:" + "|".join(k for k in _OLD_TO_NEW if k[0] in "uU") + r")(?![^\W\d_])"
    r"|(?:" + "|".join(k for k in _OLD_TO_NEW if k[0] in "oO") + r")(?![^\W\d_])"
)


def normalize(text: str) -> str:
    """Return *text* in NFC with NBSP turned into spaces and space runs collapsed.

    Newlines are preserved and the ends are not stripped, so character offsets in
    the result can be reported back to the user.
    """
    text = _compose(text).translate(_SPACE_LIKE)
    return _HORIZONTAL_SPACE.sub(" ", text)


def fold_tone_marks(text: str) -> str:
    """Rewrite old-style tone placement (bỏ dấu kiểu cũ) to the new style.

    "Hoà" → "Hòa", "xoá" → "xóa", "khoẻ" → "khỏe", "Uỷ" → "Ủy"; text already in
    the new style is unchanged, so both spellings fold to one key.  The result has
    the same length as the NFC form of *text*.
    """
    return _OLD_STYLE.sub(lambda m: _OLD_TO_NEW[m.group(0)], _compose(text))


def search_key(text: str) -> str:
    """Accent-placement- and case-insensitive key for matching and de-duplication.

    Diacritics are kept ("Tân" and "Tan" differ); use :func:`strip_diacritics`
    for accent-insensitive matching.
    """
    folded = fold_tone_marks(normalize(text)).casefold()
    return _ANY_SPACE.sub(" ", folded).strip()


def strip_diacritics(text: str, *, keep_case: bool = False) -> str:
    """Drop every Vietnamese diacritic (bỏ dấu): "Tân Bình" → "tan binh", "Đảng" → "dang".

    By default the result is also case-folded and whitespace-collapsed, i.e. a
    matching key for users who type without accents; pass ``keep_case=True`` to
    keep the letter case (e.g. for file names).
    """
    decomposed = unicodedata.normalize("NFD", normalize(text).replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = _ANY_SPACE.sub(" ", bare).strip()
    return bare if keep_case else bare.casefold()


# ------------------------------------------------------------------ boundary and writers

#: C0 controls but tab and LF (CR is turned into LF first), DEL, C1 controls, surrogates and the
#: non-characters U+FFFE/U+FFFF: nothing a person types, and the lxml writers refuse most of them.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
#: What XML 1.0 cannot hold at all (tab, LF and CR can be).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Bidirectional embeddings, overrides and isolates (U+202A–202E, U+2066–2069): "tài liệu<U+202E>fdp.exe".
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


class ControlCharacters(ValueError):
    """The text holds a control character other than tab and line break."""


def clean_input(text: str) -> str:
    """Text as it may be stored: NFC, CRLF and CR as LF; raises :class:`ControlCharacters` when
    another control character is in it (refused with a message naming the field, never stored)."""
    text = _compose(text.replace("\r\n", "\n").replace("\r", "\n"))
    if _FORBIDDEN.search(text):
        raise ControlCharacters(text)
    return text


def xml_safe(text: str | None) -> str:
    """``text`` without the characters XML 1.0 cannot hold (for the document writers)."""
    return _NOT_XML.sub("", text or "")


def strip_bidi_controls(text: str) -> str:
    return _BIDI_CONTROLS.sub("", text)
