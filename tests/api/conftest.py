"""API test helpers: a client that sends a bearer token, and a small district to call it on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from app.auth.services import issue_api_token
from app.core.enums import OrganisationKind, Role, TaskStatus
from app.extensions import db


class ApiClient:
    """Calls /api/v1 as one user (or with no token at all)."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def open(self, method: str, path: str, *, json=None, headers: dict | None = None, **kwargs):
        sent = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        sent.update(headers or {})
        return self.client.open(f"/api/v1{path}", method=method, json=json, headers=sent, **kwargs)

    def get(self, path: str, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path: str, json=None, **kwargs):
        return self.open("POST", path, json=json, **kwargs)

    def patch(self, path: str, json=None, **kwargs):
        return self.open("PATCH", path, json=json, **kwargs)


def token_for(user) -> str:
    token = issue_api_token(user)
    db.session.commit()
    return token


@pytest.fixture
def api_as(make_client):
    """``api_as(user)``: a client with a fresh token of ``user``; ``api_as(None)``: no token."""

    def factory(user=None) -> ApiClient:
        return ApiClient(make_client(), token_for(user) if user is not None else None)

    return factory


@dataclass
class District:
    office_org: object
    btg: object
    mttq: object
    office: object
    chief: object
    committee: object
    btg_officer: object
    mttq_officer: object
    meeting: object
    directive: object
    btg_task: object
    mttq_task: object
    shared_task: object


@pytest.fixture
def district(factories) -> District:
    """Office, two agencies and a conclusion with one task each plus one BTG leads and MTTQ coordinates."""
    office_org = factories.org("VP", name="Văn phòng Huyện ủy", order=10)
    btg = factories.org("BTG", name="Ban Tuyên giáo Huyện ủy", order=20)
    mttq = factories.org("MTTQ", name="Ủy ban MTTQ Việt Nam huyện", kind=OrganisationKind.FRONT, order=30)
    meeting = factories.meeting(held_on=date(2024, 3, 14))
    directive = factories.directive(meeting=meeting, number="198", issued_on=date(2024, 3, 18))
    return District(
        office_org=office_org, btg=btg, mttq=mttq,
        office=factories.user(Role.OFFICE, office_org),
        chief=factories.user(Role.OFFICE_CHIEF, office_org),
        committee=factories.user(Role.COMMITTEE, office_org),
        btg_officer=factories.user(Role.AGENCY_OFFICER, btg),
        mttq_officer=factories.user(Role.AGENCY_OFFICER, mttq),
        meeting=meeting, directive=directive,
        btg_task=factories.task(btg, directive_=directive, due=date(2024, 6, 30), title="Quán triệt Đề án 09-ĐA/TU"),
        mttq_task=factories.task(mttq, directive_=directive, due=date(2024, 5, 31), status=TaskStatus.IN_PROGRESS,
                                 title="Vận động Quỹ Vì người nghèo"),
        shared_task=factories.task(btg, directive_=directive, due=date(2024, 9, 30), coordinators=[mttq],
                                   title="Tuyên truyền Đại hội"),
    )
