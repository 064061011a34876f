"""Delivery over SMTP: attempt → send → mark, one message at a time, with retries and back-off;
the row states it leaves are described in :mod:`app.reminders.tick`."""

from __future__ import annotations

import contextlib
import os
import smtplib
import socket
import time
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.core.db import UTCDateTime
from app.core.enums import ReminderState
from app.extensions import db
from app.models import ReminderLog
from app.reminders import emails
from app.reminders.composing import Composer, Precomposer
from app.reminders.outbox import Row, drop_unwanted, group_for_sending, sendable_rows
from app.reminders.policy import ReminderPolicy
from app.reminders.recipients import Directory
from app.reminders.summary import ReminderLine, TickResult
from app.reminders.workdays import WorkingCalendar


def sender_tag() -> str:
    """host:pid of this process, put in every message (shows which scheduler sent it)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def deliver_pending(today: date, now: datetime, policy: ReminderPolicy, calendar: WorkingCalendar,
                    directory: Directory, result: TickResult, *, fresh_ids: set[int] = frozenset()) -> None:
    """Send every queued reminder and every failed one whose retry time has come, over one SMTP
    connection.  Commits around each message (see :mod:`app.reminders.tick`)."""
    rows = sendable_rows(now)
    if not rows:
        return
    older, result.skipped = drop_unwanted([r for r in rows if r.id not in fresh_ids])
    rows = sorted([r for r in rows if r.id in fresh_ids] + older, key=lambda r: r.id)
    result.retried = sum(1 for r in rows if r.state is ReminderState.FAILED)
    groups = group_for_sending(rows, directory)
    composer = Composer(today, calendar, directory, policy, now)
    composer.prepare(groups)
    db.session.commit()  # no transaction may stay open while we wait on the mail server
    if groups:
        started = time.perf_counter()
        _SendLoop(now, policy, result).run(groups, composer)
        result.send_ms = (time.perf_counter() - started) * 1000


def _id_list(name: str):
    """``id IN (…)`` for a list parameter (expanding: one ``id = ?`` for one id, so the primary key
    is used; an ``= ANY(array)`` form measured slower on PostgreSQL)."""
    return ReminderLog.__table__.c.id.in_(sa.bindparam(name, expanding=True))


def _send_statements():
    """The per-message statements, built once (their compiled form is then cached)."""
    log = ReminderLog.__table__
    sendable = sa.or_(sa.and_(log.c.state == ReminderState.CLAIMED, log.c.next_attempt_at.is_(None)),
                      sa.and_(log.c.state == ReminderState.FAILED,
                              log.c.next_attempt_at <= sa.bindparam("tick_now", type_=UTCDateTime())))
    def start_statement(was_sent, starting):
        """One statement marks the previous message sent and the next one in flight (one round trip)."""
        return (sa.update(log)
                .where(sa.or_(sa.and_(was_sent, log.c.state == ReminderState.CLAIMED), sa.and_(starting, sendable)))
                .values(state=sa.case((was_sent, sa.literal(ReminderState.SENT.value)),
                                      else_=sa.literal(ReminderState.CLAIMED.value)),
                        sent_at=sa.case((was_sent, sa.bindparam("sent_at_", type_=UTCDateTime())), else_=log.c.sent_at),
                        last_error=sa.case((was_sent, sa.null()), else_=log.c.last_error),
                        attempts=sa.case((was_sent, log.c.attempts), else_=log.c.attempts + 1),
                        next_attempt_at=sa.case((was_sent, log.c.next_attempt_at),
                                                else_=sa.bindparam("attempt_at", type_=UTCDateTime())))
                .returning(log.c.id))

    start = start_statement(_id_list("sent_ids"), _id_list("ids"))
    # The usual case (one reminder per message) without list parameters to expand on every call.
    start_one = start_statement(log.c.id == sa.bindparam("sent_id", type_=sa.Integer),
                                log.c.id == sa.bindparam("one_id", type_=sa.Integer))
    sent = (sa.update(log).where(_id_list("ids"), log.c.state == ReminderState.CLAIMED)
            .values(state=ReminderState.SENT, sent_at=sa.bindparam("sent_at_", type_=UTCDateTime()), last_error=None))
    failed = (sa.update(log).where(log.c.id == sa.bindparam("row_id"), log.c.state == ReminderState.CLAIMED)
              .values(state=ReminderState.FAILED, last_error=sa.bindparam("error"),
                      next_attempt_at=sa.bindparam("retry_at", type_=UTCDateTime())))
    not_reached = (sa.update(log).where(log.c.id == sa.bindparam("row_id"), sendable)
                   .values(state=ReminderState.FAILED, attempts=log.c.attempts + 1, last_error=sa.bindparam("error"),
                           next_attempt_at=sa.bindparam("retry_at", type_=UTCDateTime())))
    return start, start_one, sent, failed, not_reached


class _SendLoop:
    """Attempt → send → mark, one message at a time, on a database connection of its own.

    Each message's "attempt started" is committed before it goes to the server; its outcome is
    written in the same commit as the next message's start (and at the end), so a process killed
    at any instant leaves at most one message whose fate is unknown.
    """

    def __init__(self, now: datetime, policy: ReminderPolicy, result: TickResult):
        self.now, self.policy, self.result = now, policy, result
        self.clock_start = time.perf_counter()
        self.pending_sent: list[int] = []
        self.pending_failed: list[dict] = []
        self.pending_not_reached: list[dict] = []
        self.tag = sender_tag()
        self.start_stmt, self.start_one_stmt, self.sent_stmt, self.failed_stmt, self.not_reached_stmt = _send_statements()
        self.conn: sa.Connection | None = None

    def at(self) -> datetime:
        return self.now + timedelta(seconds=time.perf_counter() - self.clock_start)

    def run(self, groups: list[list[Row]], composer: Composer) -> None:
        self.conn = db.engine.connect()
        # Each mark is a single statement, atomic on its own: on PostgreSQL autocommit saves the
        # BEGIN and COMMIT round trips.  (SQLite keeps explicit transactions: its BEGIN IMMEDIATE
        # is what queues writers, see app.core.database.)
        if self.conn.dialect.name == "postgresql":
            self.conn = self.conn.execution_options(isolation_level="AUTOCOMMIT")
        try:
            self._run(groups, composer)
        finally:
            with self._transaction():
                self._flush_marks()
            self.conn.close()

    def _transaction(self):
        return contextlib.nullcontext() if self.conn.dialect.name == "postgresql" else self.conn.begin()

    def _run(self, groups: list[list[Row]], composer: Composer) -> None:
        try:
            connection = emails.open_connection().__enter__()
        except (OSError, smtplib.SMTPException) as error:
            for group in groups:
                self._fail(group, f"{type(error).__name__}: {error}", reached=False)
            return
        ahead = Precomposer(composer, groups, self.tag)
        try:
            for index, group in enumerate(groups):
                got = self._start_attempt(group)
                if not got:
                    continue
                rows = [r for r in group if r.id in got]
                # Composed ahead while this loop waited, unless another tick took part of the group.
                message = ahead.take(index) if len(rows) == len(group) else composer.message(rows, self.tag)
                if message is None:  # its task vanished meanwhile: nothing to say
                    self._fail(rows, "task missing", permanent=True)
                    continue
                try:
                    connection.send(message)
                except smtplib.SMTPRecipientsRefused as error:
                    code = min((c for c, _m in error.recipients.values()), default=550)
                    self._fail(rows, f"{code} {error.recipients}", permanent=code >= 500)
                except smtplib.SMTPResponseException as error:
                    self._fail(rows, f"{error.smtp_code} {error.smtp_error!r}", permanent=error.smtp_code >= 500)
                except (OSError, smtplib.SMTPException) as error:
                    self._fail(rows, f"{type(error).__name__}: {error}")
                    if not self._reconnect(connection, groups[index + 1:]):
                        break
                else:
                    self.pending_sent.extend(r.id for r in rows)
                    for row in rows:
                        self.result.lines.append(ReminderLine("sent", row.kind, row.task_id, row.email, row.due_date, message.subject))
        finally:
            ahead.close()
            connection.__exit__(None, None, None)

    def _reconnect(self, connection, remaining: list[list[Row]]) -> bool:
        try:
            connection.reconnect()
            return True
        except (OSError, smtplib.SMTPException) as error:
            for group in remaining:
                self._fail(group, f"{type(error).__name__}: {error}", reached=False)
            return False

    def _flush_marks(self) -> None:
        if self.pending_sent:
            self.conn.execute(self.sent_stmt, {"ids": self.pending_sent, "sent_at_": self.at()})
            self.pending_sent = []
        for params in self.pending_failed:
            self.conn.execute(self.failed_stmt, params)
        for params in self.pending_not_reached:
            self.conn.execute(self.not_reached_stmt, {**params, "tick_now": self.now})
        self.pending_failed, self.pending_not_reached = [], []

    def _start_attempt(self, group: list[Row]) -> set[int]:
        """Mark the rows in flight and commit (with the previous message's outcome); returns the
        ids this process got (another tick may have taken some)."""
        sent, self.pending_sent = self.pending_sent, []
        at = self.at()
        common = {"sent_at_": at, "tick_now": self.now, "attempt_at": at}
        with self._transaction():
            self._flush_marks()
            if len(group) == 1 and len(sent) <= 1:
                stmt, params = self.start_one_stmt, {"one_id": group[0].id, "sent_id": sent[0] if sent else None}
            else:
                stmt, params = self.start_stmt, {"ids": [r.id for r in group], "sent_ids": sent}
            touched = set(self.conn.execute(stmt, {**params, **common}).scalars())
        return touched - set(sent)

    def _fail(self, rows: list[Row], error: str, *, permanent: bool = False, reached: bool = True) -> None:
        """Note rows failed, with the next retry time (none when permanent or past the give-up age).
        ``reached=False``: the server was never reached, so the rows are still queued/due and the
        try is counted here."""
        at = self.at()
        give_up_before = at - timedelta(hours=self.policy.retry_give_up_hours)
        for row in rows:
            attempts = row.attempts + 1
            too_old = row.claimed_at <= give_up_before
            retry_at = None if permanent or too_old else at + timedelta(minutes=self.policy.backoff_minutes(attempts))
            params = {"row_id": row.id, "error": error[:2000], "retry_at": retry_at}
            (self.pending_failed if reached else self.pending_not_reached).append(params)
            self.result.lines.append(ReminderLine("failed", row.kind, row.task_id, row.email, row.due_date, row.subject, error[:200]))


def mail_settings_summary() -> str:
    config = current_app.config
    return f"{config.get('MAIL_SERVER')}:{config.get('MAIL_PORT')} (timeout {config.get('MAIL_TIMEOUT')} s)"
