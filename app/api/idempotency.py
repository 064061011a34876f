"""``Idempotency-Key`` on API POSTs: the same key from the same user gets the same answer, and the
work is done once (a client that saw a reset connection may retry safely).

The key is reserved in the same transaction as the view's own writes, so either both are committed
or neither: a retry after a lost answer finds the reservation and replays the stored answer instead
of creating a second record.  A concurrent duplicate waits on the unique (user, key) index and is
then answered from the first one's record, or told it is still being processed (409).  Keys are kept
for :data:`RETENTION`; the scheduler's housekeeping removes older ones.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps

import sqlalchemy as sa
from flask import Response, make_response, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.api.auth import api_user
from app.core.clock import now_utc
from app.core.errors import Conflict, ValidationFailed
from app.extensions import db
from app.models import IdempotentRequest

HEADER = "Idempotency-Key"
RETENTION = timedelta(hours=24)
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string, request.get_data(cache=True)):
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _find(user_id: int, key: str) -> IdempotentRequest | None:
    return db.session.scalar(sa.select(IdempotentRequest).where(IdempotentRequest.user_id == user_id,
                                                                IdempotentRequest.key == key))


def _replay(record: IdempotentRequest, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise ValidationFailed(_("Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác."), field=HEADER)
    if record.status_code is None:
        raise Conflict(_("Yêu cầu với khóa Idempotency-Key này đang được xử lý. Vui lòng thử lại sau."))
    response = Response(record.body or "", status=record.status_code, mimetype="application/json")
    if record.location:
        response.headers["Location"] = record.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(view: Callable) -> Callable:
    """Decorator for API POST views, under ``api_requires`` (the key belongs to the token's user)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        key = key.strip()
        if not _KEY.fullmatch(key):
            raise ValidationFailed(_("Idempotency-Key phải gồm 1–255 ký tự ASCII in được."), field=HEADER)
        user_id, fingerprint = api_user().id, _fingerprint()
        existing = _find(user_id, key)
        if existing is not None:
            return _replay(existing, fingerprint)
        record = IdempotentRequest(user_id=user_id, key=key, fingerprint=fingerprint, created_at=now_utc())
        db.session.add(record)
        try:
            db.session.flush()  # a concurrent duplicate waits here, then fails on the unique index
        except IntegrityError:
            db.session.rollback()
            existing = _find(user_id, key)
            if existing is None:
                raise
            return _replay(existing, fingerprint)
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            _release(user_id, key)
            raise
        if not 200 <= response.status_code < 300:
            _release(user_id, key)
            return response
        db.session.execute(sa.update(IdempotentRequest).where(IdempotentRequest.user_id == user_id,
                                                              IdempotentRequest.key == key)
                           .values(status_code=response.status_code, body=response.get_data(as_text=True),
                                   location=response.headers.get("Location")))
        db.session.commit()
        return response

    return wrapped


def _release(user_id: int, key: str) -> None:
    """The request failed: forget the key (committed with the view's work or not), so a retry runs."""
    db.session.rollback()
    db.session.execute(sa.delete(IdempotentRequest).where(IdempotentRequest.user_id == user_id,
                                                          IdempotentRequest.key == key,
                                                          IdempotentRequest.status_code.is_(None)))
    db.session.commit()


def purge_expired(now: datetime | None = None) -> int:
    result = db.session.execute(sa.delete(IdempotentRequest)
                                .where(IdempotentRequest.created_at < (now or now_utc()) - RETENTION))
    return result.rowcount or 0
