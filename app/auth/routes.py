from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import NotFound

from app.auth.blueprint import bp
from app.auth.forms import EmptyForm, LoginForm, PasswordForm, PreferencesForm
from app.auth.redirects import safe_next
from app.auth.services import (
    LoginRefused,
    active_sessions,
    after_password_change,
    authenticate,
    issue_api_token,
    revoke_api_token,
    revoke_session,
    revoke_session_by_id,
    set_password_checked,
    start_session,
)
from app.core import audit
from app.core.errors import ValidationFailed
from app.core.permissions import requires
from app.core.security import verify_password
from app.extensions import db


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    target = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, client_address=request.remote_addr)
        except LoginRefused as refused:
            db.session.commit()  # keep the failure count
            flash(refused.message, "danger")
            return render_template("auth/login.html", form=form), 200
        token = start_session(user, user_agent=request.user_agent.string, ip_address=request.remote_addr)
        audit.record(user, "login", user, summary=user.email)
        db.session.commit()
        user.session_token = token
        session.clear()
        login_user(user)
        return redirect(target)
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@requires("profile")
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        revoke_session(current_user.session_token)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@requires("profile")
def profile():
    prefs = PreferencesForm(prefix="prefs", obj=current_user)
    password_form = PasswordForm(prefix="pw")
    if prefs.submit.data and prefs.validate_on_submit():
        current_user.locale = prefs.locale.data
        current_user.notification_mode = prefs.notification_mode.data
        db.session.commit()
        flash(_("Đã lưu thiết lập."), "success")
        return redirect(url_for("auth.profile"))
    if password_form.submit.data and password_form.validate_on_submit():
        if not verify_password(current_user.password_hash, password_form.current_password.data):
            password_form.current_password.errors.append(_("Mật khẩu hiện tại không đúng."))
        else:
            try:
                set_password_checked(current_user, password_form.new_password.data)
            except ValidationFailed as error:
                password_form.new_password.errors.append(error.message)
            else:
                new_token = after_password_change(current_user, keep_session_token=current_user.session_token)
                audit.record(current_user, "password", current_user, summary=current_user.email)
                db.session.commit()
                flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc."), "success")
                if new_token:
                    flash(_("Mã API cũ đã bị thay. Hãy sao chép mã mới ngay: mã chỉ hiển thị một lần."), "warning")
                    return _profile_page(new_token=new_token)
                return redirect(url_for("auth.profile"))
    return _profile_page(prefs=prefs, password_form=password_form)


def _profile_page(*, prefs=None, password_form=None, new_token: str | None = None):
    """The profile page; a new API token is shown in this one answer only (never kept in the cookie)."""
    response = make_response(render_template(
        "auth/profile.html",
        prefs=prefs or PreferencesForm(prefix="prefs", obj=current_user),
        password_form=password_form or PasswordForm(prefix="pw"),
        action_form=EmptyForm(),
        sessions=active_sessions(current_user),
        new_token=new_token,
    ))
    if new_token:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/profile/sessions/<int:session_id>/revoke", methods=["POST"])
@requires("profile")
def revoke_other_session(session_id: int):
    if EmptyForm().validate_on_submit():
        if not revoke_session_by_id(current_user, session_id):
            raise NotFound()
        db.session.commit()
        flash(_("Đã thu hồi phiên đăng nhập."), "success")
    return redirect(url_for("auth.profile"))


@bp.route("/profile/api-token", methods=["POST"])
@requires("profile")
def api_token():
    if EmptyForm().validate_on_submit():
        if request.form.get("action") == "revoke":
            revoke_api_token(current_user)
            flash(_("Đã thu hồi mã API."), "success")
            audit.record(current_user, "api_token", current_user, summary="revoke")
            db.session.commit()
        else:
            token = issue_api_token(current_user)
            audit.record(current_user, "api_token", current_user, summary="issue")
            db.session.commit()
            flash(_("Đã tạo mã API mới. Hãy sao chép ngay: mã chỉ hiển thị một lần."), "success")
            return _profile_page(new_token=token)
    return redirect(url_for("auth.profile"))
