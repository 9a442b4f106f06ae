"""SQLite locking: pages and exports read alongside a writer; writes in a GET or a command
reading only must be declared."""

import os
import sqlite3

import pytest

from tests.survey_app.walker import SLUG

pytestmark = pytest.mark.skipif(
    os.environ.get("TEST_DATABASE", "sqlite") != "sqlite", reason="SQLite locking only"
)


@pytest.mark.timeout(20)
def test_pages_render_while_another_process_holds_the_write_lock(client, synced, migrated):
    writer = sqlite3.connect(migrated.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        # Reading under WAL needs no lock; waiting for this one would take busy_timeout (30 s).
        assert client.get(f"/s/{SLUG}/").status_code == 200
        assert client.get("/healthz").status_code == 200
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_get_that_writes_without_declaring_it_fails_in_tests(app, synced):
    from survey_app.extensions import db
    from survey_app.models import QuestionnaireRow

    with app.test_request_context("/", method="GET"):
        questionnaire = db.session.query(QuestionnaireRow).first()
        questionnaire.title = "Changed by a GET"
        with pytest.raises(RuntimeError, match=r"begin_writing\(\)"):
            db.session.commit()
        db.session.rollback()


def test_a_get_that_declares_its_write_may_write(app, synced):
    from survey_app.database import begin_writing
    from survey_app.extensions import db
    from survey_app.models import QuestionnaireRow

    @app.get("/test-declared-write")
    def declared_write():
        begin_writing()
        questionnaire = db.session.query(QuestionnaireRow).first()
        questionnaire.title = "Changed by a GET"
        db.session.commit()
        return "written"

    assert app.test_client().get("/test-declared-write").text == "written"


@pytest.mark.timeout(20)
def test_an_answer_post_that_changes_nothing_needs_no_write_lock(client, synced, migrated):
    from tests.survey_app.walker import begin, csrf_token

    page = begin(client)
    form = {"csrf_token": csrf_token(page.text), "crime_type": "hate_crime"}
    assert client.post(page.request.path, data=form).status_code == 302
    writer = sqlite3.connect(migrated.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        # The same answer again reads without the lock (read_before_writing); waiting for this
        # one would take busy_timeout (30 s).
        assert client.post(page.request.path, data=form).status_code == 302
    finally:
        writer.execute("ROLLBACK")
        writer.close()


@pytest.mark.timeout(25)
@pytest.mark.parametrize(
    "command",
    [
        ["responses", "export", "--format", "csv"],
        ["research", "responses", "export", "--format", "xlsx"],
        ["research", "segments", "export", "--format", "csv"],
        ["research", "project"],
        ["research", "summary", "--format", "json"],
    ],
)
def test_exports_run_while_another_process_holds_the_write_lock(
    client, synced, migrated, runner, tmp_path, command
):
    """An export only reads: it must not take the write lock (and hold every respondent's save
    up for as long as it reads), so it finishes while a writer holds the lock."""
    from tests.survey_app.walker import submit, walk

    submit(client, walk(client, synced)[0])
    writer = sqlite3.connect(migrated.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        out = tmp_path / "export"
        result = runner.invoke(args=[*command, "--questionnaire", SLUG, "--output", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_command_reading_only_must_declare_a_write(app, synced):
    from survey_app.database import begin_writing, reading_only
    from survey_app.extensions import db
    from survey_app.models import QuestionnaireRow

    with app.app_context():
        with reading_only():
            db.session.query(QuestionnaireRow).first().title = "Changed by an export"
            with pytest.raises(RuntimeError, match=r"A command writes .*begin_writing\(\)"):
                db.session.commit()
            db.session.rollback()
            begin_writing()
            db.session.query(QuestionnaireRow).first().title = "Changed, declared"
            db.session.commit()
        assert db.session.query(QuestionnaireRow).first().title == "Changed, declared"
