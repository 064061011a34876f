"""Bearer-token authentication and the API's permission decorator.

``Authorization: Bearer TOKEN`` where TOKEN was printed by ``flask users token EMAIL`` or shown once
on the profile page. Issuing a new token replaces the old one; revoking or deactivating the account
stops it at once (only the token's hash is stored). A session cookie never authenticates an API
call: the API is exempt from CSRF, so it must not honour ambient credentials.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g, request
from flask_babel import gettext as _

from app.api.errors import Unauthorized
from app.core.errors import PermissionDenied
from app.core.permissions import PERMISSIONS, has_permission

#: Longest token accepted (``new_token`` makes 43 characters); longer values are not even hashed.
MAX_TOKEN_LENGTH = 256


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return token


def authenticate():
    """The active user behind the request's bearer token; Unauthorized (401) otherwise."""
    from app.auth.services import user_for_api_token

    token = bearer_token()
    if token is None:
        raise Unauthorized(_("Cần mã truy cập API: gửi tiêu đề “Authorization: Bearer <mã>”."))
    user = user_for_api_token(token)
    if user is None:
        raise Unauthorized(_("Mã truy cập API không hợp lệ, đã bị thay hoặc thu hồi."))
    if user.password_change_required:
        # The password an administrator set is not the person's yet (see app.auth.first_password).
        raise PermissionDenied(_("Tài khoản phải tự đặt mật khẩu (đăng nhập trên web) trước khi dùng API."))
    return user


def api_user():
    """The user the current API request acts for (set by :func:`api_requires`)."""
    return g.api_user


def api_requires(permission: str) -> Callable:
    """View decorator: bearer token required (401), then the role must hold ``permission`` (403).

    The API counterpart of :func:`app.core.permissions.requires`, over the same permission table;
    the view gets ``permission`` set too, so the route-permission test covers API routes.
    """
    if permission not in PERMISSIONS:
        raise KeyError(f"undeclared permission {permission!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = authenticate()
            g.api_user = user
            # Flask-Login's current_user (locale choice, helpers) is the token's user for this
            # request only; nothing is written to the session cookie.
            g._login_user = user
            if not has_permission(user, permission):
                raise PermissionDenied(_("Bạn không có quyền thực hiện thao tác này."))
            return view(*args, **kwargs)

        wrapped.permission = permission  # type: ignore[attr-defined]
        return wrapped

    return decorator
