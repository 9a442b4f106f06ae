"""The audit trail: append-only (database triggers refuse UPDATE and DELETE)."""

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.models.base import Base


class AuditEvent(Base):
    """Who did what to which record and field, with the old and new values.

    No foreign keys: the trail must outlive anything it mentions. Respondents appear only as
    the random response id; their answers are never timestamped here.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor_id: Mapped[int | None]
    actor_email: Mapped[str | None] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(40))
    serial: Mapped[str | None] = mapped_column(String(20), index=True)
    response_id: Mapped[str | None] = mapped_column(String(32))
    field: Mapped[str | None] = mapped_column(String(400))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
