"""Bearer tokens: required, revocable, replaced on reissue; the web's permission table applies."""

from __future__ import annotations

import pytest

from app.core.enums import Role
from app.core.permissions import PERMISSIONS
from app.extensions import db
from tests.api.conftest import ApiClient


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc",
                                    "Bearer not-a-real-token", "Bearer " + "x" * 300])
def test_missing_or_bad_token_is_401_json(district, make_client, header):
    headers = {"Authorization": header} if header is not None else {}
    response = make_client().get("/api/v1/tasks", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = response.get_json()
    assert body["error"]["code"] == "unauthorized"
    assert body["error"]["message"]


def test_valid_token_reads_and_sends_no_cookie(district, api_as):
    response = api_as(district.office).get("/tasks")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_reissue_with_cli_replaces_the_old_token(district, api_as, runner):
    api = api_as(district.office)
    assert api.get("/tasks").status_code == 200
    result = runner.invoke(args=["users", "token", district.office.email])
    assert result.exit_code == 0, result.output
    new_token = result.output.strip()
    assert api.get("/tasks").status_code == 401
    assert ApiClient(api.client, new_token).get("/tasks").status_code == 200


def test_revoked_on_the_profile_page_stops_working(district, api_as, client):
    api = api_as(district.office)
    assert api.get("/organisations").status_code == 200
    client.login(district.office)
    response = client.post_form("/profile/api-token", {"action": "revoke"})
    assert response.status_code == 302
    assert api.get("/organisations").status_code == 401


def test_deactivated_account_token_is_refused(district, api_as, runner):
    api = api_as(district.btg_officer)
    assert runner.invoke(args=["users", "deactivate", district.btg_officer.email]).exit_code == 0
    assert api.get("/tasks").status_code == 401


def test_session_cookie_does_not_authenticate_the_api(district, client):
    client.login(district.office)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/tasks").status_code == 401


def test_openapi_document_is_public(make_client):
    response = make_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.1")


def test_every_api_view_declares_a_permission_of_the_table(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            assert getattr(app.view_functions[rule.endpoint], "permission", None) in PERMISSIONS, rule.endpoint


@pytest.mark.parametrize(("role", "path", "allowed"), [
    (Role.COMMITTEE, "/overdue", True),
    (Role.AGENCY_OFFICER, "/overdue", False),
    (Role.AGENCY_HEAD, "/reports/quarterly?quarter=2024-Q2&as_of=2024-06-20", False),
    (Role.AGENCY_OFFICER, "/organisations", True),
])
def test_read_permissions_follow_the_web_table(district, factories, api_as, role, path, allowed):
    user = factories.user(role, district.btg)
    response = api_as(user).get(path)
    assert (response.status_code == 200) is allowed, response.get_json()
    if not allowed:
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"


def test_refused_write_changes_nothing(district, api_as):
    """An agency officer may not edit tasks (task.edit): 403 and the task is as it was."""
    task = district.btg_task
    response = api_as(district.btg_officer).patch(f"/tasks/{task.id}", json={"title": "Đổi tên"},
                                                  headers={"If-Match": str(task.version_id)})
    assert response.status_code == 403
    db.session.expire_all()
    assert task.title == "Quán triệt Đề án 09-ĐA/TU"
    assert task.version_id == 1


def test_committee_may_not_report_progress(district, api_as):
    response = api_as(district.committee).post(f"/tasks/{district.btg_task.id}/progress-reports",
                                               json={"status": "in_progress", "progress_percent": 10,
                                                     "result_text": "Đang triển khai."})
    assert response.status_code == 403
