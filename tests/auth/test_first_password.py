"""Nobody keeps a password someone else chose: `flask users create` invites by default; with
--password-stdin the person must choose their own at the first login (web) and the API refuses
them (403) until then; --own-account is the administrator's own account and skips that."""

from __future__ import annotations

import pytest

from app.auth.services import find_user_by_email, issue_api_token
from app.extensions import db

GIVEN = "mat-khau-quan-tri-cap"
OWN = "mat-khau-cua-rieng-toi"


def create(runner, email: str, *extra: str, stdin: str | None = None):
    return runner.invoke(args=["users", "create", email, "--name", "Cán bộ Mới", "--role", "agency_officer",
                               "--org", "HND", *extra], input=stdin)


@pytest.fixture
def hnd(factories):
    return factories.org("HND")


def test_create_invites_by_default(runner, hnd, smtp):
    result = create(runner, "moi@phunghiep.example")
    assert result.exit_code == 0, result.output
    assert "invitation sent to moi@phunghiep.example" in result.output
    user = find_user_by_email("moi@phunghiep.example")
    assert user.password_hash is None and not user.password_change_required
    [mail] = smtp.wait_for(1)
    assert mail.headers["X-Account-Link"] == "invite"


def test_a_given_password_must_be_replaced_at_the_first_login(runner, hnd, client, make_client):
    result = create(runner, "moi@phunghiep.example", "--password-stdin", stdin=GIVEN + "\n")
    assert result.exit_code == 0, result.output
    user = find_user_by_email("moi@phunghiep.example")
    assert user.password_change_required

    login = client.login("moi@phunghiep.example", GIVEN)
    assert login.status_code == 302
    for url in ("/", "/profile", "/tasks/"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/password/change"), url
    page = client.get("/password/change")
    assert page.status_code == 200 and "Đặt mật khẩu của riêng bạn" in page.get_data(as_text=True)

    csrf = client.csrf_token("/password/change")
    same = client.post_form("/password/change", {"current_password": GIVEN, "new_password": GIVEN, "confirm": GIVEN,
                                                 "csrf_token": csrf})
    assert same.status_code == 200 and "phải khác" in same.get_data(as_text=True)
    done = client.post_form("/password/change", {"current_password": GIVEN, "new_password": OWN, "confirm": OWN,
                                                 "csrf_token": csrf})
    assert done.status_code == 302
    assert client.get("/").status_code == 200
    db.session.expire_all()
    assert not find_user_by_email("moi@phunghiep.example").password_change_required
    assert make_client().login("moi@phunghiep.example", GIVEN).status_code == 200  # refused now
    assert make_client().login("moi@phunghiep.example", OWN).status_code == 302


def test_the_api_refuses_until_the_person_chose_a_password(runner, hnd, client):
    create(runner, "moi@phunghiep.example", "--password-stdin", stdin=GIVEN + "\n")
    user = find_user_by_email("moi@phunghiep.example")
    token = issue_api_token(user)
    db.session.commit()
    refused = client.get("/api/v1/organisations", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403 and "tự đặt mật khẩu" in refused.get_json()["error"]["message"]
    user.password_change_required = False
    db.session.commit()
    assert client.get("/api/v1/organisations", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_own_account_keeps_its_password_and_needs_the_password(runner, hnd, client):
    assert create(runner, "toi@phunghiep.example", "--own-account").exit_code != 0
    assert find_user_by_email("toi@phunghiep.example") is None
    result = create(runner, "toi@phunghiep.example", "--password-stdin", "--own-account", stdin=GIVEN + "\n")
    assert result.exit_code == 0, result.output
    assert not find_user_by_email("toi@phunghiep.example").password_change_required
    assert client.login("toi@phunghiep.example", GIVEN).status_code == 302
    assert client.get("/").status_code == 200
