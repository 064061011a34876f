"""The one writer of the audit log. Services call it inside their transaction."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask import has_request_context, request

from app.core.clock import now_utc
from app.extensions import db
from app.models.audit import AuditEvent


def _jsonable(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj, fields: list[str] | tuple[str, ...]) -> dict:
    """The named attributes of ``obj`` as a JSON-ready dict (enums by value, dates ISO)."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose values changed, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    actor,
    action: str,
    entity,
    *,
    summary: str = "",
    before: dict | None = None,
    after: dict | None = None,
    task_id: int | None = None,
) -> AuditEvent:
    """Add an AuditEvent to the current transaction (flushes so ``entity.id`` is known)."""
    db.session.flush()
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        entity_type=type(entity).__name__ if not isinstance(entity, str) else entity,
        entity_id=getattr(entity, "id", None),
        task_id=task_id,
        summary=summary[:1000],
        before=json.dumps(before, ensure_ascii=False) if before else None,
        after=json.dumps(after, ensure_ascii=False) if after else None,
        ip_address=request.remote_addr if has_request_context() else None,
        created_at=now_utc(),
    )
    db.session.add(event)
    return event
