"""The order in which responses were stored cannot be read back from the database's storage."""

import os
from datetime import date

import pytest
from sqlalchemy import Date, DateTime, Time, inspect, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from survey_app.extensions import db
from survey_app.models import AnswerRow, Draft, QuestionnaireVersion, Response
from tests.conftest import make_app

ON_POSTGRESQL = os.environ.get("TEST_DATABASE", "sqlite") == "postgresql"
sqlite_only = pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite storage")
postgresql_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL storage")
UNORDERED = ("draft", "response", "answer")
QUESTIONS = ("crime_type", "area", "why_not_reported")


def store_responses(app, count: int) -> list[str]:
    """Store `count` responses, one transaction each (as submissions are); ids in that order."""
    ids = []
    with app.app_context():
        version_id = db.session.scalar(select(QuestionnaireVersion.id))
        for _ in range(count):
            response = Response(version_id=version_id, channel="online", submitted_on=date.today())
            response.answers = [
                AnswerRow(question=name, position=n, state="answered", value=f"v{n}")
                for n, name in enumerate(QUESTIONS)
            ]
            db.session.add(response)
            db.session.commit()
            ids.append(response.id)
    return ids


def test_models_declare_their_tables_without_rowid():
    for model in (Draft, Response, AnswerRow):
        assert model.__table__.dialect_options["sqlite"]["with_rowid"] is False


@sqlite_only
def test_sqlite_keeps_responses_answers_and_drafts_in_id_order_not_insertion_order(synced):
    ids = store_responses(synced, 30)
    assert ids != sorted(ids)  # 30 random ids in order would be a 1 in 30! event
    with synced.app_context():
        for table in UNORDERED:
            sql = db.session.scalar(
                text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
                {"name": table},
            )
            assert sql.rstrip().endswith("WITHOUT ROWID"), table
            with pytest.raises(OperationalError, match="rowid"):
                db.session.execute(text(f"SELECT rowid FROM {table}"))  # noqa: S608
            db.session.rollback()
        # A plain scan (no ORDER BY) walks the table's own B-tree: the order of the random ids.
        scanned = db.session.scalars(text("SELECT id FROM response")).all()
        assert scanned == sorted(ids)
        answers = db.session.execute(text("SELECT response_id, question FROM answer")).all()
        assert [tuple(row) for row in answers] == sorted(tuple(row) for row in answers)


ROWS_AT_0002 = (
    "INSERT INTO questionnaire (id, slug, title) VALUES (1, 'q', 'Q')",
    "INSERT INTO questionnaire_version (id, questionnaire_id, number, content_hash, source, "
    "source_text, definition, loaded_on) VALUES (1, 1, 1, 'h', 's', 't', '{}', '2026-11-30')",
    "INSERT INTO staff_user (id, email, role, password_hash, active) "
    "VALUES (1, 'a@example.org', 'admin', 'x', true)",
    "INSERT INTO draft (id, version_id, answers, resume_code_hash, expires_at, status) VALUES "
    '(\'d2\', 1, \'{"area": {"state": "answered", "value": "wirral"}}\', \'c2\', '
    "'2026-12-01 10:00:00', 'open'), ('d1', 1, '{}', NULL, '2026-12-02 00:00:00', 'submitted')",
    "INSERT INTO response (id, version_id, channel, submitted_on) VALUES "
    "('ff01', 1, 'online', '2026-11-30'), ('0a02', 1, 'paper', '2026-11-29')",
    "INSERT INTO answer (response_id, question, position, state, value) VALUES "
    "('ff01', 'area', 1, 'answered', '\"wirral\"'), ('ff01', 'age', 0, 'skipped', NULL), "
    "('0a02', 'area', 1, 'answered', '\"sefton\"')",
    "INSERT INTO paper_batch (id, questionnaire_id, version_id, printed_on, count, created_by_id) "
    "VALUES (1, 1, 1, '2026-11-01', 2, 1)",
    "INSERT INTO paper_copy (serial, questionnaire_id, version_id, batch_id, number, response_id, "
    "final_via) VALUES ('VES-000001-0', 1, 1, 1, 1, '0a02', 'single')",
)
CONTENTS = {
    "draft": "SELECT id, version_id, answers, resume_code_hash, expires_at, status FROM draft",
    "response": "SELECT id, version_id, channel, submitted_on FROM response",
    "answer": "SELECT response_id, question, position, state, value FROM answer",
    "paper_copy": "SELECT serial, response_id FROM paper_copy",
}


def _snapshot(app) -> dict:
    """Every row, every foreign key and index of the rebuilt tables and of paper_copy."""
    with app.app_context():
        inspector = inspect(db.session.connection())  # one connection: SQLite locks at BEGIN
        found = {}
        for table, query in CONTENTS.items():
            rows = db.session.execute(text(query)).all()
            found[table] = sorted(tuple(str(value) for value in row) for row in rows)
            found[table, "fk"] = sorted(
                (fk["name"], tuple(fk["constrained_columns"]), fk["referred_table"])
                for fk in inspector.get_foreign_keys(table)
            )
            found[table, "pk"] = inspector.get_pk_constraint(table)["constrained_columns"]
            found[table, "ix"] = sorted(
                (ix["name"], tuple(ix["column_names"]), ix["unique"])
                for ix in inspector.get_indexes(table)
            )
            found[table, "uq"] = sorted(
                (uq["name"], tuple(uq["column_names"]))
                for uq in inspector.get_unique_constraints(table)
            )
        db.session.rollback()
        return found


def _rowid_tables(app) -> set[str]:
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return set()
        rows = db.session.execute(text("SELECT name, sql FROM sqlite_master WHERE type='table'"))
        return {name for name, sql in rows if not sql.rstrip().endswith("WITHOUT ROWID")}


