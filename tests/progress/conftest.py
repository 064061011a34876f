"""Shared set-up for the progress tests: a lead agency, a coordinating agency, an unrelated agency,
one user per role, and a task led by the first with the second coordinating."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from app.core.clock import today_local
from app.core.enums import Role
from app.models import Organisation, Task, User


@dataclass
class World:
    lead: Organisation
    coord: Organisation
    other: Organisation
    office_org: Organisation
    officer: User
    head: User
    coord_officer: User
    other_officer: User
    office: User
    chief: User
    committee: User
    admin: User
    task: Task

    def user(self, key: str) -> User:
        return getattr(self, key)


@pytest.fixture
def world(factories) -> World:
    lead = factories.org("LEAD", name="Ban Tuyên giáo Huyện ủy")
    coord = factories.org("COORD", name="Ban Tổ chức Huyện ủy")
    other = factories.org("OTHER", name="Ủy ban Kiểm tra Huyện ủy")
    office_org = factories.org("VP", name="Văn phòng Huyện ủy")
    committee_org = factories.org("TT", name="Thường trực Huyện ủy")
    task = factories.task(lead, coordinators=[coord], due=today_local() + timedelta(days=30),
                          title="Tổ chức học tập, quán triệt Nghị quyết")
    return World(
        lead=lead, coord=coord, other=other, office_org=office_org,
        officer=factories.user(Role.AGENCY_OFFICER, lead, name="Cán bộ chủ trì"),
        head=factories.user(Role.AGENCY_HEAD, lead, name="Trưởng ban chủ trì"),
        coord_officer=factories.user(Role.AGENCY_OFFICER, coord, name="Cán bộ phối hợp"),
        other_officer=factories.user(Role.AGENCY_OFFICER, other, name="Cán bộ cơ quan khác"),
        office=factories.user(Role.OFFICE, office_org, name="Chuyên viên Văn phòng"),
        chief=factories.user(Role.OFFICE_CHIEF, office_org, name="Chánh Văn phòng"),
        committee=factories.user(Role.COMMITTEE, committee_org, name="Phó Bí thư Thường trực"),
        admin=factories.user(Role.ADMIN, office_org, name="Quản trị"),
        task=task,
    )


