"""Research data: codebooks with versions and themes, segments of text, codings and their history.

Respondent anonymity: no table here may reveal the order in which responses were submitted. So
segments and codings have random primary keys (and, on SQLite, no hidden rowid: the migration
creates them WITHOUT ROWID), and a segment carries no time at all; the response has a date only.
Codings and coding events are staff or machine actions and carry timestamps.
"""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import func, text

from survey_app.models.base import Base, random_id
from survey_app.models.response import Response

#: Stages a segment can have; "none" for a question or utterance without one.
SEGMENT_STAGES = ("reporting", "engagement", "recovery", "none")
SOURCES = ("survey", "focus_group", "workshop")


class Codebook(Base):
    """A codebook known by its name; it points at its current version."""

    __tablename__ = "codebook"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("codebook_version.id", use_alter=True)
    )
    # analysis.Codebook.version of the file last synced: a sync of an unchanged file leaves the
    # browser's edits alone; a changed file makes a new version (services/codebook_edits.py).
    file_hash: Mapped[str | None] = mapped_column(String(64))

    current_version: Mapped["CodebookVersion | None"] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )


class CodebookVersion(Base):
    """One version of a codebook file (new content, new version), with its themes."""

    __tablename__ = "codebook_version"
    __table_args__ = (UniqueConstraint("codebook_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    codebook_id: Mapped[int] = mapped_column(ForeignKey("codebook.id"))
    number: Mapped[int]
    # analysis.Codebook.version: a short hash of the themes, recorded by the rule coder.
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(300))
    source_text: Mapped[str] = mapped_column(Text, deferred=True)
    loaded_on: Mapped[date] = mapped_column(Date)
    # "file" (questionnaires sync) or "browser" (an edit on the codebook pages); what changed in
    # words, who (no foreign key, like the audit trail: the history outlives accounts) and when.
    origin: Mapped[str] = mapped_column(String(10), default="file", server_default="file")
    change: Mapped[str] = mapped_column(Text, default="", server_default="")
    made_by_id: Mapped[int | None]
    made_by_email: Mapped[str | None] = mapped_column(String(320))
    made_at: Mapped[datetime | None] = mapped_column(DateTime)

    codebook: Mapped[Codebook] = relationship(foreign_keys=[codebook_id])
    themes: Mapped[list["Theme"]] = relationship(
        back_populates="version", order_by="Theme.position", cascade="all, delete-orphan"
    )


class Theme(Base):
    """A theme of one codebook version: its id in the file (`key`), label, stage, parent."""

    __tablename__ = "theme"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("codebook_version.id"))
    key: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(300))
    stage: Mapped[str | None] = mapped_column(String(20))
    definition: Mapped[str] = mapped_column(Text, default="")
    parent_key: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[int]

    version: Mapped[CodebookVersion] = relationship(back_populates="themes")


class Segment(Base):
    """One unit of text to code: a free-text answer now, a focus-group turn later.

    It copies what summaries filter on (stage, source, channel, crime types, area, question) so
    that they never join back through answers. No timestamp: see the module docstring.
    """

    __tablename__ = "segment"
    __table_args__ = (
        UniqueConstraint("response_id", "question"),
        # The workspace's segment browser lists by these (migration 0006_workspace).
        Index("ix_segment_stage_question", "stage", "question", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    source: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str | None] = mapped_column(String(10))  # online, paper, or None
    stage: Mapped[str] = mapped_column(String(20))  # reporting, engagement, recovery or none
    text: Mapped[str] = mapped_column(Text)
    questionnaire_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire.id"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire_version.id"))
    question: Mapped[str | None] = mapped_column(String(100))
    response_id: Mapped[str | None] = mapped_column(ForeignKey("response.id"), index=True)
    crime_types: Mapped[list] = mapped_column(JSON, default=list)
    area: Mapped[str | None] = mapped_column(String(100))
    # Later sources: a focus-group session, the turn's number and the speaker's pseudonym.
    session_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    turn: Mapped[int | None]
    speaker: Mapped[str | None] = mapped_column(String(64))
    # VADER's compound score of the text (-1 to 1), set when the segment is made or its text
    # changes (services/segments.py `scored`); None when written around the services.
    sentiment: Mapped[float | None] = mapped_column(Float)

    # Declared so that a response and its segments added together are inserted in that order.
    response: Mapped["Response | None"] = relationship()


