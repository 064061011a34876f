"""A password chosen by an administrator is only a way in: an account marked
``password_change_required`` (`flask users create --password-stdin`) can do nothing on the web but
choose its own password (and log out), and the API refuses it (403, :mod:`app.api.auth`)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.blueprint import bp
from app.auth.forms import PasswordForm
from app.auth.services import after_password_change, set_password_checked
from app.core import audit
from app.core.errors import ValidationFailed
from app.core.permissions import PUBLIC_ENDPOINTS, requires
from app.core.security import verify_password
from app.extensions import db

#: What such an account may still reach: this page, logging out and the public pages.
ALLOWED_ENDPOINTS = frozenset({"auth.change_password", "auth.logout"}) | PUBLIC_ENDPOINTS


@bp.before_app_request
def require_own_password():
    """Send a signed-in account that must choose its password to the page that does it."""
    if request.blueprint == "api" or request.endpoint in ALLOWED_ENDPOINTS:
        return None
    if current_user.is_authenticated and current_user.password_change_required:
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/password/change", methods=["GET", "POST"])
@requires("profile")
def change_password():
    """Choose one's own password in place of the one an administrator set (the first login)."""
    if not current_user.password_change_required:
        return redirect(url_for("auth.profile"))
    form = PasswordForm()
    if form.validate_on_submit():
        problem = _own_password_problem(form.current_password.data, form.new_password.data)
        if problem is not None:
            field, message = problem
            getattr(form, field).errors.append(message)
        else:
            try:
                set_password_checked(current_user, form.new_password.data)
            except ValidationFailed as error:
                form.new_password.errors.append(error.message)
            else:
                current_user.password_change_required = False
                after_password_change(current_user, keep_session_token=current_user.session_token)
                audit.record(current_user, "password", current_user, summary=f"{current_user.email}: first login")
                db.session.commit()
                flash(_("Đã đặt mật khẩu của riêng bạn."), "success")
                return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)


def _own_password_problem(current: str, new: str) -> tuple[str, str] | None:
    if not verify_password(current_user.password_hash, current):
        return "current_password", _("Mật khẩu hiện tại không đúng.")
    if new == current:
        # The administrator knows the password they set: the person's own must differ.
        return "new_password", _("Mật khẩu mới phải khác mật khẩu được cấp.")
    return None
