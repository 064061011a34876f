"""Who receives reminders: the directory of accounts and agency mailboxes, loaded once per tick,
and the rule of which audience goes to whom."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.core.enums import Role
from app.extensions import db
from app.models import Organisation, User
from app.reminders.rules import Audience


@dataclass(frozen=True, slots=True)
class Person:
    """A recipient: a user account, or an organisation's contact mailbox (``user_id`` None)."""

    user_id: int | None
    email: str
    name: str
    daily: bool = False


@dataclass
class Directory:
    """Who receives what, loaded once per tick (a few hundred accounts at most)."""

    officers: dict[int, list[Person]] = field(default_factory=lambda: defaultdict(list))
    heads: dict[int, list[Person]] = field(default_factory=lambda: defaultdict(list))
    contacts: dict[int, list[Person]] = field(default_factory=lambda: defaultdict(list))
    chiefs: list[Person] = field(default_factory=list)
    committee: list[Person] = field(default_factory=list)
    org_names: dict[int, str] = field(default_factory=dict)
    by_email: dict[str, Person] = field(default_factory=dict)

    def people(self, audience: Audience, org_id: int) -> list[Person]:
        """Agency reminders go to its officers (else its head, else its mailbox); escalations to the
        agency head (else its mailbox), the office chiefs, or the standing committee members."""
        if audience is Audience.AGENCY:
            return self.officers.get(org_id) or self.heads.get(org_id) or self.contacts.get(org_id) or []
        if audience is Audience.HEAD:
            return self.heads.get(org_id) or self.contacts.get(org_id) or []
        if audience is Audience.CHIEF:
            return self.chiefs
        return self.committee

    def digest_people(self, org_id: int) -> list[Person]:
        """An agency's weekly digest: its officers and head, and its contact addresses."""
        seen: dict[str, Person] = {}
        for person in [*self.officers.get(org_id, ()), *self.heads.get(org_id, ()), *self.contacts.get(org_id, ())]:
            seen.setdefault(person.email, person)
        return list(seen.values())


def load_directory() -> Directory:
    directory = Directory()
    for org_id, name, contact_emails in db.session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.contact_emails)
    ):
        directory.org_names[org_id] = name
        for line in (contact_emails or "").splitlines():
            email = line.strip().lower()
            if email and "@" in email:
                directory.contacts[org_id].append(Person(None, email, name))
    users = db.session.execute(
        sa.select(User.id, User.email, User.name, User.role, User.organisation_id, User.notification_mode)
        .where(User.is_active_account.is_(True))
        .order_by(User.id)
    )
    for user_id, email, name, role, org_id, mode in users:
        person = Person(user_id, email.strip().lower(), name, mode == "daily")
        directory.by_email[person.email] = person
        if role is Role.AGENCY_OFFICER:
            directory.officers[org_id].append(person)
        elif role is Role.AGENCY_HEAD:
            directory.heads[org_id].append(person)
        elif role is Role.OFFICE_CHIEF:
            directory.chiefs.append(person)
        elif role is Role.COMMITTEE:
            directory.committee.append(person)
    return directory
