"""Reminder test fixtures: a real SMTP server (aiosmtpd) on 127.0.0.1, and a small district.

The app fixture is session-scoped, so the SMTP fixture points its MAIL_* settings at the server
for one test and puts them back afterwards.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dtime
from email import message_from_bytes
from email import policy as email_policy

import pytest
from aiosmtpd.controller import Controller

from app.core.clock import LOCAL_TZ
from app.core.enums import OrganisationKind, Role
from tests.plugins.net import free_port


@dataclass
class Received:
    """One message as the server got it."""

    sender: str
    recipients: list[str]
    subject: str
    text: str
    html: str
    headers: dict

    @property
    def ids(self) -> list[int]:
        return [int(i) for i in self.headers.get("X-Reminder-Ids", "").split(",") if i]


class RecordingHandler:
    """Stores every message; can be told to answer 451 (temporary failure) or to stall."""

    def __init__(self):
        self.messages: list[Received] = []
        self.lock = threading.Lock()
        self.fail_codes: dict[str, str] = {}   # recipient → SMTP reply for DATA
        self.delay = 0.0
        self.hang = threading.Event()
        #: Cleared, the server holds every message before accepting it until the test sets it again.
        self.gate = threading.Event()
        self.gate.set()

    async def handle_DATA(self, server, session, envelope):
        if not self.gate.is_set():
            await asyncio.get_running_loop().run_in_executor(None, self.gate.wait)
        if self.hang.is_set():
            await asyncio.sleep(30)
        if self.delay:
            await asyncio.sleep(self.delay)
        for rcpt in envelope.rcpt_tos:
            if rcpt in self.fail_codes:
                return self.fail_codes[rcpt]
        parsed = message_from_bytes(envelope.content, policy=email_policy.default)
        text = html = ""
        for part in parsed.walk():
            if part.get_content_type() == "text/plain":
                text = part.get_content()
            elif part.get_content_type() == "text/html":
                html = part.get_content()
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), str(parsed["Subject"]), text, html,
                                          {k: str(v) for k, v in parsed.items()}))
        return "250 OK"


@dataclass
class SmtpServer:
    handler: RecordingHandler
    port: int
    controller: Controller | None = None
    extra: dict = field(default_factory=dict)

    def start(self) -> None:
        if self.controller is None:
            self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
            self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    def clear(self) -> None:
        with self.handler.lock:
            self.handler.messages.clear()

    def to(self, email: str) -> list[Received]:
        return [m for m in self.messages if email in m.recipients]

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.02)
        return self.messages


@pytest.fixture
def smtp(app):
    """A real SMTP server; the app sends to it for the duration of the test."""
    server = SmtpServer(RecordingHandler(), free_port())
    server.start()
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_SUPPRESS_SEND", "MAIL_TIMEOUT", "MAIL_USE_TLS", "MAIL_USE_SSL")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_SUPPRESS_SEND=False, MAIL_TIMEOUT=5,
                      MAIL_USE_TLS=False, MAIL_USE_SSL=False)
    try:
        yield server
    finally:
        server.stop()
        app.config.update(saved)


def at(day: date, hour: int = 8) -> datetime:
    """The UTC instant of a local (Vietnam) hour on a day."""
    return datetime.combine(day, dtime(hour), LOCAL_TZ).astimezone(UTC)


@dataclass
class District:
    """A lead agency with an officer and a head, a second agency, the office chief and a committee member."""

    agency: object
    officer: object
    head: object
    other: object
    other_officer: object
    chief: object
    committee: object
    office: object


@pytest.fixture
def district(factories) -> District:
    office_org = factories.org("VP", name="Văn phòng Huyện ủy", kind=OrganisationKind.ADVISORY, order=5)
    committee_org = factories.org("TTHU", name="Thường trực Huyện ủy", kind=OrganisationKind.COMMITTEE, order=1)
    agency = factories.org("BTG", name="Ban Tuyên giáo Huyện ủy", contact_emails="btg@phunghiep.example", order=10)
    other = factories.org("MTTQ", name="Ủy ban MTTQ huyện", order=20)
    return District(
        agency=agency,
        officer=factories.user(Role.AGENCY_OFFICER, agency, email="canbo.btg@phunghiep.example", name="Nguyễn Văn An"),
        head=factories.user(Role.AGENCY_HEAD, agency, email="truongban.btg@phunghiep.example", name="Trần Thị Bình"),
        other=other,
        other_officer=factories.user(Role.AGENCY_OFFICER, other, email="canbo.mttq@phunghiep.example", name="Lê Văn Cường"),
        chief=factories.user(Role.OFFICE_CHIEF, office_org, email="chanhvp@phunghiep.example", name="Phạm Văn Dũng"),
        committee=factories.user(Role.COMMITTEE, committee_org, email="thuongtruc@phunghiep.example", name="Võ Thị Em"),
        office=factories.user(Role.OFFICE, office_org, email="chuyenvien@phunghiep.example", name="Đỗ Văn Giang"),
    )


def set_policy(**changes):
    """Store a policy (defaults plus ``changes``) as the admin would."""
    from app.extensions import db
    from app.reminders.policy import DEFAULT_POLICY, save_policy

    policy = save_policy(None, {**DEFAULT_POLICY.to_dict(), **changes})
    db.session.commit()
    return policy


def no_digests():
    return set_policy(agency_digest_weekday=None, chief_digest_weekday=None)


def tick(day: date, hour: int = 8, minute: int = 0, **kwargs):
    """One tick as the scheduler would run it at a local time on ``day``."""
    from app.core.database import write_intent
    from app.reminders.tick import run_tick

    now = datetime.combine(day, dtime(hour, minute), LOCAL_TZ).astimezone(UTC)
    with write_intent():
        return run_tick(day, now=now, **kwargs)


def sent_pairs(server) -> set[tuple[str, str]]:
    return {(m.recipients[0], m.subject) for m in server.messages}
