"""Data factories: small functions that build valid objects, commit them, and return them."""

from __future__ import annotations

import itertools
from datetime import date

from app.core.enums import DirectiveStatus, MeetingKind, OrganisationKind, Role, TaskKind, TaskStatus
from app.core.security import hash_password
from app.extensions import db
from app.models import ContentItem, Directive, Meeting, Organisation, Task, User
from tests.conftest import PASSWORD

_seq = itertools.count(1)


def _save(obj):
    db.session.add(obj)
    db.session.commit()
    return obj


def org(code: str | None = None, *, name: str | None = None, kind=OrganisationKind.ADVISORY, order: int = 100, **kw) -> Organisation:
    n = next(_seq)
    code = code or f"ORG{n}"
    return _save(Organisation(code=code, name=name or f"Cơ quan {code}", kind=kind, display_order=order, **kw))


def user(role: Role | str = Role.AGENCY_OFFICER, organisation: Organisation | None = None, *, email: str | None = None,
         name: str | None = None, password: str = PASSWORD, **kw) -> User:
    n = next(_seq)
    organisation = organisation or org()
    return _save(User(email=email or f"user{n}@test.phunghiep.example", name=name or f"Người dùng {n}", role=Role.coerce(role),
                      organisation=organisation, password_hash=hash_password(password), **kw))


def meeting(*, held_on: date = date(2024, 3, 14), label: str = "quý I/2024", **kw) -> Meeting:
    return _save(Meeting(kind=kw.pop("kind", MeetingKind.PERIODIC), period_label=label, year=held_on.year,
                         quarter=(held_on.month - 1) // 3 + 1, held_on=held_on, chair="Thường trực Huyện ủy", **kw))


def directive(*, meeting: Meeting | None = None, number: str | None = None, issued_on: date = date(2024, 3, 18),
              title: str = "Thông báo kết luận", **kw) -> Directive:
    n = next(_seq)
    return _save(Directive(doc_type=kw.pop("doc_type", "TB"), number=number or f"{n:02d}", issuer_suffix=kw.pop("issuer_suffix", "HU"),
                           issued_on=issued_on, title=title, meeting=meeting, status=kw.pop("status", DirectiveStatus.ISSUED), **kw))


def task(lead: Organisation, *, directive_=None, due: date | None = date(2024, 6, 30), status=TaskStatus.NOT_STARTED,
         coordinators=(), items=(), kind=TaskKind.ONE_OFF, title: str | None = None, **kw) -> Task:
    n = next(_seq)
    directive_ = directive_ or directive()
    t = Task(directive=directive_, ordinal=kw.pop("ordinal", n), title=title or f"Nhiệm vụ {n}", lead_org=lead, due_date=due,
             original_due_date=due, due_phrase=kw.pop("due_phrase", "trong quý II/2024" if due else None), status=status,
             kind=kind, **kw)
    t.coordinators = list(coordinators)
    for i, (text, item_lead) in enumerate(items, start=1):
        t.items.append(ContentItem(ordinal=i, text=text, lead_org=item_lead))
    return _save(t)
