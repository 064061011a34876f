"""Command line: ``flask refs parse TEXT`` and ``flask directives import FILE``.

Both use the same services as the web pages: the import creates the tasks through
:func:`app.directives.import_flow.confirm_import`, in one transaction.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from app.core.database import write_intent
from app.extensions import db

refs_cli = AppGroup("refs", help="Trích dẫn văn bản (Nghị quyết số 26-NQ/TW ngày 19/5/2018 …).")
directives_cli = AppGroup("directives", help="Văn bản, kết luận và nhiệm vụ.")


def _echo_json(value) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


@refs_cli.command("parse")
@click.argument("text", nargs=-1, required=True)
def refs_parse(text: tuple[str, ...]) -> None:
    """Print the references in TEXT as JSON: fields, flags, Vietnamese reasons and canonical form."""
    from app.directives.citations import reference_report

    _echo_json(reference_report(" ".join(text)))


@directives_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Chỉ in đề xuất (JSON), không lưu gì.")
@click.option("--directive-id", type=int, default=None,
              help="Văn bản đã có để thêm nhiệm vụ; bỏ trống thì tạo văn bản (và buổi làm việc) từ phần đầu thông báo.")
@click.option("--as", "actor_email", default=None, help="Email người thực hiện (ghi vào nhật ký).")
def directives_import(file: Path, dry_run: bool, directive_id: int | None, actor_email: str | None) -> None:
    """Propose the tasks of a conclusion notice (.txt or .docx) and, without --dry-run, save them."""
    from app.core.errors import DomainError
    from app.directives import due_dates, import_flow
    from app.directives.proposal import to_json
    from app.models import Directive, User

    data = file.read_bytes()
    with write_intent(not dry_run):
        try:
            text = import_flow.read_notice_file(data, file.name)
            directive = None
            if directive_id is not None:
                directive = db.session.get(Directive, directive_id)
                if directive is None:
                    raise click.ClickException(f"Không tìm thấy văn bản id={directive_id}.")
            reference = due_dates.reference_date_for(directive) if directive is not None else None
            draft = import_flow.propose_import(text, reference_date=reference)
            if dry_run:
                _echo_json(to_json(draft))
                db.session.rollback()
                return
            actor = None
            if actor_email:
                actor = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == actor_email.lower()))
                if actor is None:
                    raise click.ClickException(f"Không có tài khoản {actor_email}.")
            plan = import_flow.plan_from_draft(draft, text, new_directive=directive is None)
            saved = import_flow.confirm_import(actor, plan, directive)
            tasks = import_flow.directive_tasks_all(saved)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from None
    click.echo(f"Đã lưu {len(tasks)} nhiệm vụ, {sum(len(t.items) for t in tasks)} nội dung "
               f"vào văn bản id={saved.id} ({saved.symbol or saved.title[:60]}).")


def register(app: Flask) -> None:
    app.cli.add_command(refs_cli)
    app.cli.add_command(directives_cli)
