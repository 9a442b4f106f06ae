"""Respondent safety: security headers, the cookie, quick exit, no identifying data stored."""

import logging

from sqlalchemy import inspect, text

from survey_app.extensions import db
from tests.survey_app.walker import SLUG, begin, submit, walk

SENTINEL_AGENT = "SentinelAgent/9.9 (zz-unique-user-agent-314159)"
SENTINEL_ADDRESS = "203.0.113.77"


def test_security_headers_on_pages_and_errors(client, synced):
    for path, status in (("/", 200), (f"/s/{SLUG}/", 200), ("/no-such-page", 404)):
        response = client.get(path)
        assert response.status_code == status
        csp = response.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp
        assert "'nonce-" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"


def test_each_response_gets_a_new_nonce_used_by_its_scripts(client, synced):
    first = client.get("/")
    second = client.get("/")
    nonce = first.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert nonce not in second.headers["Content-Security-Policy"]
    assert f'nonce="{nonce}"' in first.text


def test_session_cookie_holds_only_draft_id_and_csrf_token(client, synced):
    begin(client)
    cookie = client.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(synced)
    assert set(serializer.loads(cookie.value)) == {"draft", "csrf_token"}


def test_cookie_is_secure_outside_development(migrated, monkeypatch):
    from survey_app import create_app

    monkeypatch.delenv("SURVEY_ENV", raising=False)
    app = create_app({"SECRET_KEY": "k" * 32, "SQLALCHEMY_DATABASE_URI": migrated})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_app_refuses_to_start_without_secret_outside_development(migrated, monkeypatch):
    import pytest

    from survey_app import create_app

    monkeypatch.delenv("SURVEY_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": migrated})


def test_quick_exit_clears_session_and_unsaved_answers(client, synced):
    walk(client, synced)
    response = client.get("/exit")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("https://")
    assert "cookies" in response.headers["Clear-Site-Data"]
    assert client.get_cookie("session") is None
    with synced.app_context():
        assert db.session.execute(text("SELECT COUNT(*) FROM draft")).scalar() == 0
    # Back button after exit: the page is gone, the journey starts again.
    again = client.get(f"/s/{SLUG}/check")
    assert again.status_code == 302


def test_quick_exit_link_is_on_every_respondent_page(client, synced):
    pages = ["/", f"/s/{SLUG}/", "/resume", "/support", "/privacy", "/accessibility"]
    for path in pages:
        assert 'href="/exit"' in client.get(path).text, path
    assert 'href="/exit"' in begin(client).text


def test_sentinel_user_agent_and_address_are_stored_nowhere(client, synced, caplog):
    caplog.set_level(logging.DEBUG)
    headers = {
        "User-Agent": SENTINEL_AGENT,
        "X-Forwarded-For": SENTINEL_ADDRESS,
        "Referer": "https://example.org/zz-sentinel-referrer",
    }
    client.environ_base.update(
        {
            "HTTP_USER_AGENT": SENTINEL_AGENT,
            "REMOTE_ADDR": SENTINEL_ADDRESS,
            "HTTP_X_FORWARDED_FOR": SENTINEL_ADDRESS,
            "HTTP_REFERER": headers["Referer"],
        }
    )
    check, _ = walk(client, synced)
    client.post(f"/s/{SLUG}/save", data={})  # an error path too
    submit(client, check)
    client.get("/no-such-page")
    sentinels = (SENTINEL_AGENT, SENTINEL_ADDRESS, "zz-sentinel-referrer")
    with synced.app_context():
        inspector = inspect(db.engine)
        for table in inspector.get_table_names():
            for row in db.session.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
                for sentinel in sentinels:
                    assert sentinel not in repr(tuple(row)), table
    for sentinel in sentinels:
        assert sentinel not in caplog.text
        for cookie in client._cookies.values():
            assert sentinel not in cookie.value


def test_pages_make_no_request_to_another_origin(client, synced):
    import re

    html = begin(client).text + client.get(f"/s/{SLUG}/").text
    for match in re.finditer(r'(?:src|href)="([^"]+)"', html):
        url = match.group(1)
        if "<link" in html[max(0, match.start() - 40) : match.start()] or "src=" in match.group(0):
            assert not url.startswith(("http://", "https://", "//")), url


def test_new_drafts_are_limited_per_client_but_carrying_on_never_is(migrated, synced):
    from tests.conftest import make_app

    limited = make_app(migrated, RATELIMIT_ENABLED=True, DRAFTS_PER_HOUR=2)
    first = limited.test_client()
    statuses = [first.get(f"/s/{SLUG}/start").status_code]
    statuses += [limited.test_client().get(f"/s/{SLUG}/start").status_code for _ in range(2)]
    assert statuses == [302, 302, 429]
    # The first visitor carries on with their own draft: no new draft, nothing counted.
    for _ in range(3):
        assert first.get(f"/s/{SLUG}/start").status_code == 302
    with synced.app_context():
        assert db.session.execute(text("SELECT COUNT(*) FROM draft")).scalar() == 2
