"""The start page served again without Flask (survey_app/start_page_shortcut.py): the very bytes
Flask gives, a fresh nonce each time, and only when nothing else could differ."""

import re
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from survey_app import start_page_shortcut
from survey_app.extensions import db, limiter
from survey_app.services import questionnaires
from survey_app.services.definitions import sync_definitions
from tests.conftest import empty_tables, make_app
from tests.survey_app.walker import SLUG, begin

START = f"/s/{SLUG}/"
NONCE_ATTRIBUTE = re.compile(r'nonce="([^"]+)"')


def nonce_of(response) -> str:
    return response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]


def without_nonce(response) -> tuple:
    """Status, headers and body with this response's nonce blanked out."""
    nonce = nonce_of(response)
    headers = sorted((name, value.replace(nonce, "N")) for name, value in response.headers)
    return response.status, headers, response.get_data().replace(nonce.encode(), b"N")


@pytest.fixture
def views_run(synced):
    """How many times the start view itself ran (a kept page does not run it)."""
    calls = []
    view = synced.view_functions["respond.start"]

    def counted(**kwargs):
        calls.append(kwargs)
        return view(**kwargs)

    synced.view_functions["respond.start"] = counted
    return calls


def test_a_kept_start_page_is_the_page_flask_gives_with_a_new_nonce(synced, views_run):
    client = synced.test_client()
    by_flask = client.get(START)
    kept = [client.get(START) for _ in range(3)]
    assert len(views_run) == 1  # the first request ran the view; the others were kept pages
    # Flask answering again (a query string is never served from the kept page) gives the same.
    again_by_flask = client.get(START + "?from=radio")
    assert len(views_run) == 2
    assert by_flask.status_code == 200 and "Start now" in by_flask.text
    for response in [*kept, again_by_flask]:
        assert without_nonce(response) == without_nonce(by_flask)
    for header in ("Content-Security-Policy", "Cache-Control", "Referrer-Policy", "Vary"):
        assert kept[0].headers[header]
    assert kept[0].headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in kept[0].headers
    assert client.get_cookie("session") is None
    responses = [by_flask, *kept, again_by_flask]
    nonces = [nonce_of(response) for response in responses]
    assert len(set(nonces)) == len(nonces)
    for response, nonce in zip(responses, nonces, strict=True):
        assert set(NONCE_ATTRIBUTE.findall(response.text)) == {nonce}
        assert len(nonce) == 24


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "HEAD"},
        {"method": "POST"},
        {"method": "OPTIONS"},
        {"query_string": "a=1"},
        {"cookie": ("other", "1")},
        {"base_url": "http://elsewhere.example"},
        {"base_url": "https://localhost"},
    ],
    ids=["head", "post", "options", "query", "cookie", "other-host", "https"],
)
def test_only_the_same_cookieless_get_is_given_a_kept_page(synced, views_run, request_kwargs):
    client = synced.test_client()
    client.get(START)
    before = len(views_run)
    method = request_kwargs.pop("method", "GET")
    if "cookie" in request_kwargs:  # any cookie at all, even one the app never set
        client.set_cookie(*request_kwargs.pop("cookie"))
    response = client.open(START, method=method, **request_kwargs)
    assert response.status_code in (200, 405)
    assert len(views_run) == before + (method in ("GET", "HEAD"))


def test_a_page_served_over_https_keeps_its_hsts_header_and_http_never_gets_it(synced):
    client = synced.test_client()
    secure = [client.get(START, base_url="https://localhost") for _ in range(2)]
    plain = [client.get(START) for _ in range(2)]
    assert all(r.headers["Strict-Transport-Security"].startswith("max-age=") for r in secure)
    assert all("Strict-Transport-Security" not in r.headers for r in plain)


def test_other_paths_are_never_kept_pages(synced, views_run):
    client = synced.test_client()
    client.get(START)
    for path in (f"/s/{SLUG}", f"/s/{SLUG}//", "/s/no-such-thing/", f"/s/{SLUG}/%00", "/"):
        response = client.get(path)
        assert "Start now" not in response.text or path == "/"
    assert len(views_run) == 2  # /s/no-such-thing/ ran the view (a 404), nothing was kept


def test_a_visitor_with_a_draft_gets_their_own_page(synced, views_run):
    owner = synced.test_client()
    synced.test_client().get(START)  # kept
    begin(owner)
    assert "Continue where you left off" in owner.get(START).text
    assert "Start now" in synced.test_client().get(START).text


def test_a_closed_questionnaire_shows_closed_within_the_cache_time(synced, monkeypatch):
    client = synced.test_client()
    client.get(START)
    assert "Start now" in client.get(START).text  # a kept page
    with synced.app_context():
        db.session.execute(text("UPDATE questionnaire SET closes_on = '2001-01-01'"))
        db.session.commit()
    later = questionnaires._clock() + synced.config["PUBLISHED_CACHE_SECONDS"]
    monkeypatch.setattr(questionnaires, "_clock", lambda: later)
    page = client.get(START)
    assert "This questionnaire is closed" in page.text
    assert "Start now" not in page.text


def test_changing_the_dates_in_this_worker_shows_at_once(synced):
    client = synced.test_client()
    client.get(START)
    client.get(START)
    with synced.app_context():
        row = questionnaires.find_questionnaire(SLUG).row
        questionnaires.set_dates(row, date(2000, 1, 1), date(2001, 1, 1))
    assert "This questionnaire is closed" in client.get(START).text


def test_a_kept_page_is_not_served_on_another_day(synced, views_run, monkeypatch):
    client = synced.test_client()
    client.get(START)
    client.get(START)
    assert len(views_run) == 1
    tomorrow = date.today() + timedelta(days=1)
    monkeypatch.setattr(start_page_shortcut, "_utc_day", lambda: tomorrow)
    client.get(START)
    assert len(views_run) == 2


def test_nothing_is_kept_without_a_questionnaire_cache(migrated):
    with synced_app(migrated, PUBLISHED_CACHE_SECONDS=0) as app:
        client = app.test_client()
        nonces = {nonce_of(client.get(START)) for _ in range(3)}
        assert len(nonces) == 3
        assert not app.wsgi_app.wsgi_app.kept  # the shortcut, inside TrustedProxies


def test_a_rate_limit_on_every_page_is_never_bypassed(migrated):
    try:
        with synced_app(migrated, RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2/hour") as app:
            client = app.test_client()
            statuses = [client.get(START).status_code for _ in range(4)]
            assert statuses == [200, 200, 429, 429]
            assert not app.wsgi_app.wsgi_app.kept
    finally:  # the limiter object is shared by every app in the test run
        limiter.limit_manager.set_default_limits([])


@contextmanager
def synced_app(database_url: str, **config):
    app = make_app(database_url, **config)
    with app.app_context():
        sync_definitions(Path(app.config["QUESTIONNAIRES_DIR"]), date.today())
    try:
        yield app
    finally:
        empty_tables(app)
