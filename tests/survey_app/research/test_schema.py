"""The research tables as the migrations build them: matching the models, unordered, append-only."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from survey_app.extensions import db
from survey_app.models import Base
from tests.survey_app.research.factories import make_coding_event

RESEARCH_TABLES = ("codebook", "codebook_version", "theme", "segment", "coding", "coding_event")


def test_the_migrations_build_what_the_research_models_describe(app):
    with app.app_context():
        context = MigrationContext.configure(db.engine.connect())
        diff = compare_metadata(context, Base.metadata)
        context.connection.close()
    research = [d for d in diff if any(t in repr(d) for t in RESEARCH_TABLES)]
    assert research == []


def test_segment_and_coding_tables_have_no_rowid_on_sqlite(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        for table in ("segment", "coding", "coding_event", "machine_pass"):
            sql = db.session.execute(
                text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"),
                {"t": table},
            ).scalar_one()
            assert sql.rstrip().endswith("WITHOUT ROWID"), table


def test_segments_carry_no_time(app):
    with app.app_context():
        columns = {c.name: c for c in Base.metadata.tables["segment"].columns}
    assert not [n for n, c in columns.items() if "time" in repr(c.type).lower()]


def test_coding_events_cannot_be_changed_or_deleted(app):
    with app.app_context():
        event_id = make_coding_event()
        for statement in (
            "UPDATE coding_event SET action = 'x' WHERE id = :id",
            "DELETE FROM coding_event WHERE id = :id",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement), {"id": event_id})
            db.session.rollback()
