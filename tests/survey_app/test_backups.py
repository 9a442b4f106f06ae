"""`flask db backup` / `flask db restore`: identical data back, and bad files refused untouched."""

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from survey_app.extensions import db
from survey_app.services.questionnaires import sync_questionnaires
from tests.conftest import POSTGRES_ADMIN_URL, make_app, make_user
from tests.survey_app.walker import submit, walk


@pytest.fixture
def filled(fresh_database_url):
    """An app over a database of its own (restoring replaces everything in it) holding a
    questionnaire, a staff account and a response."""
    app = make_app(fresh_database_url)
    with app.app_context():
        upgrade()
        sync_questionnaires(Path(app.config["QUESTIONNAIRES_DIR"]), date.today())
    make_user(app, "admin", email="admin@example.org")
    client = app.test_client()
    check_page, _ = walk(client, app)
    submit(client, check_page)
    yield app
    with app.app_context():
        db.engine.dispose()


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table, in a fixed order."""
    with app.app_context():
        rows = {}
        for table in db.metadata.sorted_tables:
            ordered = ", ".join(column.name for column in table.primary_key.columns)
            query = text(f"SELECT * FROM {table.name} ORDER BY {ordered}")  # noqa: S608
            rows[table.name] = [tuple(row) for row in db.session.execute(query)]
        db.session.rollback()
        return rows


def count_responses(app) -> int:
    with app.app_context():
        count = db.session.execute(text("SELECT COUNT(*) FROM response")).scalar()
        db.session.rollback()
        return count


def test_restore_gives_back_identical_data(filled, tmp_path):
    runner = filled.test_cli_runner()
    before = snapshot(filled)
    assert before["response"] and before["answer"] and before["staff_user"]
    made = runner.invoke(args=["db", "backup", "--output", str(tmp_path / "backup.db")])
    assert made.exit_code == 0, made.output
    assert "schema revision" in made.output
    # Change things after the backup: another response, and a deleted account.
    client = filled.test_client()
    submit(client, walk(client, filled)[0])
    with filled.app_context():
        db.session.execute(text("DELETE FROM staff_user"))
        db.session.commit()
    assert snapshot(filled) != before
    restored = runner.invoke(args=["db", "restore", str(tmp_path / "backup.db"), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert snapshot(filled) == before


def test_a_truncated_backup_is_refused_and_nothing_changes(filled, tmp_path):
    runner = filled.test_cli_runner()
    backup = tmp_path / "backup.db"
    assert runner.invoke(args=["db", "backup", "--output", str(backup)]).exit_code == 0
    data = backup.read_bytes()
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(data[: len(data) * 2 // 3])
    before = snapshot(filled)
    result = runner.invoke(args=["db", "restore", str(truncated), "--yes"])
    assert result.exit_code != 0
    assert "truncated or damaged" in result.output or "failed" in result.output
    assert "Traceback" not in result.output
    assert snapshot(filled) == before


def test_a_file_that_is_not_our_backup_is_refused(filled, tmp_path):
    runner = filled.test_cli_runner()
    before = snapshot(filled)
    text_file = tmp_path / "notes.db"
    text_file.write_text("not a backup at all")
    result = runner.invoke(args=["db", "restore", str(text_file), "--yes"])
    assert result.exit_code != 0 and "is not a backup made by `flask db backup`" in result.output
    # Someone else's SQLite database.
    foreign = tmp_path / "foreign.db"
    connection = sqlite3.connect(foreign)
    connection.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    connection.commit()
    connection.close()
    result = runner.invoke(args=["db", "restore", str(foreign), "--yes"])
    assert result.exit_code != 0 and "not a backup of this application" in result.output
    assert snapshot(filled) == before
    assert count_responses(filled) == 1


def test_a_backup_of_the_other_kind_of_database_is_refused(filled, tmp_path):
    """A SQLite backup offered to PostgreSQL (or the other way round) says what to do."""
    runner = filled.test_cli_runner()
    backup = tmp_path / "backup.file"
    assert runner.invoke(args=["db", "backup", "--output", str(backup)]).exit_code == 0
    other = make_app(
        "sqlite:///" + str(tmp_path / "other.db")
        if filled.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
        else POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/never_touched_by_a_refused_restore"
    )
    result = other.test_cli_runner().invoke(args=["db", "restore", str(backup), "--yes"])
    assert result.exit_code != 0
    assert "backup, but the database is" in result.output
