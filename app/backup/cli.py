"""`flask backup create|restore`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

backup_cli = AppGroup("backup", help="Sao lưu và phục hồi cơ sở dữ liệu cùng tệp đính kèm.")


@backup_cli.command("create")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Thư mục lưu (mặc định instance/backups).")
def backup_create(out_dir: Path | None) -> None:
    """Write a backup archive and print its path."""
    from app.backup.services import BackupError, create_backup

    try:
        result = create_backup(out_dir)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(str(result.path))
    click.echo(f"{result.dialect}: {sum(result.table_counts.values())} rows in {len(result.table_counts)} tables")


@backup_cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Không hỏi lại.")
def backup_restore(archive: Path, yes: bool) -> None:
    """Replace the current database and uploads with ARCHIVE (stop the web and scheduler first)."""
    from app.backup.services import BackupError, restore_backup

    if not yes:
        click.confirm("Dữ liệu hiện tại sẽ bị thay thế. Tiếp tục?", abort=True)
    try:
        counts = restore_backup(archive)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored {sum(counts.values())} rows in {len(counts)} tables from {archive}")


def register(app: Flask) -> None:
    app.cli.add_command(backup_cli)
