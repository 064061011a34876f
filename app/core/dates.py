"""Dates as people type them: dd/mm/yyyy whatever the browser's language (issue 18).

One parser (:func:`parse_day`) for every form, the task editor's indexed rows and query strings;
one field (:class:`DayField`) that renders a text box with the dd/mm/yyyy pattern instead of the
browser's own date picker, whose format follows the browser's locale (02/12 read as 12 February
on an English browser).  ISO yyyy-mm-dd is still accepted: links and older bookmarks carry it.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import StringField

#: The HTML pattern of a day (d/m/yyyy, padded or not; '.' and '-' as separators are accepted too).
#: (Valid under the browser's "v" regex flag, which wants "/" and "-" escaped inside a class.)
DAY_PATTERN = r"\d{1,2}[\/.\-]\d{1,2}[\/.\-]\d{4}|\d{4}-\d{2}-\d{2}"
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_day(text: str | None) -> date | None:
    """The day written in ``text`` (dd/mm/yyyy or yyyy-mm-dd), or None when it is not a real day."""
    text = (text or "").strip()
    match = _DMY.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
    else:
        match = _ISO.match(text)
        if not match:
            return None
        year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def format_day(value: date | None) -> str:
    """dd/mm/yyyy, the form in which a day is shown in an input."""
    return value.strftime("%d/%m/%Y") if value else ""


class DayField(StringField):
    """A day entered as dd/mm/yyyy in a plain text box (see the module docstring)."""

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"inputmode": "numeric", "pattern": DAY_PATTERN, "placeholder": "dd/mm/yyyy",
                     "autocomplete": "off", "data-day": "", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return format_day(self.data) if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        if not text:
            self.data = None
            return
        self.data = parse_day(text)
        if self.data is None:
            raise ValueError(str(_l("Ngày không hợp lệ: nhập theo dạng ngày/tháng/năm (dd/mm/yyyy).")))