def test_migration_0003_keeps_rows_keys_and_indexes_and_downgrades(fresh_database_url):
    from flask_migrate import downgrade, upgrade

    app = make_app(fresh_database_url)
    with app.app_context():
        upgrade(revision="0002_staff_and_paper")
        db.engine.dispose()
        for statement in ROWS_AT_0002:
            db.session.execute(text(statement))
        db.session.commit()
    before = _snapshot(app)
    assert len(before["answer"]) == 3
    assert {"draft", "response", "answer"} <= _rowid_tables(app) or ON_POSTGRESQL

    with app.app_context():
        upgrade(revision="0003_unordered_rows")
        db.engine.dispose()
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == (
            "0003_unordered_rows"
        )
    assert _snapshot(app) == before
    assert not _rowid_tables(app) & {"draft", "response", "answer"}
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
            assert db.session.scalar(text("PRAGMA foreign_keys")) == 1
        # The keys still hold: an answer to no response, a second use of a resume code.
        for bad in (
            "INSERT INTO answer (response_id, question, position, state) "
            "VALUES ('nope', 'x', 0, 'skipped')",
            "INSERT INTO draft (id, version_id, answers, resume_code_hash, expires_at, status) "
            "VALUES ('d3', 1, '{}', 'c2', '2026-12-01 00:00:00', 'open')",
        ):
            with pytest.raises(IntegrityError):
                db.session.execute(text(bad))
                db.session.commit()
            db.session.rollback()

    with app.app_context():
        downgrade(revision="0002_staff_and_paper")
        db.engine.dispose()
    assert _snapshot(app) == before
    assert {"draft", "response", "answer"} <= _rowid_tables(app) or ON_POSTGRESQL
    with app.app_context():
        db.engine.dispose()


def _physical_order(table: str, key: str) -> tuple[list, list]:
    """(rows in heap order, rows in key order, as the database itself sorts them)."""
    in_heap = db.session.execute(text(f"SELECT {key} FROM {table} ORDER BY ctid")).all()  # noqa: S608
    in_key = db.session.execute(text(f"SELECT {key} FROM {table} ORDER BY {key}")).all()  # noqa: S608
    return in_heap, in_key


@postgresql_only
def test_scatter_puts_postgresql_rows_in_id_order_under_one_transaction_id(synced, runner):
    ids = store_responses(synced, 30)
    assert ids != sorted(ids)
    with synced.app_context():
        # The leak: each submission's rows carry its own transaction id, which counts up (heap
        # order follows submission too, unless vacuumed space from earlier tests is reused).
        assert db.session.scalar(text("SELECT count(DISTINCT xmin::text) FROM response")) == 30
        db.session.rollback()

    result = runner.invoke(args=["responses", "scatter"])
    assert result.exit_code == 0, result.output
    assert "one transaction" in result.output

    with synced.app_context():
        for table, key in (("response", "id"), ("answer", "response_id, question")):
            in_heap, in_key = _physical_order(table, key)
            assert in_heap == in_key, table
        xmins = db.session.scalars(
            text("SELECT DISTINCT xmin::text FROM response UNION SELECT xmin::text FROM answer")
        ).all()
        assert len(xmins) == 1
        assert db.session.scalar(text("SELECT count(*) FROM answer")) == 30 * len(QUESTIONS)
        db.session.rollback()
        # No old row version was copied into the new files: every tuple has the one xmin.
        db.session.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        for table in ("response", "answer"):
            tuple_xmins = db.session.scalars(
                text(
                    "SELECT DISTINCT t_xmin::text FROM generate_series(0, "
                    "pg_relation_size(CAST(:t AS regclass)) "
                    "/ current_setting('block_size')::int - 1) AS page, "
                    "heap_page_items(get_raw_page(CAST(:t AS text), page::int)) "
                    "WHERE lp_flags = 1"
                ),
                {"t": table},
            ).all()
            assert tuple_xmins == xmins, table
        db.session.execute(text("DROP EXTENSION pageinspect"))
        db.session.commit()


@sqlite_only
def test_scatter_has_nothing_to_do_on_sqlite(synced, runner):
    store_responses(synced, 3)
    result = runner.invoke(args=["responses", "scatter"])
    assert result.exit_code == 0, result.output
    assert "Nothing to do" in result.output
    with synced.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM response")) == 3


def test_no_column_records_when_a_response_was_stored():
    """Responses carry a date (no time); no other table times a submission."""
    from survey_app.models.base import Base

    timed = {
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, DateTime | Time)
    }
    # Drafts' expiry (coarsened once submitted, and the spent draft soon deleted); when staff
    # keyed a paper copy, and the audit trail of staff actions (paper copies and corrections,
    # never an online submission); when people or a coding run coded segments, and research
    # jobs (staff actions on data already stored, never part of a submission).
    assert timed == {
        "draft.expires_at",
        "paper_entry.saved_at",
        "audit_event.at",
        "coding.created_at",
        "coding.updated_at",
        "coding_event.at",
        "research_job.created_at",
        "research_job.finished_at",
        # Researchers' memos and a training run's figures (workspace: staff actions too).
        "memo.created_at",
        "theme_quality.computed_at",
        # Focus-group sessions (recorded by staff) and transcripts awaiting confirm: staff
        # actions, never part of a submission.
        "focus_session.created_at",
        "focus_session.transcript_imported_at",
        "pending_import.created_at",
        "pending_import.expires_at",
        # Codebook versions made in the browser, two-coder samples and their settlements: staff
        # actions on data already stored.
        "codebook_version.made_at",
        "coding_sample.created_at",
        "coding_sample.a_done_at",
        "coding_sample.b_done_at",
        "sample_decision.settled_at",
    }
    assert isinstance(Response.__table__.c.submitted_on.type, Date)
