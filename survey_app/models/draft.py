"""Answers in progress, kept on the server so that the cookie holds only the draft's id."""

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base
from survey_app.models.questionnaire import QuestionnaireVersion


class Draft(Base):
    """A respondent's unfinished questionnaire; spent on submission (deleted once the confirmation
    has been shown), removed on quick exit or expiry."""

    __tablename__ = "draft"
    # SQLite: stored in the order of the random id, not of creation (migration 0003).
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    # Only a hash of the resume code is stored; the code is shown once.
    resume_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    # "open" while answering; "submitted" keeps only what the confirmation page signposts by.
    status: Mapped[str] = mapped_column(String(10), default="open")

    version: Mapped[QuestionnaireVersion] = relationship()
