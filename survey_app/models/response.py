"""Responses (online or keyed from paper) and their answers, one row per question."""

from datetime import date

from sqlalchemy import JSON, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, random_id
from survey_app.models.questionnaire import QuestionnaireVersion


class Response(Base):
    """A submitted questionnaire: random id and the date only, nothing about the device."""

    __tablename__ = "response"
    # SQLite: rows in the order of the random id, not of submission (migration 0003); on
    # PostgreSQL `flask responses scatter` (daily) does the same for the heap and xmin.
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # "online" or "paper"
    submitted_on: Mapped[date] = mapped_column(Date)

    version: Mapped[QuestionnaireVersion] = relationship()
    answers: Mapped[list["AnswerRow"]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="AnswerRow.position"
    )


class AnswerRow(Base):
    """The stored row of one question's answer: its state (answered, prefer not to say,
    skipped...) and value (the typed answer is survey_app.questionnaire.Answer)."""

    __tablename__ = "answer"
    __table_args__ = ({"sqlite_with_rowid": False},)

    response_id: Mapped[str] = mapped_column(ForeignKey("response.id"), primary_key=True)
    question: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int]
    state: Mapped[str] = mapped_column(String(20))
    value: Mapped[object | None] = mapped_column(JSON)

    response: Mapped[Response] = relationship(back_populates="answers")
