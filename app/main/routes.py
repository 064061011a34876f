from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from app.auth.forms import EmptyForm
from app.auth.redirects import safe_referrer
from app.core.clock import today_local
from app.core.permissions import requires
from app.extensions import db
from app.main.blueprint import bp
from app.main.home import home_for
from app.main.services import database_answers, mark_notifications_read, recent_notifications


@bp.route("/")
@requires("home")
def home():
    template, context = home_for(current_user, today_local())
    return render_template(template, **context)


@bp.route("/notifications", methods=["GET", "POST"])
@requires("profile")
def notifications():
    if request.method == "POST" and EmptyForm().validate_on_submit():
        mark_notifications_read(current_user)
        db.session.commit()
        return redirect(url_for("main.notifications"))
    items = recent_notifications(current_user)
    return render_template("main/notifications.html", items=items, form=EmptyForm())


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if EmptyForm().validate_on_submit() and code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(safe_referrer())


@bp.route("/healthz")
def health():
    database_answers()
    return jsonify(status="ok")
