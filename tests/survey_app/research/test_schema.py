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


def test_migration_0007_fills_the_file_hash_and_downgrades(fresh_database_url):
    """An existing codebook's current version is the file last synced; the migration goes down
    and up again with its data."""
    from datetime import date
    from pathlib import Path

    from flask_migrate import downgrade, upgrade

    from survey_app.services.definitions import sync_definitions
    from tests.conftest import make_app

    app = make_app(fresh_database_url)
    with app.app_context():
        upgrade()
        sync_definitions(Path(app.config["QUESTIONNAIRES_DIR"]), date.today())
        content_hash = db.session.scalar(text("SELECT content_hash FROM codebook_version"))
        db.session.execute(text("UPDATE codebook SET file_hash = NULL"))
        db.session.commit()
        downgrade(revision="0004_research_data")
        db.engine.dispose()
    with app.app_context():
        upgrade()
        assert db.session.scalar(text("SELECT file_hash FROM codebook")) == content_hash
        assert db.session.scalar(text("SELECT origin FROM codebook_version")) == "file"
        # A sync of the same file now changes nothing.
        results = sync_definitions(Path(app.config["QUESTIONNAIRES_DIR"]), date.today())
        assert [r.created for r in results if r.kind == "codebook"] == [False]
        db.engine.dispose()
