"""The researchers' workspace: the searchable (redacted) text of segments, memos, and how well
the learned coder does per theme.

`search_text` holds each segment's redacted text and sentiment band, made by the workspace
service when it first needs them (a database trigger drops a row when its segment's text changes
or the segment goes, so it is made again). Search runs over this redacted text only, so a search
can never confirm a name that the page hides. Its `doc` is a random number derived from the
segment id (never an insertion counter), used as the full-text index's rowid on SQLite (FTS5 table
`search_fts`, made by the migration); on PostgreSQL the migration adds a stored tsvector column
`tsv` with a GIN index (not declared here: SQLite has no such type).
"""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.models.base import Base, random_id


class SearchText(Base):
    """A segment's redacted text and sentiment band, for searching and filtering."""

    __tablename__ = "search_text"
    __table_args__ = ({"sqlite_with_rowid": False},)

    # No foreign key: the trigger on segment removes the row (like coding_event, no FK needed).
    segment_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    doc: Mapped[int] = mapped_column(BigInteger, unique=True)
    redacted: Mapped[str] = mapped_column(Text)
    sentiment: Mapped[str] = mapped_column(String(10))


class Memo(Base):
    """A researcher's note on a segment or on a theme (exactly one of the two)."""

    __tablename__ = "memo"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    segment_id: Mapped[str | None] = mapped_column(String(32), index=True)
    theme: Mapped[str | None] = mapped_column(String(100), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ThemeQuality(Base):
    """Per theme, the learned coder's cross-validated precision and recall on people's codings,
    from the latest training run (replaced as a whole by each run)."""

    __tablename__ = "theme_quality"

    theme: Mapped[str] = mapped_column(String(100), primary_key=True)
    precision: Mapped[float] = mapped_column(Float)
    recall: Mapped[float] = mapped_column(Float)
    support: Mapped[int] = mapped_column(Integer)
    coder: Mapped[str] = mapped_column(String(200))
    computed_at: Mapped[datetime] = mapped_column(DateTime)
