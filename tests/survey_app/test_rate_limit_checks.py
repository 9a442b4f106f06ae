"""Flask-Limiter's check before each request runs only where a limit could apply (ratelimit.py):
every kind of limit must still be enforced exactly, and the start page served without Flask
(start_page_shortcut.py) must never be served past one.

The limiter object is shared by every app in the test run and keeps limits once configured, so
each test puts its private state back (`limiter_state`).
"""

import copy
from datetime import date
from pathlib import Path

import pytest
from flask import Blueprint

from survey_app.extensions import limiter
from survey_app.ratelimit import limits_beyond_views, no_limit_applies_to_view
from survey_app.respond import bp as respond_bp
from survey_app.services.definitions import sync_definitions
from tests.conftest import empty_tables, make_app
from tests.survey_app.walker import SLUG, begin, csrf_token

START = f"/s/{SLUG}/"
PLAIN = "/privacy"  # a page with no limit of its own

_MANAGER_STATE = ("_application_limits", "_default_limits", "_blueprint_limits")
_LIMITER_STATE = (
    "_meta_limits",
    "_in_memory_fallback",
    "_in_memory_fallback_enabled",
    "_fallback_limiter",
    "_storage_dead",
    "_marked_for_limiting",
)


@pytest.fixture
def limiter_state():
    manager = limiter.limit_manager
    saved = (
        {name: copy.copy(getattr(manager, name)) for name in _MANAGER_STATE},
        {name: copy.copy(getattr(limiter, name)) for name in _LIMITER_STATE},
        copy.copy(manager._decorated_limits),
    )
    yield
    for name, value in saved[0].items():
        setattr(manager, name, value)
    for name, value in saved[1].items():
        setattr(limiter, name, value)
    manager._decorated_limits = saved[2]


@pytest.fixture
def limited(migrated, limiter_state):
    """make_app with rate limiting on and the shipped questionnaires; tables emptied after."""
    apps = []

    def make(**config):
        app = make_app(migrated, RATELIMIT_ENABLED=True, **config)
        with app.app_context():
            sync_definitions(Path(app.config["QUESTIONNAIRES_DIR"]), date.today())
        apps.append(app)
        return app

    yield make
    for app in apps:
        empty_tables(app)


def _statuses(client, path, times=4, method="GET"):
    return [client.open(path, method=method).status_code for _ in range(times)]


def _kept(app) -> dict:
    return app.wsgi_app.wsgi_app.kept  # the start-page shortcut, inside TrustedProxies


def test_with_no_limit_beyond_views_the_check_before_requests_is_skipped(limited):
    app = limited()
    assert not limits_beyond_views(limiter)
    hooks = app.before_request_funcs[None]
    assert limiter._check_request_limit not in hooks
    assert any(hook.__name__ == "check_limits_that_may_apply" for hook in hooks)
    with app.test_request_context():
        assert no_limit_applies_to_view(limiter, "respond.start")
        assert not no_limit_applies_to_view(limiter, "respond.check")  # decorated
        assert not no_limit_applies_to_view(limiter, "respond.resume")
        assert not no_limit_applies_to_view(limiter, None)


def test_a_decorated_views_limit_still_holds(limited):
    app = limited(RESUME_ATTEMPTS_PER_HOUR=2)
    client = app.test_client()
    page = client.get("/resume")
    form = {"csrf_token": csrf_token(page.text), "code": "AAAAA-BBBBB-CCCCC"}
    statuses = [client.post("/resume", data=form).status_code for _ in range(4)]
    assert statuses == [200, 200, 429, 429]


def test_a_limit_on_a_new_decorated_view_holds(limited):
    app = limited()

    @limiter.limit("2/hour")
    def limited_view():
        return "ok"

    app.add_url_rule("/test-decorated-limit", "test_decorated_limit", limited_view)
    assert _statuses(app.test_client(), "/test-decorated-limit") == [200, 200, 429, 429]


