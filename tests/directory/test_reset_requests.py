""""Quên mật khẩu" answers without waiting for the mail server (the mail is queued and sent after
the answer) and is limited per e-mail address (silently) and per client address (429)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from app.auth.outbox import wait_until_sent
from tests.directory.conftest import link_token

START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
GENERIC = "Nếu địa chỉ này có tài khoản đang hoạt động"


def ask(client, email: str, address: str = "192.0.2.10"):
    return client.post_form("/password/forgot", {"email": email, "csrf_token": client.csrf_token("/login")},
                            environ_base={"REMOTE_ADDR": address}, follow_redirects=True)


@pytest.fixture
def person(factories):
    return factories.user(email="nguoi.quen@longmy.example")


def test_the_answer_does_not_wait_for_the_mail_server_and_the_mail_arrives(client, person, smtp):
    smtp.handler.gate.clear()  # the mail server takes nothing until the test lets it
    try:
        for email in ("nguoi.quen@longmy.example", "khongco@longmy.example"):
            response = ask(client, email)
            assert response.status_code == 200 and GENERIC in response.get_data(as_text=True)
        # Both answers came back while the mail server still held the reset mail: neither waited for it.
        assert smtp.messages == []
    finally:
        smtp.handler.gate.set()
    [mail] = smtp.wait_for(1, timeout=20)
    assert mail.recipients == ["nguoi.quen@longmy.example"] and mail.headers["X-Account-Link"] == "reset"
    assert client.get(f"/password/set/{link_token(mail)}").status_code == 200
    wait_until_sent()


def test_per_address_limit_is_silent(app, client, person, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_PER_ADDRESS", 2)
    answers = []
    for minutes, address in ((0, "192.0.2.11"), (3, "192.0.2.12"), (6, "192.0.2.13")):
        # Past the two-minute interval between resets, from other machines: only the address limit applies.
        with time_machine.travel(START + timedelta(minutes=minutes), tick=False):
            response = ask(client, "nguoi.quen@longmy.example", address)
            wait_until_sent()
        assert response.status_code == 200
        # The pages differ only in the (timestamped) CSRF token.
        answers.append(re.sub(r'name="csrf_token"[^>]*', "", response.get_data(as_text=True).split("<main")[-1]))
    assert answers[0] == answers[1] == answers[2] and GENERIC in answers[2]
    assert len(smtp.wait_for(2)) == 2
    time.sleep(0.2)
    assert len(smtp.messages) == 2  # the third request sent nothing
    with time_machine.travel(START + timedelta(hours=1, minutes=7), tick=False):  # a new window
        ask(client, "nguoi.quen@longmy.example", "192.0.2.14")
        wait_until_sent()
    assert len(smtp.wait_for(3)) == 3


def test_per_client_limit_refuses_with_429(app, client, person, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_PER_CLIENT", 2)
    for n in range(2):
        assert ask(client, f"ai{n}@longmy.example", "192.0.2.20").status_code == 200
    refused = ask(client, "nguoi.quen@longmy.example", "192.0.2.20")
    assert refused.status_code == 429 and "Quá nhiều yêu cầu" in refused.get_data(as_text=True)
    assert ask(client, "nguoi.quen@longmy.example", "192.0.2.21").status_code == 200  # another machine
    wait_until_sent()
    assert [m.recipients for m in smtp.wait_for(1)] == [["nguoi.quen@longmy.example"]]
