"""Pages of the one-time links: "Quên mật khẩu" (ask for a reset link) and setting a password through
an invitation or reset link (:mod:`app.auth.links`). Both are reachable without an account."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth.blueprint import bp
from app.auth.forms import ForgotPasswordForm, SetPasswordForm
from app.auth.links import INVITE, request_reset, use_link, valid_link
from app.auth.outbox import enqueue
from app.auth.reset_limits import CLIENT, over_limit
from app.core.errors import ValidationFailed
from app.extensions import db


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        limit = over_limit(form.email.data, request.remote_addr)
        if limit == CLIENT:
            flash(_("Quá nhiều yêu cầu đặt lại mật khẩu từ máy này. Vui lòng thử lại sau."), "danger")
            return render_template("auth/forgot_password.html", form=form), 429
        pending = request_reset(form.email.data) if limit is None else None
        db.session.commit()
        if pending is not None:
            enqueue(pending)  # sent after the answer: its timing must not tell who has an account
        # The same answer whether or not the address has an account.
        flash(_("Nếu địa chỉ này có tài khoản đang hoạt động, một thư hướng dẫn đặt lại mật khẩu vừa được gửi đến. "
                "Liên kết trong thư dùng được một lần và sớm hết hạn."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/set/<token>", methods=["GET", "POST"])
def set_password(token: str):
    link = valid_link(token)
    if link is None:
        return render_template("auth/link_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = use_link(token, form.new_password.data)
            if user is None:  # used by another request a moment ago
                db.session.rollback()
                return render_template("auth/link_invalid.html"), 404
            db.session.commit()
        except ValidationFailed as error:
            db.session.rollback()
            form.new_password.errors.append(error.message)
        else:
            flash(_("Đã đặt mật khẩu. Mời đăng nhập bằng mật khẩu mới."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, person=link.user, invitation=link.purpose == INVITE)
