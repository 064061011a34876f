"""Acceptance: a district that is not the demo goes live on an empty database.

Organisations and people come from CSV, invitations arrive at a real SMTP server, a person follows the
one-time link, sets a password and logs in; "Quên mật khẩu" works the same way and ends every other
session and the API token; links are single use, expire and are replaced by a re-send.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine

from app.auth.services import find_user_by_email, issue_api_token, user_for_api_token
from app.extensions import db
from app.models import AccountLink, User, UserSession
from tests.directory.conftest import ORGS_CSV, PEOPLE_CSV, link_token

NEW_PASSWORD = "mot-cau-de-nho-2026"
START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def import_district(runner, write, smtp):
    assert runner.invoke(args=["orgs", "import", str(write("orgs.csv", ORGS_CSV))]).exit_code == 0
    result = runner.invoke(args=["users", "import", str(write("people.csv", PEOPLE_CSV))])
    assert result.exit_code == 0, result.output
    assert "created 3, changed 0, unchanged 0" in result.output and "invitations sent: 3" in result.output
    return smtp.wait_for(3)


def set_password(client, token: str, password: str = NEW_PASSWORD):
    assert client.get(f"/password/set/{token}").status_code == 200
    return client.post_form(f"/password/set/{token}", {"new_password": password, "confirm": password,
                                                       "csrf_token": client.csrf_token("/login")})


def test_import_invite_set_password_and_log_in(runner, write, smtp, client, make_client):
    with time_machine.travel(START, tick=False):
        dry = runner.invoke(args=["users", "import", str(write("p.csv", PEOPLE_CSV)), "--dry-run"])
        assert dry.exit_code == 1 and "dòng 2, org_code" in dry.output  # organisations first
        messages = import_district(runner, write, smtp)
        assert {m.recipients[0] for m in messages} == {"quantri@longmy.example", "chanhvp@longmy.example",
                                                       "canbo.btg@longmy.example"}
        invitation = smtp.to("canbo.btg@longmy.example")[0]
        assert "Mời sử dụng hệ thống" in invitation.subject and "Nguyễn Thị Cán" in invitation.text
        user = find_user_by_email("canbo.btg@longmy.example")
        assert user.password_hash is None  # nobody chose a password for them
        token = link_token(invitation)
        assert db.session.scalar(sa.select(AccountLink.secret_hash)) != token  # only a keyed hash is stored

        assert client.login("canbo.btg@longmy.example", NEW_PASSWORD).status_code == 200  # refused: no password yet
        short = set_password(client, token, "ngan")
        assert short.status_code == 200 and "ít nhất 10 ký tự" in short.get_data(as_text=True)
        done = set_password(client, token)
        assert done.status_code == 302 and done.headers["Location"].endswith("/login")
        assert client.get(f"/password/set/{token}").status_code == 404  # single use

        browser = make_client()
        assert browser.login("canbo.btg@longmy.example", NEW_PASSWORD).status_code == 302
        assert browser.get("/").status_code == 200

        again = runner.invoke(args=["users", "import", str(write("people.csv", PEOPLE_CSV))])
        assert "created 0, changed 0, unchanged 3" in again.output and "invitations sent: 0" in again.output
        assert len(smtp.messages) == 3


def test_invitations_expire_and_a_resend_replaces_the_previous_link(runner, write, smtp, client):
    with time_machine.travel(START, tick=False):
        import_district(runner, write, smtp)
        first = link_token(smtp.to("chanhvp@longmy.example")[0])
        result = runner.invoke(args=["users", "invite", "chanhvp@longmy.example"])
        assert result.exit_code == 0 and "invitation sent" in result.output
        second = link_token(smtp.wait_for(4)[-1])
        assert first != second
        assert client.get(f"/password/set/{first}").status_code == 404
        assert client.get(f"/password/set/{second}").status_code == 200
        assert runner.invoke(args=["users", "invite", "khongco@longmy.example"]).exit_code == 1
    with time_machine.travel(START + timedelta(days=7, minutes=1), tick=False):
        assert client.get(f"/password/set/{second}").status_code == 404  # expired after 7 days
        expired = client.post_form(f"/password/set/{second}", {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                                                  "csrf_token": client.csrf_token("/login")})
        assert expired.status_code == 404
    assert find_user_by_email("chanhvp@longmy.example").password_hash is None


def test_forgot_password_same_answer_resets_and_ends_other_sessions(runner, write, smtp, client, make_client):
    with time_machine.travel(START, tick=False):
        import_district(runner, write, smtp)
        set_password(make_client(), link_token(smtp.to("quantri@longmy.example")[0]))
        elsewhere = make_client()
        assert elsewhere.login("quantri@longmy.example", NEW_PASSWORD).status_code == 302
        user = find_user_by_email("quantri@longmy.example")
        api_token = issue_api_token(user)
        db.session.commit()
        smtp.clear()

        login_page = client.get("/login").get_data(as_text=True)
        assert "/password/forgot" in login_page and "Quên mật khẩu" in login_page
        answers = []
        for email in ("quantri@longmy.example", "khongco@longmy.example"):
            response = client.post_form("/password/forgot", {"email": email, "csrf_token": client.csrf_token("/login")},
                                        follow_redirects=True)
            answers.append(response.get_data(as_text=True).split("<main")[-1])
        assert answers[0] == answers[1]  # the page does not tell who has an account
        messages = smtp.wait_for(1)
        assert [m.recipients for m in messages] == [["quantri@longmy.example"]]
        assert "Đặt lại mật khẩu" in messages[0].subject

        reset_password = "mat-khau-moi-sau-khi-quen"
        assert set_password(client, link_token(messages[0]), reset_password).status_code == 302
        assert elsewhere.get("/").status_code == 302  # the other session ended
        assert user_for_api_token(api_token) is None  # the API token no longer works
        assert db.session.scalar(sa.select(sa.func.count(UserSession.id)).where(
            UserSession.user_id == user.id, UserSession.revoked_at.is_(None))) == 0
        fresh = make_client()
        assert fresh.login("quantri@longmy.example", NEW_PASSWORD).status_code == 200  # old password refused
        assert fresh.login("quantri@longmy.example", reset_password).status_code == 302


def test_bad_people_file_is_refused_row_by_row(runner, write, smtp):
    runner.invoke(args=["orgs", "import", str(write("orgs.csv", ORGS_CSV))])
    bad = ("email,name,role,org_code\n"
           "a@longmy.example,Người A,agency_officer,BTG\n"
           "khong-phai-email,Người B,agency_officer,BTG\n"
           "c@longmy.example,Người C,thu ky,BTG\n"
           "d@longmy.example,Người D,agency_officer,KHONGCO\n"
           "A@longmy.example,Người A lần hai,agency_officer,BTG\n")
    result = runner.invoke(args=["users", "import", str(write("bad.csv", bad))])
    assert result.exit_code == 1
    for row, column in ((3, "email"), (4, "role"), (5, "org_code"), (6, "email")):
        assert f"dòng {row}, {column}:" in result.output, result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0 and smtp.messages == []


def test_a_refused_invitation_is_reported_and_can_be_sent_again(runner, write, smtp):
    assert runner.invoke(args=["orgs", "import", str(write("orgs.csv", ORGS_CSV))]).exit_code == 0
    smtp.handler.fail_codes["chanhvp@longmy.example"] = "550 mailbox unavailable"
    result = runner.invoke(args=["users", "import", str(write("people.csv", PEOPLE_CSV))])
    assert result.exit_code == 1
    assert "invitations sent: 2" in result.output
    assert "invitation to chanhvp@longmy.example not sent" in result.output
    assert {m.recipients[0] for m in smtp.wait_for(2)} == {"quantri@longmy.example", "canbo.btg@longmy.example"}
    assert find_user_by_email("chanhvp@longmy.example") is not None  # the accounts are kept

    del smtp.handler.fail_codes["chanhvp@longmy.example"]
    assert runner.invoke(args=["users", "invite", "chanhvp@longmy.example"]).exit_code == 0
    assert smtp.wait_for(3)[-1].recipients == ["chanhvp@longmy.example"]


def test_using_one_link_voids_the_others(runner, write, smtp, client):
    with time_machine.travel(START, tick=False):
        import_district(runner, write, smtp)
        invitation = link_token(smtp.to("canbo.btg@longmy.example")[0])
        client.post_form("/password/forgot", {"email": "canbo.btg@longmy.example", "csrf_token": client.csrf_token("/login")})
        client.post_form("/password/forgot", {"email": "canbo.btg@longmy.example", "csrf_token": client.csrf_token("/login")})
        messages = smtp.wait_for(4)
        assert len(smtp.to("canbo.btg@longmy.example")) == 2  # the second request within 2 minutes sends nothing
        assert set_password(client, link_token(messages[-1])).status_code == 302
        assert client.get(f"/password/set/{invitation}").status_code == 404
