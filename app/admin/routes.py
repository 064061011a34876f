from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.admin.blueprint import bp
from app.admin.forms import OrganisationForm, UserForm
from app.admin.services import (
    AUDIT_PAGE_SIZE,
    ORG_FIELDS,
    audit_page,
    find_organisation,
    find_user,
    save_organisation,
    save_user,
    users_in_order,
)
from app.auth.forms import EmptyForm
from app.auth.links import INVITE, RESET, PendingMail, invite, issue_link, send_all
from app.core.args import int_arg
from app.core.errors import DomainError
from app.core.permissions import requires
from app.directory.lookups import listed_organisations
from app.extensions import db


@bp.route("/organisations")
@requires("admin.organisations")
def organisations():
    orgs = listed_organisations(include_inactive=True)
    return render_template("admin/organisations.html", organisations=orgs)


@bp.route("/organisations/new", methods=["GET", "POST"], defaults={"org_id": None})
@bp.route("/organisations/<int:org_id>", methods=["GET", "POST"])
@requires("admin.organisations")
def organisation_form(org_id: int | None):
    org = find_organisation(org_id)
    if org_id and org is None:
        abort(404)
    form = OrganisationForm(obj=org)
    form.parent_id.choices = [SelectChoice(0, "—")] + [
        SelectChoice(o.id, o.name) for o in listed_organisations() if o is not org]
    if request.method == "GET" and org is not None:
        form.kind.data = org.kind.value
        form.parent_id.data = org.parent_id or 0
    if form.validate_on_submit():
        data = {name: getattr(form, name).data for name in ORG_FIELDS}
        try:
            org = save_organisation(current_user, org, data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "code").errors.append(error.message)
        else:
            flash(_("Đã lưu tổ chức %(code)s.", code=org.code), "success")
            return redirect(url_for("admin.organisations"))
    return render_template("admin/organisation_form.html", form=form, org=org)


@bp.route("/users")
@requires("admin.users")
def users():
    rows = users_in_order()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"], defaults={"user_id": None})
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires("admin.users")
def user_form(user_id: int | None):
    user = find_user(user_id)
    if user_id and user is None:
        abort(404)
    form = UserForm(obj=user)
    form.organisation_id.choices = [SelectChoice(o.id, f"{o.code} — {o.name}") for o in listed_organisations()]
    if request.method == "GET" and user is not None:
        form.role.data = user.role.value
        form.is_active.data = user.is_active_account
    if form.validate_on_submit():
        data = {name: getattr(form, name).data for name in ("email", "name", "title", "role", "organisation_id", "is_active")}
        creating = user is None
        try:
            user = save_user(current_user, user, data)
            # A new person chooses their own password through an invitation, sent once committed.
            pending = invite(current_user, user) if creating and user.is_active else None
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            target = getattr(form, error.field, None) if error.field else None
            if target is not None:
                target.errors.append(error.message)
            else:
                flash(error.message, "danger")
        else:
            flash(_("Đã lưu tài khoản %(email)s.", email=user.email), "success")
            if pending is not None:
                _flash_sent(pending, send_all([pending]))
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)


def _flash_sent(pending: PendingMail, failures: list) -> None:
    if failures:
        flash(_("Chưa gửi được thư đến %(e)s; hãy thử lại sau.", e=pending.email), "danger")
    elif pending.purpose == RESET:
        flash(_("Đã gửi liên kết đặt lại mật khẩu đến %(e)s; liên kết gửi trước đó không còn dùng được.",
                e=pending.email), "success")
    else:
        flash(_("Đã gửi thư mời đặt mật khẩu đến %(e)s; liên kết gửi trước đó không còn dùng được.", e=pending.email),
              "success")


def _send_account_link(user_id: int, purpose: str):
    """Store a new one-time link for the person (the older one stops working), commit, then e-mail it."""
    user = find_user(user_id)
    if user is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        if not user.is_active:
            flash(_("Tài khoản đã bị vô hiệu hóa."), "danger")
            return redirect(url_for("admin.user_form", user_id=user.id))
        pending = issue_link(current_user, user, purpose)
        db.session.commit()
        _flash_sent(pending, send_all([pending]))
    return redirect(url_for("admin.user_form", user_id=user.id))


@bp.route("/users/<int:user_id>/invite", methods=["POST"])
@requires("admin.users")
def invite_user(user_id: int):
    """"Gửi lại lời mời": a new invitation to set a password."""
    return _send_account_link(user_id, INVITE)


@bp.route("/users/<int:user_id>/reset", methods=["POST"])
@requires("admin.users")
def send_reset_link(user_id: int):
    """"Gửi liên kết đặt lại mật khẩu": the person chooses a new password; the administrator never sees it."""
    return _send_account_link(user_id, RESET)


@bp.route("/audit")
@requires("audit.view")
def audit_log():
    after = int_arg("after")
    events = audit_page(after)
    next_after = events[-1].id if len(events) == AUDIT_PAGE_SIZE else None
    return render_template("admin/audit.html", events=events, next_after=next_after)