def test_default_limits_hold_on_every_page(limited):
    app = limited(RATELIMIT_DEFAULT="2/hour")  # counted per page
    assert limits_beyond_views(limiter)
    assert _statuses(app.test_client(), PLAIN) == [200, 200, 429, 429]
    # The start page is never served past the limit without Flask.
    assert _statuses(app.test_client(), START) == [200, 200, 429, 429]
    assert not _kept(app)
    client = limited(RATELIMIT_DEFAULT="2/hour").test_client()  # counts start again
    first = begin(client)  # the first question page: its first of 2
    assert [client.get(first.request.path).status_code for _ in range(2)] == [200, 429]


def test_app_wide_limits_hold_across_pages(limited):
    app = limited(RATELIMIT_APPLICATION="2/hour")  # one count for the whole app
    assert _statuses(app.test_client(), PLAIN) == [200, 200, 429, 429]
    assert _statuses(app.test_client(), START, times=2) == [429, 429]
    assert not _kept(app)


def test_a_blueprint_limit_holds_and_the_start_page_is_not_kept(limited):
    limiter.limit("2/hour")(respond_bp)
    app = limited()
    assert _statuses(app.test_client(), START) == [200, 200, 429, 429]
    assert not _kept(app)
    assert _statuses(app.test_client(), PLAIN) == [200, 200, 429, 429]  # the same blueprint


def test_a_limit_on_a_new_blueprint_holds(limited):
    app = limited()
    blueprint = Blueprint("test_limited_blueprint", __name__)
    blueprint.add_url_rule("/test-limited-blueprint", "page", lambda: "ok")
    limiter.limit("2/hour")(blueprint)
    app.register_blueprint(blueprint)
    assert _statuses(app.test_client(), "/test-limited-blueprint") == [200, 200, 429, 429]
    # Other blueprints are not limited by it.
    assert _statuses(app.test_client(), PLAIN) == [200, 200, 200, 200]


def test_meta_limits_hold_on_pages_with_no_limit_of_their_own(limited):
    app = limited(RESUME_ATTEMPTS_PER_HOUR=1, RATELIMIT_META="1/hour")
    client = app.test_client()
    page = client.get("/resume")
    form = {"csrf_token": csrf_token(page.text), "code": "AAAAA-BBBBB-CCCCC"}
    assert [client.post("/resume", data=form).status_code for _ in range(2)] == [200, 429]
    # One breach used the meta allowance: the client is now turned away everywhere.
    assert client.get(PLAIN).status_code == 429
    assert client.get(START).status_code == 429


def test_in_memory_fallback_limits_hold_while_the_storage_is_down(limited, monkeypatch):
    app = limited(RESUME_ATTEMPTS_PER_HOUR=100, RATELIMIT_IN_MEMORY_FALLBACK="3/hour")
    client = app.test_client()
    assert _statuses(client, START, times=1) == [200]
    assert not _kept(app)  # a fallback limit could apply to it once the storage fails

    def down(*_args, **_kwargs):
        raise ConnectionError("storage down")

    for method in ("incr", "get"):
        monkeypatch.setattr(limiter.storage, method, down)
    monkeypatch.setattr(limiter.storage, "check", lambda: False)
    page = client.get("/resume")
    form = {"csrf_token": csrf_token(page.text), "code": "AAAAA-BBBBB-CCCCC"}
    # The storage fails at the resume limit: the in-memory fallback takes over, on every page.
    assert client.post("/resume", data=form).status_code == 200
    assert limiter._storage_dead
    assert _statuses(client, PLAIN) == [200, 200, 200, 429]
    assert _statuses(client, START) == [200, 200, 200, 429]


def test_limiting_disabled_installs_no_check(migrated, limiter_state):
    app = make_app(migrated)  # tests run with RATELIMIT_ENABLED=False
    hooks = app.before_request_funcs.get(None, [])
    assert not any(hook.__name__ == "check_limits_that_may_apply" for hook in hooks)
    assert limiter._check_request_limit not in hooks