class Coding(Base):
    """That a segment carries a theme, by whom or what, how sure, and what became of it.

    A coder is a machine with its version (`rules@<codebook hash>`, `model:<file>@<hash>`) or a
    person (`person:<user id>`, with `user_id`). Changes are recorded in `coding_event`.
    """

    __tablename__ = "coding"
    __table_args__ = (
        UniqueConstraint("segment_id", "theme", "coder"),
        # The workspace's theme filter and review queue (migration 0006_workspace): pending
        # suggestions by how far their confidence is from 0.5 (services/review.py).
        Index("ix_coding_theme_status", "theme", "status", "segment_id"),
        Index(
            "ix_coding_uncertainty",
            func.abs(text("confidence - 0.5")),
            sqlite_where=text("status = 'suggested' AND user_id IS NULL"),
            postgresql_where=text("status = 'suggested' AND user_id IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    segment_id: Mapped[str] = mapped_column(ForeignKey("segment.id"), index=True)
    theme: Mapped[str] = mapped_column(String(100))
    coder: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    confidence: Mapped[float | None] = mapped_column(Float)
    # analysis.records.CODING_STATUSES: suggested, accepted, rejected, human, superseded.
    status: Mapped[str] = mapped_column(String(12))
    # Set when the segment's text changed after coding (an admin's correction of a paper record).
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    matched: Mapped[list] = mapped_column(JSON, default=list)
    # "positive" (praise), "negative" (complaint), "mixed", or None when not known: from the
    # codebook's (+)/(-) indicator markers for rule codings. Never add praise and complaint up.
    direction: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    segment: Mapped[Segment] = relationship()


class CodingEvent(Base):
    """One change to a coding; append-only (database triggers refuse UPDATE and DELETE).

    No foreign keys, like the audit trail: the history outlives the codings it mentions.
    """

    __tablename__ = "coding_event"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    coding_id: Mapped[str] = mapped_column(String(32), index=True)
    segment_id: Mapped[str] = mapped_column(String(32))
    theme: Mapped[str] = mapped_column(String(100))
    coder: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[int | None]
    # created, accepted, rejected, needs_review, removed
    action: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))
    confidence: Mapped[float | None] = mapped_column(Float)


class MachinePass(Base):
    """That a machine coder has looked at a segment (whether or not it found any theme), so a
    second run of `flask research code` skips it."""

    __tablename__ = "machine_pass"

    segment_id: Mapped[str] = mapped_column(ForeignKey("segment.id"), primary_key=True)
    coder: Mapped[str] = mapped_column(String(200), primary_key=True)


class ResearchJob(Base):
    """Long work run by the job queue (coding, training), with its progress for the browser."""

    __tablename__ = "research_job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    kind: Mapped[str] = mapped_column(String(20))  # "code"
    questionnaire_slug: Mapped[str | None] = mapped_column(String(100))
    coder: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))  # queued, running, done, failed
    done: Mapped[int] = mapped_column(default=0, server_default="0")
    total: Mapped[int] = mapped_column(default=0, server_default="0")
    message: Mapped[str] = mapped_column(Text, default="")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class CodingSample(Base):
    """Segments drawn (by filters, size and a recorded seed) for two people to code blind."""

    __tablename__ = "coding_sample"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    name: Mapped[str] = mapped_column(String(200))
    questionnaire_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire.id"))
    stage: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(20))
    size: Mapped[int]
    seed: Mapped[int]
    coder_a_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    coder_b_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    # When each coder said they had finished; the codes are blind until both have.
    a_done_at: Mapped[datetime | None] = mapped_column(DateTime)
    b_done_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SampleSegment(Base):
    """A segment of a sample, in the sample's (seeded, random) order. No foreign key to the
    segment: an admin's correction may remove a segment, and the sample then goes without it."""

    __tablename__ = "sample_segment"

    sample_id: Mapped[str] = mapped_column(ForeignKey("coding_sample.id"), primary_key=True)
    segment_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int]


class SampleDecision(Base):
    """A settled disagreement: whether the theme applies, and what each coder had said."""

    __tablename__ = "sample_decision"

    sample_id: Mapped[str] = mapped_column(ForeignKey("coding_sample.id"), primary_key=True)
    segment_id: Mapped[str] = mapped_column(String(32), primary_key=True)  # no key: see above
    theme: Mapped[str] = mapped_column(String(100), primary_key=True)
    present: Mapped[bool] = mapped_column(Boolean)
    a_said: Mapped[bool] = mapped_column(Boolean)
    b_said: Mapped[bool] = mapped_column(Boolean)
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    settled_at: Mapped[datetime] = mapped_column(DateTime)
