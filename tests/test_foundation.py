"""Issue 2 acceptance: demo district, role home pages, cross-agency isolation, audit, CLI, config."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.core.enums import OrganisationKind, Role, TaskStatus
from app.demo import catalog
from app.demo.seed import seed_demo_district
from app.extensions import db
from app.models import AuditEvent, ContentItem, Directive, Meeting, Organisation, Task, User


@pytest.fixture
def demo():
    seed_demo_district()
    db.session.commit()


def test_seed_demo_is_idempotent(demo):
    counts = lambda: [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Organisation, User, Meeting, Directive, Task, ContentItem)]  # noqa: E731
    before = counts()
    seed_demo_district()
    db.session.commit()
    assert counts() == before


def test_demo_district_content(demo):
    agencies = db.session.scalars(sa.select(Organisation).where(Organisation.report_heading.is_not(None))
                                  .order_by(Organisation.display_order)).all()
    assert [a.code for a in agencies] == ["BTG", "BTC", "UBKT", "BDV", "TTCT", "VP", "MTTQ", "LĐLĐ", "CCB", "HND",
                                          "HLHPN", "HĐ", "CTĐ"]
    communes = db.session.scalars(sa.select(Organisation).where(Organisation.kind == OrganisationKind.COMMUNE)).all()
    assert len(communes) == 15
    q1 = db.session.scalar(sa.select(Directive).where(Directive.number == "198"))
    tasks = db.session.scalars(sa.select(Task).where(Task.directive_id == q1.id)).all()
    items = [item for task in tasks for item in task.items]
    assert (len(tasks), len(items)) == (9, 11)
    assert sum(item.status is TaskStatus.COMPLETED for item in items) == 10
    unfinished = [item.text for item in items if item.status is not TaskStatus.COMPLETED]
    assert unfinished == [catalog.TAN_BINH_ITEM_TEXT]
    roles = {u.role for u in db.session.scalars(sa.select(User))}
    assert roles == set(Role)


@pytest.mark.parametrize("role, marker", [
    ("admin", "Quản trị hệ thống"),
    ("committee", "Tình hình thực hiện kết luận"),
    ("office", "Theo dõi, đôn đốc"),
    ("office_chief", "Chờ xác nhận hoàn thành"),
    ("agency_head", "Ban Tuyên giáo Huyện ủy"),
    ("agency_officer", "Ban Tuyên giáo Huyện ủy"),
])
def test_each_demo_role_sees_its_home_page(demo, client, role, marker):
    account = next(u for u in catalog.DEMO_USERS if u["role"] == role)
    assert client.login(account["email"], catalog.DEMO_PASSWORD).status_code == 302
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert marker in html
    assert account["name"] in html
    counts = re.search(r'data-testid="overdue-count">(\d+)<', html)
    assert counts is not None


def _btg_task() -> Task:
    return db.session.scalar(sa.select(Task).join(Organisation, Task.lead_org_id == Organisation.id)
                             .where(Organisation.code == "BTG").order_by(Task.id))


def test_agency_officer_cannot_read_or_change_another_agencys_task(demo, client):
    mttq_officer = next(u for u in catalog.DEMO_USERS if u["org_code"] == "MTTQ")
    task = _btg_task()
    before = (task.title, task.version_id, task.status)
    client.login(mttq_officer["email"], catalog.DEMO_PASSWORD)
    assert client.get(f"/tasks/{task.id}").status_code == 404
    assert client.get(f"/tasks/{task.id}/edit").status_code == 403
    response = client.post_form(f"/tasks/{task.id}/edit", {"title": "Đổi trái phép", "version": task.version_id,
                                                          "lead_org_id": task.lead_org_id, "kind": "one_off"})
    assert response.status_code == 403
    listing = client.get("/tasks/").get_data(as_text=True)
    assert f'data-task-id="{task.id}"' not in listing
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert (task.title, task.version_id, task.status) == before


def test_agency_officer_sees_own_task(demo, client):
    btg_officer = next(u for u in catalog.DEMO_USERS if u["role"] == "agency_officer" and u["org_code"] == "BTG")
    task = _btg_task()
    client.login(btg_officer["email"], catalog.DEMO_PASSWORD)
    assert client.get(f"/tasks/{task.id}").status_code == 200
    assert f'data-task-id="{task.id}"' in client.get("/tasks/").get_data(as_text=True)


def _edit_payload(task: Task, **changes) -> dict:
    data = {"title": task.title, "description": task.description, "lead_org_id": task.lead_org_id,
            "due_phrase": task.due_phrase or "", "due_date": task.due_date.isoformat() if task.due_date else "",
            "kind": task.kind.value, "version": task.version_id}
    data.update(changes)
    return data


def test_office_edit_is_audited_with_before_and_after(demo, client):
    office = next(u for u in catalog.DEMO_USERS if u["role"] == "office")
    task = _btg_task()
    client.login(office["email"], catalog.DEMO_PASSWORD)
    response = client.post_form(f"/tasks/{task.id}/edit", _edit_payload(task, due_date="2024-07-15"))
    assert response.status_code == 302
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.task_id == task.id, AuditEvent.action == "update"))
    assert '"due_date": "2024-06-30"' in event.before and '"due_date": "2024-07-15"' in event.after
    assert "2024" in client.get(f"/tasks/{task.id}").get_data(as_text=True)


def test_stale_edit_is_refused_as_a_conflict(demo, client, make_client):
    office = next(u for u in catalog.DEMO_USERS if u["role"] == "office")
    chief = next(u for u in catalog.DEMO_USERS if u["role"] == "office_chief")
    task = _btg_task()
    stale = _edit_payload(task, title="Bản sửa thứ hai")
    client.login(office["email"], catalog.DEMO_PASSWORD)
    assert client.post_form(f"/tasks/{task.id}/edit", _edit_payload(task, title="Bản sửa thứ nhất")).status_code == 302
    other = make_client()
    other.login(chief["email"], catalog.DEMO_PASSWORD)
    response = other.post_form(f"/tasks/{task.id}/edit", stale)
    assert response.status_code == 409
    assert "người khác" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Task, task.id).title == "Bản sửa thứ nhất"


def test_a_missing_or_forged_version_is_refused_and_nothing_saved(demo, client):
    """Found by fuzzing: a version field that is not a number ("0.008", "²") made a server error."""
    office = next(u for u in catalog.DEMO_USERS if u["role"] == "office")
    task = _btg_task()
    client.login(office["email"], catalog.DEMO_PASSWORD)
    for version in ("0.008", "1047-09-29", "²", "", "9" * 40):
        response = client.post_form(f"/tasks/{task.id}/edit", _edit_payload(task, title="Đổi", version=version))
        assert response.status_code == 422, version
        assert "phiên bản" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Task, task.id).title != "Đổi"


def test_users_create_and_token_commands(demo, runner):
    result = runner.invoke(args=["users", "create", "moi@phunghiep.example", "--name", "Cán bộ Mới", "--role",
                                 "agency_officer", "--org", "HND", "--password-stdin"], input="mot-mat-khau-dai-du\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "moi@phunghiep.example"))
    assert user.organisation.code == "HND" and user.role is Role.AGENCY_OFFICER
    token = runner.invoke(args=["users", "token", "moi@phunghiep.example"])
    assert token.exit_code == 0
    lines = token.output.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) >= 40
    from app.auth.services import user_for_api_token

    assert user_for_api_token(lines[0]).id == user.id


@pytest.mark.parametrize("args, message", [
    (["users", "create", "x@phunghiep.example", "--name", "X", "--role", "wizard", "--org", "HND"], "Vai trò không hợp lệ"),
    (["users", "create", "x@phunghiep.example", "--name", "X", "--role", "office", "--org", "NOPE"], "Không có tổ chức"),
])
def test_users_create_refuses_bad_input(demo, runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(sa.select(User).where(User.email == "x@phunghiep.example")) is None


def test_production_config_refuses_to_start_without_secrets(monkeypatch):
    from app import create_app
    from config import ProductionConfig

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_health_check_is_public(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_english_locale_switch(demo, client):
    office = next(u for u in catalog.DEMO_USERS if u["role"] == "office")
    client.login(office["email"], catalog.DEMO_PASSWORD)
    client.post_form("/lang/en")
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
