"""Reminder e-mails: Vietnamese subjects and bodies (plain text + HTML), and the SMTP connection.

Rendering takes plain data prepared by the services (no database access), so the send loop never
opens a transaction while it talks to the mail server.  A confidential task (``is_confidential``)
shows its title only, with "xem trên hệ thống" and the link, never its content (domain.md §7.4).

Flask-Mail has no SMTP timeout (issue #114): :class:`TimedConnection` opens the socket with
``MAIL_TIMEOUT`` so a hung relay cannot freeze the scheduler.  Settings are read from
``current_app.config`` at send time, not from the extension's start-up snapshot.
"""

from __future__ import annotations

import base64
import smtplib
import uuid
from dataclasses import dataclass, field
from datetime import date
from email.utils import formataddr, formatdate, parseaddr
from functools import lru_cache
from urllib.parse import urlsplit

import jinja2
from flask import current_app
from flask_babel import force_locale
from flask_mail import BadHeaderError, Connection, Mail, Message, email_dispatched

from app.core.clock import now_utc
from app.core.enums import ReminderKind

SUBJECT_TITLE_MAX = 120


@dataclass(frozen=True, slots=True)
class TaskView:
    """What an e-mail may say about a task (content fields are blank for a confidential task)."""

    id: int
    title: str
    url: str
    confidential: bool
    due_date: date | None = None
    description: str = ""
    directive_symbol: str | None = None
    lead_name: str = ""
    status_label: str = ""


@dataclass(frozen=True, slots=True)
class ItemEntry:
    """One reminder about one task for one recipient."""

    kind: ReminderKind
    task: TaskView
    key_date: date
    working_days: int
    org_name: str = ""


@dataclass(frozen=True, slots=True)
class DigestLine:
    task: TaskView
    org_name: str
    due_date: date | None
    working_days_late: int = 0
    working_days_left: int | None = None
    status_label: str = ""


@dataclass(slots=True)
class Rendered:
    subject: str
    text: str
    html: str
    extra_headers: dict[str, str] = field(default_factory=dict)


def task_url(task_id: int) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/tasks/{task_id}"


def app_url(path: str) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}{path}"


