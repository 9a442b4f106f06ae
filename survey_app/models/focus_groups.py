"""Focus groups and workshops: topic guides (versions), sessions, and transcripts awaiting review.

A session's turns are stored as `segment` rows (source "focus_group" or "workshop", session_ref =
the session's id). No participant's name is stored anywhere here: the consent record says how and
by whom consent was taken, never from whom. A pending import holds a parsed transcript (which does
contain names) between upload and confirm only: it belongs to one user, expires within the hour
and is deleted on confirm or cancel; the uploaded file itself is never stored.
"""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, random_id
from survey_app.models.user import User

SESSION_KINDS = ("focus_group", "workshop")
CONSENT_METHODS = ("written", "verbal_recorded", "verbal_noted", "online_form")


class TopicGuideVersion(Base):
    """One version of a topic-guide file (new content, new version); the newest is current."""

    __tablename__ = "topic_guide_version"
    __table_args__ = (UniqueConstraint("name", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(300))
    source_text: Mapped[str] = mapped_column(Text, deferred=True)
    loaded_on: Mapped[date] = mapped_column(Date)


session_facilitator = Table(
    "focus_session_facilitator",
    Base.metadata,
    Column("session_id", ForeignKey("focus_session.id"), primary_key=True),
    Column("user_id", ForeignKey("staff_user.id"), primary_key=True),
)


class FocusSession(Base):
    """A focus group or workshop: when, where, for which victim groups, who facilitated, the
    topic guide and the consent record. Its transcript's turns are segments."""

    __tablename__ = "focus_session"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    kind: Mapped[str] = mapped_column(String(20))  # focus_group or workshop
    held_on: Mapped[date] = mapped_column(Date)
    # Values of the survey's `area` and `crime_type` choices.
    area: Mapped[str] = mapped_column(String(100))
    crime_types: Mapped[list] = mapped_column(JSON, default=list)
    attendees: Mapped[int | None]
    topic_guide_id: Mapped[int] = mapped_column(ForeignKey("topic_guide_version.id"))
    consent_obtained: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_method: Mapped[str | None] = mapped_column(String(30))
    consent_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Set when a transcript's turns were stored (by whom: the audit trail says).
    transcript_imported_at: Mapped[datetime | None] = mapped_column(DateTime)

    topic_guide: Mapped[TopicGuideVersion] = relationship()
    facilitators: Mapped[list[User]] = relationship(
        secondary=session_facilitator, order_by=User.email
    )
    consent_recorded_by: Mapped[User | None] = relationship(foreign_keys=[consent_recorded_by_id])


class PendingImport(Base):
    """A parsed transcript between upload and confirm: one user's, short-lived, in the database
    (so any app server can confirm it); the preview and the confirm are computed from it alone."""

    __tablename__ = "pending_import"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    session_id: Mapped[str] = mapped_column(ForeignKey("focus_session.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    file_format: Mapped[str] = mapped_column(String(10))
    # [{"speaker": label, "facilitator": bool, "text": str}, ...] as parsed; names included.
    turns: Mapped[list] = mapped_column(JSON)
    register: Mapped[list] = mapped_column(JSON, default=list)
    # The researcher's changes: terms added, originals kept, section marks {turn: key}.
    added: Mapped[list] = mapped_column(JSON, default=list)
    kept: Mapped[list] = mapped_column(JSON, default=list)
    marks: Mapped[dict] = mapped_column(JSON, default=dict)
    # Bumped by each change, so a confirm from an older preview is refused.
    revision: Mapped[int] = mapped_column(default=0)
