"""After login only same-site paths survive ``next`` (issue 16, item 3): no open redirect, no 500."""

import pytest

from app.core.enums import Role
from tests.conftest import PASSWORD

OFF_SITE = ["/%09/evil.example", "/%0a/x", "/%0d%0a/x", "//x", "\\\\x", "/\\x", "/%5Cevil.example",
            "https://evil.example/", "http:/evil.example", "javascript:alert(1)", "%2F%2Fevil.example",
            "/%20/evil.example", "/%7F/evil.example", " /x"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_next_goes_home(client, factories, target):
    user = factories.user(Role.OFFICE)
    token = client.csrf_token("/login")
    response = client.post(f"/login?next={target}", data={"email": user.email, "password": PASSWORD,
                                                            "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_same_site_path_survives(client, factories):
    user = factories.user(Role.OFFICE)
    token = client.csrf_token("/login")
    response = client.post("/login?next=/tasks/%3Fstatus%3Doverdue", data={
        "email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/tasks/?status=overdue"


@pytest.mark.parametrize("referrer, location", [
    ("http://localhost/tasks/?status=overdue", "/tasks/?status=overdue"),
    ("http://localhost.evil.example/tasks/", "/"),  # a prefix of the host is not the host
    ("http://localhost@evil.example/", "/"),
    ("https://localhost/tasks/", "/"),  # another scheme is another origin
    ("http://localhost//evil.example/", "/"),
    ("http://localhost/\\evil.example", "/"),
    ("https://evil.example/", "/"),
    ("", "/"),
])
def test_set_language_returns_only_to_a_same_origin_referrer(client, referrer, location):
    headers = {"Referer": referrer} if referrer else {}
    response = client.post_form("/lang/en", {"csrf_token": client.csrf_token("/login")}, headers=headers)
    assert response.status_code == 302 and response.headers["Location"] == location
