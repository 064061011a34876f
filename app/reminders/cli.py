"""`flask reminders run --today YYYY-MM-DD [--dry-run]` and `flask scheduler run`."""

from __future__ import annotations

import gc
import logging
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.core.clock import today_local
from app.core.database import write_intent

reminders_cli = AppGroup("reminders", help="Nhắc việc: chạy một lượt nhắc việc.")
scheduler_cli = AppGroup("scheduler", help="Tiến trình lập lịch nhắc việc (chạy riêng, không trong web).")


@reminders_cli.command("run")
@click.option("--today", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Chạy như vào ngày này (YYYY-MM-DD); mặc định là hôm nay.")
@click.option("--at", "at", type=click.DateTime(formats=["%H:%M"]), default=None,
              help="Giờ (HH:MM, giờ Việt Nam) của lượt chạy; mặc định: bây giờ nếu là hôm nay, 08:00 nếu là ngày khác.")
@click.option("--dry-run", is_flag=True, help="Chỉ liệt kê những thư sẽ gửi; không ghi, không gửi.")
def run_reminders(day, at, dry_run: bool) -> None:
    """Run one reminder tick as of a day and print one line per reminder sent (or that would be).

    The tick acts at an explicit instant: now when the day is today, else 08:00 Vietnam time of that
    day (or the time given with --at), whatever the time of day the command is run.
    """
    from app.reminders.tick import run_tick, tick_now_for

    today = day.date() if day else today_local()
    now = tick_now_for(today, (at.hour, at.minute) if at else None)
    if not current_app.testing:
        gc.collect()
        gc.freeze()  # the app is loaded: keep it out of the way of the tick's garbage collections
    if dry_run:
        result = run_tick(today, now=now, dry_run=True)
    else:
        with write_intent():
            result = run_tick(today, now=now)
    for line in result.lines:
        click.echo(str(line))
    click.echo(result.summary())
    if result.failed:
        sys.exit(2)


@scheduler_cli.command("run")
@click.option("--heartbeat", "heartbeat_seconds", type=click.FloatRange(min=0.2), default=None,
              help="Giây giữa hai lần báo hoạt động (mặc định 60).")
@click.option("--standby-retry", "standby_retry_seconds", type=click.FloatRange(min=0.2), default=None,
              help="Giây giữa hai lần tiến trình dự phòng thử giành quyền (mặc định 30).")
@click.option("--tick-minutes", type=click.FloatRange(min=0.01), default=None,
              help="Phút giữa hai lượt nhắc việc (mặc định SCHEDULER_TICK_MINUTES).")
def run_scheduler(heartbeat_seconds, standby_retry_seconds, tick_minutes) -> None:
    """The long-running scheduler process: ticks at start-up and every few minutes while it is the
    leader; a second copy waits as a standby and takes over if the first stops."""
    from app.reminders.scheduler import SchedulerRunner

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    app = current_app._get_current_object()
    runner = SchedulerRunner(app, heartbeat_seconds=heartbeat_seconds, standby_retry_seconds=standby_retry_seconds,
                             tick_minutes=tick_minutes)
    click.echo(f"scheduler {runner.process}: {'leader' if runner.is_leader else 'standby'} ({runner.lock.description})")
    sys.stdout.flush()
    runner.run()


def register(app: Flask) -> None:
    app.cli.add_command(reminders_cli)
    app.cli.add_command(scheduler_cli)
