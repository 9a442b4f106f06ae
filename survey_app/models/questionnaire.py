"""Questionnaires and their versions: each changed definition file is a new version."""

from datetime import date

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base


class QuestionnaireRow(Base):
    """The stored row of a questionnaire, known by its slug; it points at the version new
    respondents get (the parsed definition is survey_app.questionnaire.Questionnaire)."""

    __tablename__ = "questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    opens_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("questionnaire_version.id", use_alter=True)
    )
    # Paper: the serial prefix of its copies (set when the first batch is printed), and whether
    # every copy must be keyed twice by different people.
    paper_prefix: Mapped[str | None] = mapped_column(String(6), unique=True)
    double_entry: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    current_version: Mapped["QuestionnaireVersion | None"] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )

    def is_open(self, on: date) -> bool:
        """Whether respondents may answer on the given day."""
        if self.opens_on and on < self.opens_on:
            return False
        return not (self.closes_on and on > self.closes_on)


class QuestionnaireVersion(Base):
    """One version of a questionnaire's definition, kept for as long as responses refer to it."""

    __tablename__ = "questionnaire_version"
    __table_args__ = (UniqueConstraint("questionnaire_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"))
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(300))
    # The file exactly as loaded: the version is rebuilt from it (and its hash is content_hash).
    # Both large columns load only when read: pages use the parsed definition cached by hash.
    source_text: Mapped[str] = mapped_column(Text, deferred=True)
    definition: Mapped[dict] = mapped_column(JSON, deferred=True)
    loaded_on: Mapped[date] = mapped_column(Date)

    questionnaire: Mapped[QuestionnaireRow] = relationship(foreign_keys=[questionnaire_id])
