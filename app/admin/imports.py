"""Admin pages that import the directory from a file (:mod:`app.directory`): upload, preview (the dry
run), then import the same file; templates and the organisation export to download. The file's bytes
ride along in the preview form, so "Nhập" imports exactly what was previewed without a second upload."""

from __future__ import annotations

import base64
import binascii

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin.blueprint import bp
from app.admin.forms import ImportForm
from app.auth.links import send_all
from app.core.permissions import requires
from app.directory import organisations, people
from app.directory.tables import FileRefused
from app.extensions import db

#: Largest file carried in the preview form for the confirming "Nhập" (far above a district's lists).
MAX_CARRIED_BYTES = 2 * 1024 * 1024
MIME = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _uploaded(form: ImportForm) -> tuple[bytes, str] | None:
    upload = form.file.data
    if upload is not None and getattr(upload, "filename", ""):
        return upload.read(), upload.filename
    try:
        data = base64.b64decode(form.payload.data or "", validate=True)
    except (binascii.Error, ValueError):
        return None
    return (data, form.filename.data or "") if data else None


def _import_page(module, kind: str, list_endpoint: str, **options):
    form = ImportForm()
    result = problems = carried = None
    if form.validate_on_submit():
        uploaded = _uploaded(form)
        if uploaded is None:
            form.file.errors.append(_("Chọn tệp .csv hoặc .xlsx."))
        else:
            data, filename = uploaded
            dry_run = not form.confirm.data
            extra = {name: getattr(form, name).data for name in options}
            try:
                result = module.import_file(current_user, data, filename, dry_run=dry_run, **extra)
            except FileRefused as refused:
                db.session.rollback()
                problems = refused.problems
            else:
                problems = result.problems
                if result.written:
                    db.session.commit()
                    failures = send_all(getattr(result, "invitations", []))
                    flash(_("Đã nhập: %(summary)s.", summary=result.summary), "success")
                    for email, _error in failures:
                        flash(_("Chưa gửi được thư mời đến %(e)s; hãy gửi lại từ trang tài khoản.", e=email), "danger")
                    return redirect(url_for(list_endpoint))
                db.session.rollback()
                if not problems and len(data) <= MAX_CARRIED_BYTES:
                    carried = (base64.b64encode(data).decode("ascii"), filename)
    return render_template("admin/import.html", form=form, kind=kind, result=result, problems=problems or [],
                           carried=carried, options=options)


@bp.route("/organisations/import", methods=["GET", "POST"])
@requires("admin.organisations")
def import_organisations():
    return _import_page(organisations, "organisations", "admin.organisations", deactivate_missing=True)


@bp.route("/users/import", methods=["GET", "POST"])
@requires("admin.users")
def import_users():
    return _import_page(people, "users", "admin.users")


def _download(data: bytes, name: str, fmt: str) -> Response:
    return Response(data, mimetype=MIME[fmt], headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


@bp.route("/organisations/template.<any(csv,xlsx):fmt>")
@requires("admin.organisations")
def organisations_template(fmt: str):
    return _download(organisations.template_file(fmt), "mau-to-chuc", fmt)


@bp.route("/organisations/export.<any(csv,xlsx):fmt>")
@requires("admin.organisations")
def export_organisations(fmt: str):
    return _download(organisations.export_file(fmt), "to-chuc", fmt)


@bp.route("/users/template.<any(csv,xlsx):fmt>")
@requires("admin.users")
def users_template(fmt: str):
    return _download(people.template_file(fmt), "mau-nguoi-dung", fmt)
