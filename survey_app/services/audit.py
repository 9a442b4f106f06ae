"""The audit trail: record staff actions field by field; read them back. Never change them."""

import json
from datetime import UTC, datetime

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AuditEvent, User


def _text(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def record(
    actor: User | None,
    action: str,
    *,
    serial: str | None = None,
    response_id: str | None = None,
    field: str | None = None,
    old=None,
    new=None,
) -> None:
    """Add one event to the session; the caller's commit writes it with the change it records."""
    db.session.add(
        AuditEvent(
            at=datetime.now(UTC).replace(tzinfo=None),
            actor_id=actor.id if actor else None,
            actor_email=actor.email if actor else None,
            action=action,
            serial=serial,
            response_id=response_id,
            field=field,
            old_value=_text(old),
            new_value=_text(new),
        )
    )


def events(serial: str | None = None, limit: int = 500) -> list[AuditEvent]:
    """The latest events, newest first; only those about one serial when given."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if serial:
        query = query.where(AuditEvent.serial == serial)
    return list(db.session.scalars(query))
