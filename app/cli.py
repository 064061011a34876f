"""Command-line interface: `flask seed-demo` and each feature's command group (`flask users` in app/auth/cli.py)."""

from __future__ import annotations

import click
from flask import Flask

from app.core.database import write_intent
from app.extensions import db


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Chỉ nạp khi cơ sở dữ liệu chưa có tổ chức nào (lần chạy đầu).")
def seed_demo(if_empty: bool) -> None:
    """Load the demo district (Huyện ủy Phụng Hiệp); running it again changes nothing."""
    import sqlalchemy as sa

    from app.demo.seed import seed_demo_district
    from app.models import Organisation

    if if_empty and db.session.scalar(sa.select(Organisation.id).limit(1)) is not None:
        click.echo("database already has data; demo not loaded")
        return
    with write_intent():
        summary = seed_demo_district()
        db.session.commit()
    click.echo(summary)


def register_commands(app: Flask) -> None:
    from app.auth.cli import users_cli
    from app.backup import cli as backup
    from app.bench_seed import cli as bench_seed
    from app.directives import cli as directives
    from app.directory import cli as directory
    from app.reminders import cli as reminders
    from app.reports import cli as reports

    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo)
    for feature in (directives, reminders, reports, backup, bench_seed, directory):
        feature.register(app)
