import pytest
import sqlalchemy as sa

from app.core.enums import OrganisationKind, Role
from app.extensions import db
from app.models import AuditEvent, Organisation, User


@pytest.fixture
def admin_client(client, factories):
    admin = factories.user(Role.ADMIN)
    client.login(admin)
    client.admin = admin
    return client


def _org_form(**changes):
    data = {"code": "PNV", "name": "Phòng Nội vụ huyện", "short_name": "Phòng Nội vụ", "kind": "department",
            "parent_id": 0, "display_order": 50, "report_heading": "", "aliases": "Phòng Nội vụ",
            "contact_emails": "pnv@phunghiep.example", "is_active": "y"}
    data.update(changes)
    return data


def test_admin_creates_and_edits_an_organisation(admin_client):
    assert admin_client.post_form("/admin/organisations/new", _org_form()).status_code == 302
    org = db.session.scalar(sa.select(Organisation).where(Organisation.code == "PNV"))
    assert org.kind is OrganisationKind.DEPARTMENT and org.email_list == ["pnv@phunghiep.example"]
    assert admin_client.post_form(f"/admin/organisations/{org.id}", _org_form(display_order=7)).status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).display_order == 7
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.entity_type == "Organisation")).all()
    assert actions == ["create", "update"]


def test_duplicate_organisation_code_is_refused(admin_client, factories):
    factories.org("PNV")
    response = admin_client.post_form("/admin/organisations/new", _org_form())
    assert response.status_code == 200
    assert "đã được dùng" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation).where(Organisation.code == "PNV")) == 1


def test_admin_creates_a_user_who_is_invited_to_choose_a_password(admin_client, factories, smtp):
    """Nobody chooses another person's password: the form has no password field, the person is invited."""
    org = factories.org("HND")
    page = admin_client.get("/admin/users/new").get_data(as_text=True)
    assert 'type="password"' not in page
    ok = admin_client.post_form("/admin/users/new", {"email": "moi@phunghiep.example", "name": "Cán bộ Mới",
                                                    "role": "agency_officer", "organisation_id": org.id,
                                                    "password": "mot-mat-khau-du-dai", "is_active": "y"})
    assert ok.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "moi@phunghiep.example"))
    assert user.role is Role.AGENCY_OFFICER and user.password_hash is None  # the posted password is ignored
    [invitation] = smtp.wait_for(1)
    assert invitation.recipients == ["moi@phunghiep.example"] and "/password/set/" in invitation.text


def test_account_page_resends_the_invitation_and_sends_a_reset_link(admin_client, factories, smtp):
    person = factories.user(Role.AGENCY_OFFICER)
    page = admin_client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert "Gửi lại lời mời" in page and "Gửi liên kết đặt lại mật khẩu" in page
    assert admin_client.post_form(f"/admin/users/{person.id}/invite").status_code == 302
    assert admin_client.post_form(f"/admin/users/{person.id}/reset").status_code == 302
    invitation, reset = smtp.wait_for(2)
    assert invitation.headers["X-Account-Link"] == "invite" and reset.headers["X-Account-Link"] == "reset"
    assert reset.recipients == [person.email]
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.entity_id == person.id)).all()
    assert "password_reset_requested" in actions


def test_admin_cannot_lock_themselves_out(admin_client):
    admin = admin_client.admin
    response = admin_client.post_form(f"/admin/users/{admin.id}", {"email": admin.email, "name": admin.name,
                                                                  "role": "office", "organisation_id": admin.organisation_id,
                                                                  "is_active": "y"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, admin.id).role is Role.ADMIN


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_admins_reach_administration(client, factories, role):
    user = factories.user(role)
    client.login(user)
    for url in ("/admin/users", "/admin/organisations", "/admin/users/new", "/admin/organisations/new"):
        assert client.get(url).status_code == 403
    assert client.post_form("/admin/organisations/new", _org_form()).status_code == 403
    assert db.session.scalar(sa.select(Organisation).where(Organisation.code == "PNV")) is None


def test_office_chief_reads_the_audit_log(client, factories):
    chief = factories.user(Role.OFFICE_CHIEF)
    client.login(chief)
    page = client.get("/admin/audit")
    assert page.status_code == 200 and "login" in page.get_data(as_text=True)