def short(text: str, limit: int = SUBJECT_TITLE_MAX) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def dmy(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _(message: str, **variables) -> str:
    """Vietnamese gettext for e-mail text (memoised; see :class:`_MemoTranslations`)."""
    translated = _translations().gettext(message)
    return translated % variables if variables else translated


def _translations() -> _MemoTranslations:
    app = current_app._get_current_object()
    memo = app.extensions.get("reminder_mail_translations")
    if memo is None:
        memo = app.extensions["reminder_mail_translations"] = _MemoTranslations("vi")
    return memo


def _l(message: str) -> str:
    """Mark a msgid for extraction (``pybabel extract -k _l``); it is translated where used, by ``_``."""
    return message


#: Subject of each kind of single reminder (msgids are Vietnamese; ``n`` is working days).
ITEM_SUBJECTS = {
    ReminderKind.BEFORE_DUE: _l("[Nhắc việc] Còn %(n)d ngày làm việc đến hạn %(due)s: %(title)s"),
    ReminderKind.DUE_TODAY: _l("[Nhắc việc] Đến hạn hôm nay %(due)s: %(title)s"),
    ReminderKind.OVERDUE: _l("[Quá hạn] Quá hạn %(n)d ngày làm việc: %(title)s"),
    ReminderKind.ESCALATION_HEAD: _l("[Báo lãnh đạo cơ quan] %(org)s quá hạn %(n)d ngày làm việc: %(title)s"),
    ReminderKind.ESCALATION_CHIEF: _l("[Báo Chánh Văn phòng] %(org)s quá hạn %(n)d ngày làm việc: %(title)s"),
    ReminderKind.ESCALATION_COMMITTEE: _l("[Báo Thường trực] %(org)s quá hạn %(n)d ngày làm việc: %(title)s"),
    ReminderKind.REPORTING_CALL: _l("[Đề nghị báo cáo] Trước buổi làm việc định kỳ ngày %(due)s: %(title)s"),
}


def item_subject(kind: ReminderKind, title: str, working_days: int, key_date: date, org_name: str = "") -> str:
    """The subject of a single reminder (also stored in the reminder log)."""
    template = ITEM_SUBJECTS.get(kind)
    if template is None:
        raise ValueError(f"not an item reminder: {kind}")
    return _(template, n=working_days, due=dmy(key_date), title=short(title), org=org_name)


def agency_digest_subject(org_name: str, week_start: date) -> str:
    return _("[Tổng hợp tuần] Nhiệm vụ của %(org)s, tuần từ %(day)s", org=org_name, day=dmy(week_start))


def chief_digest_subject(week_start: date) -> str:
    return _("[Tổng hợp quá hạn] Nhiệm vụ quá hạn, tuần từ %(day)s", day=dmy(week_start))


def daily_subject(today: date, count: int) -> str:
    return _("[Nhắc việc] Tổng hợp ngày %(day)s: %(n)d việc cần chú ý", day=dmy(today), n=count)


class _MemoTranslations:
    """gettext/ngettext for e-mail templates, looked up once per message id per process.

    E-mails are always written in Vietnamese, the source language of every message id, so the
    translation of a msgid never changes while the process runs; Flask-Babel's own lookup (per
    call: find the context, the locale, the catalogue) was a third of the cost of a reminder.
    """

    def __init__(self, locale: str = "vi"):
        self.locale = locale
        self.singular: dict[str, str] = {}
        self.plural: dict[tuple[str, str, int], str] = {}

    def gettext(self, message: str) -> str:
        found = self.singular.get(message)
        if found is None:
            from flask_babel import get_domain

            with force_locale(self.locale):
                found = self.singular[message] = get_domain().get_translations().gettext(message)
        return found

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        key = (singular, plural, 1 if n == 1 else 2)
        found = self.plural.get(key)
        if found is None:
            from flask_babel import get_domain

            with force_locale(self.locale):
                found = self.plural[key] = get_domain().get_translations().ngettext(singular, plural, n)
        return found


def mail_environment() -> jinja2.Environment:
    """A Jinja environment for e-mails: the app's template folder, HTML autoescaped, memoised
    Vietnamese gettext, and none of the page context processors (there is no request here)."""
    app = current_app._get_current_object()
    env = app.extensions.get("reminder_mail_env")
    if env is None:
        env = jinja2.Environment(loader=app.jinja_loader, autoescape=jinja2.select_autoescape(["html"]),
                                 extensions=["jinja2.ext.i18n"], auto_reload=app.debug)
        memo = _translations()
        env.install_gettext_callables(memo.gettext, memo.ngettext, newstyle=True)
        env.globals["dmy"] = dmy
        app.extensions["reminder_mail_env"] = env
    return env


def _render_pair(name: str, **context) -> tuple[str, str]:
    env = mail_environment()
    text = env.get_template(f"emails/reminders/{name}.txt").render(**context)
    html = env.get_template(f"emails/reminders/{name}.html").render(**context)
    return text, html


def render_items(entries: list[ItemEntry], *, recipient_name: str, today: date, subject: str | None = None) -> Rendered:
    """One reminder (per-item mode) or all of a day's reminders in one message (daily mode)."""
    if len(entries) == 1:
        entry = entries[0]
        subject = subject or item_subject(entry.kind, entry.task.title, entry.working_days, entry.key_date, entry.org_name)
        text, html = _render_pair("item", entry=entry, recipient_name=recipient_name, Kind=ReminderKind)
        return Rendered(subject, text, html)
    entries = sorted(entries, key=lambda e: (e.kind is not ReminderKind.OVERDUE, -e.working_days, e.task.id))
    text, html = _render_pair("daily", entries=entries, recipient_name=recipient_name, today=today, Kind=ReminderKind)
    return Rendered(daily_subject(today, len(entries)), text, html)


def render_agency_digest(*, org_name: str, week_start: date, today: date, recipient_name: str,
                         overdue: list[DigestLine], due_soon: list[DigestLine], other: list[DigestLine],
                         continuous: list[DigestLine], truncated: int, subject: str | None = None) -> Rendered:
    text, html = _render_pair(
        "agency_digest", org_name=org_name, week_start=week_start, today=today, recipient_name=recipient_name,
        overdue=overdue, due_soon=due_soon, other=other, continuous=continuous, truncated=truncated,
        tasks_url=app_url("/tasks/"),
    )
    return Rendered(subject or agency_digest_subject(org_name, week_start), text, html)


def render_chief_digest(*, week_start: date, today: date, recipient_name: str, by_agency: list[tuple[str, list[DigestLine]]],
                        total: int, truncated: int, attention: int, subject: str | None = None) -> Rendered:
    text, html = _render_pair(
        "chief_digest", week_start=week_start, today=today, recipient_name=recipient_name, by_agency=by_agency,
        total=total, truncated=truncated, attention=attention, attention_url=app_url("/reminders/attention"),
        overdue_url=app_url("/tasks/?overdue=1"),
    )
    return Rendered(subject or chief_digest_subject(week_start), text, html)


def _mail_host() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def message_id(first_log_id: int) -> str:
    """Deterministic: a second copy of the same reminder would carry the same Message-ID."""
    return f"<reminder-{first_log_id}@{_mail_host()}>"


@lru_cache(maxsize=16)
def _from_header(sender: str | tuple[str, str]) -> tuple[str, str]:
    """("From" header value, envelope address) of a configured sender, parsed once."""
    name, address = sender if isinstance(sender, tuple) else parseaddr(sender)
    return formataddr((name, address), charset="utf-8"), address


def encode_subject(text: str, *, chunk_bytes: int = 39) -> str:
    """RFC 2047 encoded words of at most ``chunk_bytes`` UTF-8 bytes each, one per folded line.

    Python 3.11's header folding puts the space at a fold *between* two encoded words, where
    mail readers must ignore it ("làm việc:Rà soát"); here every space stays inside a word.
    """
    if text.isascii() and len(text) < 70:
        return text
    data = text.encode("utf-8")
    words: list[bytes] = []
    start = 0
    while start < len(data):
        end = min(start + chunk_bytes, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # never split a character's bytes
            end -= 1
        words.append(data[start:end])
        start = end
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(word).decode('ascii')}?=" for word in words)


class ReminderMessage(Message):
    """A Flask-Mail message that serialises itself directly (multipart/alternative, base64 parts).

    Python's generic MIME generator re-parses and re-folds every header under the SMTP policy and
    costs more than the rest of a reminder together; reminders have a fixed, simple shape, so it
    is written out here.  The subject keeps its spaces when folded (:func:`encode_subject`).
    """

    def __init__(self, *, subject: str, recipients: list[str], body: str = "", html: str | None = None,
                 sender: str | tuple[str, str] | None = None, extra_headers: dict[str, str] | None = None,
                 msg_id: str | None = None):
        # Not Message.__init__: it calls email.utils.make_msgid(), which looks up this host's name
        # (a resolver call) for every message; a reminder's Message-ID is made from its log id.
        self.recipients, self.subject = list(recipients), subject
        self.sender = sender or current_app.extensions["mail"].default_sender
        self.reply_to, self.cc, self.bcc, self.attachments = None, [], [], []
        self.body, self.alts, self.date, self.charset = body, {"html": html} if html else {}, None, None
        self.msgId = msg_id or f"<{uuid.uuid4().hex}@{_mail_host()}>"
        self.extra_headers, self.mail_options, self.rcpt_options = extra_headers, [], []
        self._wire: bytes | None = None  # the serialised message, once frozen

    @property
    def envelope_sender(self) -> str:
        return _from_header(self.sender)[1]

    def freeze(self) -> None:
        """Date the message and write it out now (ahead of sending, see app.reminders.composing.Precomposer)."""
        if self.date is None:
            self.date = now_utc().timestamp()
        self._wire = self._serialise()

    def as_bytes(self) -> bytes:
        return self._wire if self._wire is not None else self._serialise()

    def _serialise(self) -> bytes:
        boundary = f"=_reminder_{uuid.uuid4().hex}"
        headers = [
            ("From", _from_header(self.sender)[0]),
            ("To", ", ".join(sorted({str(r) for r in self.recipients}))),
            ("Subject", encode_subject(self.subject)),
            ("Date", formatdate(self.date, localtime=True)),
            ("Message-ID", self.msgId),
            ("MIME-Version", "1.0"),
            ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
            *(self.extra_headers or {}).items(),
        ]
        lines = [f"{key}: {value}" for key, value in headers]
        for subtype, content in (("plain", self.body or ""), ("html", self.html or "")):
            lines += ["", f"--{boundary}", f'Content-Type: text/{subtype}; charset="utf-8"',
                      "Content-Transfer-Encoding: base64", "",
                      base64.encodebytes(content.encode("utf-8")).decode("ascii").rstrip("\n")]
        lines += [f"--{boundary}--", ""]
        return "\r\n".join(lines).replace("\n", "\r\n").replace("\r\r\n", "\r\n").encode("ascii")

    def as_string(self) -> str:
        return self.as_bytes().decode("ascii")


def build_message(recipient: str, rendered: Rendered, log_ids: list[int], sender_tag: str) -> Message:
    return ReminderMessage(
        subject=rendered.subject,
        recipients=[recipient],
        body=rendered.text,
        html=rendered.html,
        msg_id=message_id(min(log_ids)),
        extra_headers={
            "X-Reminder-Ids": ",".join(str(i) for i in log_ids),
            "X-Reminder-Sender": sender_tag,
            "Auto-Submitted": "auto-generated",
            **rendered.extra_headers,
        },
    )


class TimedConnection(Connection):
    """Flask-Mail's connection, opened with a socket timeout and the settings in force now."""

    def __init__(self, timeout: float):
        config = current_app.config
        state = Mail().init_mail(config, current_app.debug, current_app.testing)
        super().__init__(state)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP | smtplib.SMTP_SSL:
        mail = self.mail
        host: smtplib.SMTP | smtplib.SMTP_SSL
        if mail.use_ssl:
            host = smtplib.SMTP_SSL(mail.server, mail.port, timeout=self.timeout)
        else:
            host = smtplib.SMTP(mail.server, mail.port, timeout=self.timeout)
        host.set_debuglevel(int(mail.debug))
        if mail.use_tls:
            host.starttls()
        if mail.username and mail.password:
            host.login(mail.username, mail.password)
        return host

    def send(self, message: Message, envelope_from: str | None = None) -> None:
        """Flask-Mail's send, minus re-parsing addresses the reminder code built itself; the
        ``email_dispatched`` signal still fires."""
        if not isinstance(message, ReminderMessage):
            return super().send(message, envelope_from)
        if message.has_bad_headers():
            raise BadHeaderError
        if message.date is None:
            message.date = now_utc().timestamp()
        if self.host is not None:
            envelope = envelope_from or getattr(message, "envelope_sender", None) or parseaddr(message.sender)[1]
            self.host.sendmail(envelope, list(message.recipients), message.as_bytes())
        email_dispatched.send(current_app._get_current_object(), message=message)
        self.num_emails += 1
        if self.mail.max_emails and self.num_emails == self.mail.max_emails:
            self.num_emails = 0
            if self.host:
                self.host.quit()
                self.host = self.configure_host()

    def reconnect(self) -> None:
        """Drop a broken connection and open a new one (raises if the server is unreachable)."""
        self.close()
        if not self.mail.suppress:
            self.host = self.configure_host()

    def close(self) -> None:
        if self.host is not None:
            try:
                self.host.close()
            except OSError:
                pass
            self.host = None

    def __exit__(self, exc_type, exc_value, tb) -> None:
        if self.host is not None:
            try:
                self.host.quit()
            except (smtplib.SMTPException, OSError):
                self.close()


def open_connection() -> TimedConnection:
    """An open SMTP connection (``with open_connection() as conn: conn.send(msg)``)."""
    return TimedConnection(float(current_app.config.get("MAIL_TIMEOUT", 10)))
