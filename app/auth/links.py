"""One-time account links: invitations (first password) and password resets.

The secret travels only in the e-mail; the database keeps an HMAC of it keyed with ``SECRET_KEY``, so
neither a copy of the database nor a guessed id yields a working link, and changing the key voids
every outstanding link. A link is good once, until it expires, and only while it is the newest of its
purpose for that person (:func:`issue_link` revokes the older ones). Using it sets the password and
ends every other session and the API token (:func:`app.auth.services.after_password_change`).

Mail is sent after the transaction that stored the link has committed (callers commit, then call
:func:`send_link`), never while holding it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.auth.services import after_password_change, find_user_by_email, set_password_checked
from app.core import audit
from app.core.clock import now_utc
from app.core.security import new_token
from app.extensions import db
from app.models import AccountLink, User

INVITE = "invite"
RESET = "reset"
#: At most one reset e-mail per person in this interval, so the form cannot flood someone's inbox.
RESET_INTERVAL = timedelta(minutes=2)


@dataclass(frozen=True)
class PendingMail:
    """A link to e-mail once the transaction that stored it has committed."""

    purpose: str
    email: str
    name: str
    secret: str
    expires_at: object


def secret_hash(secret: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def _lifetime(purpose: str) -> timedelta:
    if purpose == INVITE:
        return timedelta(hours=current_app.config["INVITATION_VALID_HOURS"])
    return timedelta(minutes=current_app.config["PASSWORD_RESET_VALID_MINUTES"])


def issue_link(actor: User | None, user: User, purpose: str) -> PendingMail:
    """Store a new link (revoking this person's earlier ones of the same purpose) and return the mail."""
    now = now_utc()
    db.session.flush()
    db.session.execute(
        sa.update(AccountLink)
        .where(AccountLink.user_id == user.id, AccountLink.purpose == purpose,
               AccountLink.used_at.is_(None), AccountLink.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    secret = new_token()
    expires = now + _lifetime(purpose)
    db.session.add(AccountLink(user_id=user.id, purpose=purpose, secret_hash=secret_hash(secret), created_at=now,
                               expires_at=expires, created_by_id=actor.id if actor is not None else None))
    audit.record(actor, INVITE if purpose == INVITE else "password_reset_requested", user, summary=user.email)
    return PendingMail(purpose, user.email, user.name, secret, expires)


def invite(actor: User | None, user: User) -> PendingMail:
    """An invitation to set one's own password (also a re-send: the previous link stops working)."""
    return issue_link(actor, user, INVITE)


def request_reset(email: str) -> PendingMail | None:
    """A reset link for an active account with that address; None otherwise (the caller answers the
    same either way, so the page does not tell who has an account)."""
    user = find_user_by_email(email or "")
    if user is None or not user.is_active:
        return None
    recent = db.session.scalar(sa.select(AccountLink.id).where(
        AccountLink.user_id == user.id, AccountLink.purpose == RESET,
        AccountLink.created_at > now_utc() - RESET_INTERVAL).limit(1))
    return None if recent is not None else issue_link(None, user, RESET)


def valid_link(secret: str) -> AccountLink | None:
    """The link behind a secret while it can still be used (unused, not revoked, not expired)."""
    if not secret or len(secret) > 128:
        return None
    link = db.session.scalar(sa.select(AccountLink).where(AccountLink.secret_hash == secret_hash(secret)))
    if link is None or link.used_at is not None or link.revoked_at is not None or link.expires_at <= now_utc():
        return None
    if not link.user.is_active:
        return None
    return link


def use_link(secret: str, password: str) -> User | None:
    """Set the password through a link, once: returns the person, or None when the link is not valid.

    The link is claimed with a conditional UPDATE, so of two simultaneous uses only one succeeds.
    Raises ValidationFailed (nothing changed) when the password breaks the policy.
    """
    link = valid_link(secret)
    if link is None:
        return None
    user = link.user
    set_password_checked(user, password)
    now = now_utc()
    claimed = db.session.execute(
        sa.update(AccountLink)
        .where(AccountLink.id == link.id, AccountLink.used_at.is_(None), AccountLink.revoked_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if not claimed:
        return None
    # Any other link still out for this person (an old invitation, a reset) is void now.
    db.session.execute(
        sa.update(AccountLink)
        .where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None), AccountLink.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    user.password_change_required = False
    after_password_change(user)
    audit.record(user, "password", user, summary=f"{user.email}: {link.purpose} link")
    return user


def link_url(secret: str) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/password/set/{secret}"


def build_message(pending: PendingMail):
    """The invitation or reset e-mail (always in Vietnamese, like the reminders)."""
    from app.core.clock import LOCAL_TZ
    from app.reminders.emails import ReminderMessage, dmy, mail_environment

    env = mail_environment()
    expires = pending.expires_at.astimezone(LOCAL_TZ)
    context = {"name": pending.name, "url": link_url(pending.secret), "email": pending.email,
               "district": current_app.config["DISTRICT_NAME"], "expires": f"{expires:%H:%M} {dmy(expires.date())}"}
    subject = env.get_template(f"emails/account/{pending.purpose}.subject.txt").render(**context).strip()
    return ReminderMessage(
        subject=subject, recipients=[pending.email],
        body=env.get_template(f"emails/account/{pending.purpose}.txt").render(**context),
        html=env.get_template(f"emails/account/{pending.purpose}.html").render(**context),
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers={"Auto-Submitted": "auto-generated", "X-Account-Link": pending.purpose},
    )


def send_link(pending: PendingMail) -> None:
    """E-mail one link through the reminders' SMTP connection (with its timeout); raises on failure."""
    from app.reminders.emails import open_connection

    with open_connection() as connection:
        connection.send(build_message(pending))


def send_all(pending: list[PendingMail]) -> list[tuple[str, str]]:
    """Send each mail over one SMTP connection (a district's import is hundreds of them); returns
    (address, error) for those that failed, which `flask users invite` re-sends."""
    from app.reminders.emails import open_connection

    failures: list[tuple[str, str]] = []
    sent: set[str] = set()
    if not pending:
        return failures
    try:
        with open_connection() as connection:
            for mail in pending:
                try:
                    connection.send(build_message(mail))
                    sent.add(mail.email)
                except Exception as error:  # noqa: BLE001 - one refused address must not stop the others
                    current_app.logger.warning("account link to %s not sent: %s", mail.email, error)
                    failures.append((mail.email, str(error) or error.__class__.__name__))
                    connection.reconnect()
    except Exception as error:  # noqa: BLE001 - the server went away: every mail not yet sent failed
        current_app.logger.warning("account links not sent: %s", error)
        done = sent | {email for email, _e in failures}
        failures += [(m.email, str(error) or error.__class__.__name__) for m in pending if m.email not in done]
    return failures
