"""Flask-Login wiring: the cookie carries a session token, looked up (and revocable) in the DB."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.auth.services import load_session
from app.extensions import login_manager
from app.models import User

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
login_manager.login_message_category = "warning"
login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(token: str) -> User | None:
    return load_session(token)


def _get_id(self: User) -> str:
    return self.session_token


User.get_id = _get_id  # type: ignore[method-assign]
User.session_token = ""  # type: ignore[attr-defined]
