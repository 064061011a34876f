"""`flask orgs import|export|template`, `flask users import` and `flask users invite`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.auth.cli import send_invitation, users_cli
from app.core.database import write_intent
from app.extensions import db

orgs_cli = AppGroup("orgs", help="Tổ chức, cơ quan: nhập từ tệp CSV/XLSX, xuất ra tệp cùng định dạng.")


def _print_result(result, dry_run: bool) -> None:
    """Problems (nothing written, exit status 1), or each entry and the summary."""
    if result.problems:
        for problem in result.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(result.problems)} problem(s); nothing was written")
    for entry in result.entries:
        click.echo(entry.describe())
    click.echo(("dry run, nothing written: " if dry_run else "") + result.summary)


def _run_import(module, path: Path, dry_run: bool, **options):
    from app.directory.tables import FileRefused

    with write_intent():
        try:
            result = module.import_file(None, path.read_bytes(), path.name, dry_run=dry_run, **options)
        except FileRefused as refused:
            db.session.rollback()
            for problem in refused.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException("file refused; nothing was written") from None
        if result.written:
            db.session.commit()
        else:
            db.session.rollback()
    return result


@orgs_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Chỉ in những gì sẽ tạo, sửa, giữ nguyên; không ghi.")
@click.option("--deactivate-missing", is_flag=True,
              help="Ngừng hoạt động (không xóa) các tổ chức đang hoạt động không có trong tệp.")
def orgs_import(path: Path, dry_run: bool, deactivate_missing: bool) -> None:
    """Import organisations from PATH (.csv or .xlsx; columns code,name,short_name,kind,parent_code,emails[,active])."""
    from app.directory import organisations

    result = _run_import(organisations, path, dry_run, deactivate_missing=deactivate_missing)
    _print_result(result, dry_run)


@orgs_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def orgs_export(path: Path) -> None:
    """Write every organisation to PATH (.csv or .xlsx) in the format `orgs import` reads."""
    from app.directory.organisations import export_file
    from app.directory.tables import FileRefused, file_format

    try:
        fmt = file_format(path.name)
    except FileRefused as refused:
        raise click.ClickException(str(refused)) from None
    path.write_bytes(export_file(fmt))
    click.echo(str(path))


@orgs_cli.command("template")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--users", "people", is_flag=True, help="Mẫu danh sách người dùng thay vì tổ chức.")
def orgs_template(path: Path, people: bool) -> None:
    """Write an import template with Vietnamese headings to PATH (.csv or .xlsx)."""
    from app.directory import organisations
    from app.directory import people as people_module
    from app.directory.tables import FileRefused, file_format

    try:
        fmt = file_format(path.name)
    except FileRefused as refused:
        raise click.ClickException(str(refused)) from None
    path.write_bytes((people_module if people else organisations).template_file(fmt))
    click.echo(str(path))


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Chỉ in những gì sẽ tạo, sửa, giữ nguyên; không ghi, không gửi thư.")
def users_import(path: Path, dry_run: bool) -> None:
    """Import people from PATH (.csv or .xlsx; columns email,name,role,org_code[,title]); each new person
    is e-mailed an invitation to set a password."""
    from app.auth.links import send_all
    from app.directory import people

    result = _run_import(people, path, dry_run)
    _print_result(result, dry_run)
    failures = send_all(result.invitations) if result.written else []
    if result.written:
        click.echo(f"invitations sent: {len(result.invitations) - len(failures)}")
    for email, error in failures:
        click.echo(f"invitation to {email} not sent ({error}); re-send with `flask users invite {email}`", err=True)
    if failures:
        raise SystemExit(1)


@click.command("invite")
@click.argument("email")
def users_invite(email: str) -> None:
    """(Re-)send EMAIL an invitation to set a password; the link sent before stops working."""
    from app.auth.links import invite
    from app.auth.services import find_user_by_email

    with write_intent():
        user = find_user_by_email(email)
        if user is None or not user.is_active:
            raise click.ClickException(f"no active user {email}")
        pending = invite(None, user)
        db.session.commit()
    send_invitation(pending)


def register(app: Flask) -> None:
    users_cli.add_command(users_import)
    users_cli.add_command(users_invite)
    app.cli.add_command(orgs_cli)
