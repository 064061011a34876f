"""`flask bench seed`: fill the database with the benchmark district (see :mod:`app.bench_seed`)."""

from __future__ import annotations

import os
from datetime import date

import click
from flask import Flask
from flask.cli import AppGroup

from app.core.database import write_intent
from app.extensions import db

bench_cli = AppGroup("bench", help="Dữ liệu đo hiệu năng (benchmark).")

DEFAULT_PASSWORD = "bench-Matkhau-2024"


@bench_cli.command("seed")
@click.option("--tasks", default=100_000, show_default=True, type=click.IntRange(min=1), help="Số nhiệm vụ.")
@click.option("--agencies", default=40, show_default=True, type=click.IntRange(min=2), help="Số cơ quan.")
@click.option("--years", default=3, show_default=True, type=click.IntRange(min=1, max=10), help="Số năm dữ liệu.")
@click.option("--end", "end", default=None, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Ngày cuối của dữ liệu (mặc định hôm nay), YYYY-MM-DD.")
@click.option("--seed", default=2024, show_default=True, type=int, help="Hạt giống ngẫu nhiên (cùng hạt giống, cùng dữ liệu).")
@click.option("--reset", is_flag=True, help="Xóa dữ liệu bench cũ trước khi tạo.")
def bench_seed(tasks: int, agencies: int, years: int, end, seed: int, reset: bool) -> None:
    """Generate TASKS tasks across AGENCIES agencies over YEARS years (accounts: *@bench.example).

    The accounts' password is read from BENCH_PASSWORD (default "bench-Matkhau-2024").
    """
    from app.bench_seed import bench_data_exists, delete_bench_data, seed_bench

    password = os.environ.get("BENCH_PASSWORD") or DEFAULT_PASSWORD
    end_day: date | None = end.date() if end else None
    with write_intent():
        if bench_data_exists():
            if not reset:
                raise click.ClickException("Đã có dữ liệu bench trong cơ sở dữ liệu; dùng --reset để tạo lại.")
            removed = delete_bench_data()
            click.echo(f"removed old bench data ({removed} tasks)")
        try:
            summary = seed_bench(tasks=tasks, agencies=agencies, years=years, end=end_day, seed=seed, password=password)
        except ValueError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does some time after a bulk load, done now so that the figures measured right
        # after seeding come from the plans a running server uses.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    click.echo(str(summary))


def register(app: Flask) -> None:
    app.cli.add_command(bench_cli)
