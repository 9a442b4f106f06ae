"""Paper questionnaires: printed batches of serial-numbered copies, returns, and keyed entries."""

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base
from survey_app.models.questionnaire import QuestionnaireRow, QuestionnaireVersion


class PaperBatch(Base):
    """Copies printed together; each copy has its own serial number."""

    __tablename__ = "paper_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    printed_on: Mapped[date] = mapped_column(Date)
    count: Mapped[int]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))

    questionnaire: Mapped[QuestionnaireRow] = relationship()
    version: Mapped[QuestionnaireVersion] = relationship()
    copies: Mapped[list["PaperCopy"]] = relationship(
        back_populates="batch", order_by="PaperCopy.number"
    )


class PaperCopy(Base):
    """One printed copy; becomes a final Response once keyed (and, if required, twice)."""

    __tablename__ = "paper_copy"
    __table_args__ = (UniqueConstraint("questionnaire_id", "number"),)

    serial: Mapped[str] = mapped_column(String(20), primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("paper_batch.id"), index=True)
    number: Mapped[int]
    # Set once, when the copy's answers are final: "single", "agreed" or "reconciled".
    response_id: Mapped[str | None] = mapped_column(ForeignKey("response.id"), unique=True)
    final_via: Mapped[str | None] = mapped_column(String(12))
    # Optimistic lock for reconciliation: a save names the version it started from.
    lock_version: Mapped[int] = mapped_column(default=0, server_default="0")

    batch: Mapped[PaperBatch] = relationship(back_populates="copies")
    version: Mapped[QuestionnaireVersion] = relationship()
    entries: Mapped[list["PaperEntry"]] = relationship(
        back_populates="copy", order_by="PaperEntry.round"
    )


class PaperReturn(Base):
    """A delivery of completed copies: when it arrived and how many were in it."""

    __tablename__ = "paper_return"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    count: Mapped[int]
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))


class PaperEntry(Base):
    """One person's keying of one copy: round 1, or round 2 keyed blind by someone else."""

    __tablename__ = "paper_entry"
    __table_args__ = (
        UniqueConstraint("serial", "round"),
        UniqueConstraint("serial", "keyer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(ForeignKey("paper_copy.serial"))
    round: Mapped[int]
    keyer_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    # Question name -> Answer.to_json(); every question on the paper, routing ignored.
    answers: Mapped[dict] = mapped_column(JSON)
    # Routing inconsistencies found when saved (question name -> message).
    flags: Mapped[dict] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(DateTime)
    lock_version: Mapped[int] = mapped_column(default=0, server_default="0")

    copy: Mapped[PaperCopy] = relationship(back_populates="entries")
