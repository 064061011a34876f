"""`flask users …`: create (inviting by default), token, deactivate; the directory feature adds import
and invite (app/directory/cli.py)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.core.database import write_intent
from app.extensions import db

users_cli = AppGroup("users", help="Quản lý tài khoản (create, import, invite, token, deactivate).")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Họ và tên.")
@click.option("--role", required=True, help="admin | committee | office | office_chief | agency_head | agency_officer")
@click.option("--org", "org_code", required=True, help="Mã tổ chức (BTG, VP, MTTQ, …).")
@click.option("--title", default=None, help="Chức danh.")
@click.option("--password-stdin", is_flag=True,
              help="Đặt mật khẩu ban đầu đọc từ dòng đầu của stdin (người dùng phải đổi khi đăng nhập lần đầu).")
@click.option("--own-account", is_flag=True,
              help="Với --password-stdin: tài khoản của chính người chạy lệnh, không phải đổi mật khẩu.")
def users_create(email: str, name: str, role: str, org_code: str, title: str | None, password_stdin: bool,
                 own_account: bool) -> None:
    """Create an account and e-mail it an invitation to choose a password.

    With --password-stdin the first line of stdin becomes an initial password (never from the command
    line) and no invitation is sent; the person must choose their own at the first login, unless
    --own-account says the administrator is creating their own account."""
    from app.auth.links import invite
    from app.auth.services import create_user, get_organisation_by_code
    from app.core.errors import DomainError

    if own_account and not password_stdin:
        raise click.UsageError("--own-account needs --password-stdin")
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    with write_intent():
        try:
            user = create_user(None, email=email, name=name, role=role,
                               organisation=get_organisation_by_code(org_code), password=password, title=title)
            user.password_change_required = password_stdin and not own_account
            db.session.flush()
            pending = None if password_stdin else invite(None, user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
    click.echo(f"created {user.email} ({user.role.value}, {org_code})")
    if pending is not None:
        send_invitation(pending)


def send_invitation(pending) -> None:
    """E-mail the invitation of a committed account; a failure leaves the account for `users invite`."""
    from app.auth.links import send_link

    try:
        send_link(pending)
    except Exception as error:  # noqa: BLE001 - report any SMTP failure to the operator
        raise click.ClickException(f"invitation to {pending.email} not sent: {error}; "
                                   f"re-send with `flask users invite {pending.email}`") from None
    click.echo(f"invitation sent to {pending.email}")


@users_cli.command("token")
@click.argument("email")
def users_token(email: str) -> None:
    """Issue a new API token for EMAIL and print it alone on its line (the old one stops working)."""
    from app.auth.services import find_user_by_email, issue_api_token

    with write_intent():
        user = find_user_by_email(email)
        if user is None:
            raise click.ClickException(f"no user {email}")
        token = issue_api_token(user)
        db.session.commit()
    click.echo(token)


@users_cli.command("deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    """Deactivate an account and revoke all its sessions."""
    from app.auth.services import find_user_by_email, set_active

    with write_intent():
        user = find_user_by_email(email)
        if user is None:
            raise click.ClickException(f"no user {email}")
        set_active(None, user, False)
        db.session.commit()
    click.echo(f"deactivated {email}")
