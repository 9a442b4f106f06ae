"""database.read_row: the respondent pages' hot reads, run on the driver's cursor.

They must return what SQLAlchemy returns, keep their values parameterised, read outside the
ORM session in a request that only reads and inside its transaction (on SQLite: the write lock)
in one that writes, and turn driver errors into SQLAlchemy's, so that a database that cannot be
reached still gets the calm 503.
"""

import os
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from survey_app.database import read_row
from survey_app.extensions import db
from survey_app.models import Draft, QuestionnaireRow
from survey_app.services import drafts, questionnaires
from tests.conftest import make_app
from tests.survey_app.walker import SLUG, begin

ON_SQLITE = os.environ.get("TEST_DATABASE", "sqlite") == "sqlite"


def _now():
    return datetime.now(UTC).replace(tzinfo=None)


def test_a_row_is_what_sqlalchemy_returns(app, synced, client):
    begin(client)
    table = Draft.__table__
    statement = select(table.c.id, table.c.answers, table.c.expires_at, table.c.status).where(
        table.c.expires_at > _now() - timedelta(days=1)  # a bound value written in
    )
    questionnaire = QuestionnaireRow.__table__
    by_slug = select(questionnaire.c.id, questionnaire.c.opens_on, questionnaire.c.closes_on)
    with app.test_request_context("/", method="GET"):
        draft_id = db.session.scalar(select(Draft.id))
        expected = tuple(db.session.execute(statement).one())
        got = read_row(statement, {})
        assert got == expected
        assert isinstance(got[1], dict) and isinstance(got[2], datetime)
        expected = tuple(db.session.execute(by_slug).first())
        assert read_row(by_slug, {}) == expected
        snapshot = drafts.find_draft_snapshot(draft_id, _now())
        assert snapshot is not None and snapshot.status == "open"
        assert snapshot.answers == db.session.get(Draft, draft_id).answers
        # The comparison is made by the database on the value SQLAlchemy would bind.
        assert drafts.find_draft_snapshot(draft_id, _now() + timedelta(days=400)) is None


def test_values_are_parameters_never_sql(app, synced):
    hostile = f"{SLUG}' OR '1'='1"
    with app.test_request_context("/", method="GET"):
        assert questionnaires.find_published(hostile) is None
        assert questionnaires.find_published(SLUG) is not None
        assert drafts.find_draft_snapshot("x' OR '1'='1", _now()) is None


def test_a_page_that_only_reads_makes_no_orm_session(app, synced, client):
    first = begin(client)
    sessions = []

    def note_session(_error):
        sessions.append(db.session.registry.has())

    app.teardown_request_funcs.setdefault(None, []).append(note_session)  # after the app's set-up
    assert client.get(first.request.path).status_code == 200
    assert sessions == [False]
    with app.app_context():
        assert db.engine.pool.checkedout() == 0  # its pooled connection went back


@pytest.mark.skipif(not ON_SQLITE, reason="SQLite's write lock")
def test_a_writing_request_reads_under_the_write_lock_and_a_reading_one_without(
    app, synced, migrated
):
    other = sqlite3.connect(migrated.removeprefix("sqlite:///"), isolation_level=None, timeout=0)
    try:
        with app.test_request_context("/", method="POST"):
            assert questionnaires.find_published(SLUG) is not None
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            db.session.rollback()
        with app.test_request_context("/", method="GET"):
            assert questionnaires.find_published(SLUG) is not None
            other.execute("BEGIN IMMEDIATE")  # nothing held: a writer elsewhere goes ahead
            other.execute("ROLLBACK")
    finally:
        other.close()


def _unreachable_database(tmp_path) -> str:
    if ON_SQLITE:
        return f"sqlite:///{tmp_path / 'no-such-folder' / 'survey.db'}"  # cannot be opened
    return "postgresql+psycopg://postgres@127.0.0.1:9/survey"  # nothing listens there


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_driver_errors_are_sqlalchemy_errors(tmp_path, method):
    app = make_app(_unreachable_database(tmp_path))
    with app.test_request_context("/", method=method), pytest.raises(OperationalError) as raised:
        questionnaires.find_published(SLUG)
    assert "[parameters" not in str(raised.value)  # values (answers) never in the message


def test_an_unreachable_database_gets_the_calm_503(tmp_path):
    app = make_app(_unreachable_database(tmp_path))
    page = app.test_client().get(f"/s/{SLUG}/")
    assert page.status_code == 503
    assert page.headers["Retry-After"]
    assert "Traceback" not in page.text


@pytest.mark.skipif(not ON_SQLITE, reason="takes the SQLite file's folder away")
def test_a_staff_page_gets_the_calm_503_when_the_database_goes_away(tmp_path, caplog):
    """The error page must not load the signed-in user again from the database that just
    failed: that second failure turned the calm 503 into a server error with a traceback."""
    from flask_migrate import upgrade

    from tests.conftest import make_user, sign_in

    folder = tmp_path / "data"
    folder.mkdir()
    app = make_app(f"sqlite:///{folder / 'survey.db'}")
    with app.app_context():
        upgrade()
    _, email = make_user(app, "researcher")
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    assert client.get("/research/").status_code == 200
    with app.app_context():
        db.engine.dispose()  # no connection left open to the file
    folder.rename(tmp_path / "moved")
    page = client.get("/research/")
    assert page.status_code == 503
    assert "Traceback" not in page.text
    assert "Unexpected error" not in caplog.text
