"""When the database cannot take a write: a calm 503 that keeps what the respondent typed.

The app here opens a real SQLite file read-only through its URI (mode=ro), as root would not be
stopped by file modes: every write fails inside SQLite exactly as on a read-only file or
filesystem ("attempt to write a readonly database"). This test always uses its own SQLite file,
whatever TEST_DATABASE says; the gunicorn tests in tests/survey_app/test_faults.py stop a real
PostgreSQL and fill or freeze a real filesystem under load.
"""

import logging
from datetime import date
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Draft
from survey_app.services.definitions import sync_definitions
from tests.conftest import CheckedClient, make_app
from tests.survey_app.walker import SLUG, begin, csrf_token, page_id_of

TYPED = "Typed while the database was read-only <b>&amp;</b>"


@pytest.fixture
def apps(tmp_path):
    """The same SQLite file through a writable app and through a read-only one."""
    path = tmp_path / "survey.db"
    writable = make_app(f"sqlite:///{path}")
    with writable.app_context():
        upgrade()
        sync_definitions(Path(writable.config["QUESTIONNAIRES_DIR"]), date.today())
    read_only = make_app(f"sqlite:///file:{path}?mode=ro&uri=true")
    for app in (writable, read_only):
        app.test_client_class = CheckedClient
    yield writable, read_only
    for app in (writable, read_only):
        with app.app_context():
            db.engine.dispose()


def _on(app, cookie: str):
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client


def _text_page(client):
    """Walk to the first page that asks for free text; returns its path and the page."""
    page = begin(client)
    for _ in range(30):
        if "<textarea" in page.text:
            return page.request.path, page
        data = {"csrf_token": csrf_token(page.text), "action": "continue"}
        following = client.post(page.request.path, data=data)
        assert following.status_code == 302
        page = client.get(following.headers["Location"])
    raise AssertionError("no free-text page")


def _text_field(html: str) -> str:
    return html.split("<textarea", 1)[1].split('name="', 1)[1].split('"', 1)[0]


def test_a_posted_page_comes_back_filled_in_with_a_calm_503(apps, caplog):
    writable, read_only = apps
    client = writable.test_client()
    path, _ = _text_page(client)
    cookie = client.get_cookie("session").value
    frozen = _on(read_only, cookie)
    page = frozen.get(path)  # reading still works
    assert page.status_code == 200
    name = _text_field(page.text)
    with writable.app_context():
        before = db.session.scalars(select(Draft.answers)).all()

    with caplog.at_level(logging.INFO):
        answered = frozen.post(
            path, data={"csrf_token": csrf_token(page.text), "action": "continue", name: TYPED}
        )

    assert answered.status_code == 503
    assert answered.headers["Retry-After"] == "30"
    text = answered.text
    assert "we could not save your answers just now" in text
    assert "try again" in text
    assert 'id="quick-exit"' in text
    # What was typed is in the form again, as text (escaped), ready to send again.
    assert "Typed while the database was read-only &lt;b&gt;&amp;amp;&lt;/b&gt;</textarea>" in text
    assert f'action="{path}"' in text
    assert "Traceback" not in text
    # Nothing was saved, and the log says why in one line without the answer or a traceback.
    with writable.app_context():
        assert db.session.scalars(select(Draft.answers)).all() == before
    assert [r.exc_info for r in caplog.records if r.levelno >= logging.WARNING] == [None]
    assert "readonly database" in caplog.text
    assert "Typed while" not in caplog.text

    # The database is writable again: sending the same page saves it.
    again = _on(writable, cookie).post(
        path, data={"csrf_token": csrf_token(answered.text), "action": "continue", name: TYPED}
    )
    assert again.status_code == 302
    assert page_id_of(again.headers["Location"]) != page_id_of(path)


def test_other_pages_say_try_again_shortly_and_the_quick_exit_still_leaves(apps):
    writable, read_only = apps
    client = writable.test_client()
    check = client.get(f"/s/{SLUG}/start")
    frozen = _on(read_only, client.get_cookie("session").value)
    new_visitor = read_only.test_client().get(f"/s/{SLUG}/start")  # starting a draft writes
    assert new_visitor.status_code == 503
    assert "Sorry, the service is unavailable" in new_visitor.text
    assert "Wait a minute, then go back and try again" in new_visitor.text
    assert 'id="quick-exit"' in new_visitor.text
    assert check.status_code == 302
    leaving = frozen.get("/exit")
    assert leaving.status_code == 303
    assert leaving.headers["Location"] == read_only.config["EXIT_URL"]
