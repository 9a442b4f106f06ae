"""Hardening that an attacker and a real deployment behind TLS found (issue 13): forms planted
by other sites, staff forms over HTTPS, forwarding headers, staff cookies and session lifetime,
secret keys."""

import re
import secrets

import pytest
from flask.sessions import SecureCookieSessionInterface

from survey_app import create_app
from survey_app.auth import LAST_SEEN, SIGNED_IN_AT
from survey_app.extensions import db
from survey_app.models import User
from tests.conftest import PASSWORD, make_app, make_user, sign_in

ATTACKER = "https://attacker.example"


def token_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def role_of(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).role


def go_idle(app, client) -> None:
    with client.session_transaction() as session:
        session[LAST_SEEN] -= app.config["STAFF_IDLE_MINUTES"] * 60 + 1


def cookie_contents(app, client) -> dict:
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    cookie = client.get_cookie("session")
    return serializer.loads(cookie.value) if cookie else {}


# --- Forms planted by another site are never kept or echoed -------------------------------------


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_a_form_without_a_valid_token_on_an_idle_session_is_not_kept(app, client, token):
    """The reproduced attack: a token-less POST of role=admin to an entry account's page, then
    the admin signing in and pressing Save, made that account an admin."""
    entry_id, _ = make_user(app, "entry")
    _, admin_email = make_user(app, "admin")
    sign_in(client, admin_email)
    go_idle(app, client)
    planted = {"role": "admin"} if token is None else {"role": "admin", "csrf_token": token}
    answer = client.post(f"/staff/admin/users/{entry_id}", data=planted)
    assert "kept:" not in answer.text
    # Signing in afterwards offers nothing to save, and the role never changed.
    page = client.get("/staff/login").text
    signed = client.post(
        f"/staff/login?next=/staff/admin/users/{entry_id}",
        data={"csrf_token": token_of(page), "email": admin_email, "password": PASSWORD},
    )
    assert signed.status_code == 302
    assert "Save what you entered" not in signed.text
    assert role_of(app, entry_id) == "entry"


def test_a_form_without_a_token_after_signing_out_or_with_no_session_is_not_kept(app, client):
    entry_id, _ = make_user(app, "entry")
    _, admin_email = make_user(app, "admin")
    fresh = app.test_client()
    answer = fresh.post(f"/staff/admin/users/{entry_id}", data={"role": "admin"})
    assert answer.status_code == 400 and "kept:" not in answer.text
    sign_in(client, admin_email)
    client.post("/staff/logout", data={"csrf_token": token_of(client.get("/staff/").text)})
    answer = client.post(f"/staff/admin/users/{entry_id}", data={"role": "admin"})
    assert "kept:" not in answer.text
    assert role_of(app, entry_id) == "entry"


def test_a_form_with_this_browsers_token_is_still_kept_through_sign_in(app, client):
    """The convenience stays for genuine forms: the idle admin's own form comes back."""
    entry_id, _ = make_user(app, "entry")
    _, admin_email = make_user(app, "admin")
    sign_in(client, admin_email)
    page = client.get(f"/staff/admin/users/{entry_id}").text
    go_idle(app, client)
    answer = client.post(
        f"/staff/admin/users/{entry_id}", data={"csrf_token": token_of(page), "role": "researcher"}
    )
    assert 'name="kept:role" value="researcher"' in answer.text


# --- Origin check and referrer policy -----------------------------------------------------------


def test_staff_forms_from_another_origin_are_refused_even_with_a_token(app, client):
    entry_id, _ = make_user(app, "entry")
    _, admin_email = make_user(app, "admin")
    sign_in(client, admin_email)
    token = token_of(client.get(f"/staff/admin/users/{entry_id}").text)
    for origin in (ATTACKER, "null", "http://localhost.attacker.example"):
        refused = client.post(
            f"/staff/admin/users/{entry_id}",
            data={"csrf_token": token, "role": "admin"},
            headers={"Origin": origin},
        )
        assert refused.status_code == 403, origin
    refused = client.post(
        f"/staff/admin/users/{entry_id}",
        data={"csrf_token": token, "role": "admin"},
        headers={"Referer": f"{ATTACKER}/page"},
    )
    assert refused.status_code == 403
    assert role_of(app, entry_id) == "entry"
    allowed = client.post(
        f"/staff/admin/users/{entry_id}",
        data={"csrf_token": token, "role": "researcher"},
        headers={"Origin": "http://localhost"},
    )
    assert allowed.status_code == 302
    assert role_of(app, entry_id) == "researcher"


def test_respondent_pages_send_no_referrer_and_staff_pages_their_own_origin_only(app, client):
    """Header and meta agree: a meta no-referrer on staff pages made Chromium send Origin: null
    with every staff form, which the Origin check refuses (the staff browser walk catches it)."""
    login_page = client.get("/staff/login")
    for path, policy in (
        ("/", "no-referrer"),
        ("/privacy", "no-referrer"),
        ("/staff/login", "same-origin"),
    ):
        page = login_page if path == "/staff/login" else client.get(path)
        assert page.headers["Referrer-Policy"] == policy, path
        assert f'<meta name="referrer" content="{policy}">' in page.text, path
    assert client.get("/research/").headers["Referrer-Policy"] == "same-origin"


# --- HTTPS --------------------------------------------------------------------------------------


def test_staff_forms_work_over_https_and_answers_carry_hsts(app):
    """Flask-WTF's strict referrer check used to refuse every staff POST over HTTPS."""
    _, email = make_user(app, "entry")
    client = app.test_client()
    base = "https://localhost"
    page = client.get("/staff/login", base_url=base)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    signed = client.post(
        "/staff/login",
        base_url=base,
        data={"csrf_token": token_of(page.text), "email": email, "password": PASSWORD},
        headers={"Origin": base},
    )
    assert signed.status_code == 302
    home = client.get("/staff/", base_url=base)
    out = client.post(
        "/staff/logout",
        base_url=base,
        data={"csrf_token": token_of(home.text)},
        headers={"Origin": base, "Referer": f"{base}/staff/"},
    )
    assert out.status_code == 302 and "signed-out" in out.headers["Location"]
    assert "Strict-Transport-Security" not in client.get("/").headers


# --- Forwarding headers -------------------------------------------------------------------------


def test_forwarded_proto_is_believed_only_from_a_trusted_proxy(app):
    client = app.test_client()
    # From the proxy on this host (the default trusted address): HTTPS as the browser saw it.
    behind_proxy = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in behind_proxy.headers
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    direct = stranger.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in direct.headers


def test_the_client_address_comes_from_the_trusted_proxy_and_from_no_one_else():
    from survey_app.proxy import TrustedProxies, parse_networks

    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return []

    middleware = TrustedProxies(app, parse_networks("127.0.0.1, ::1, 10.0.0.0/8"))

    def call(remote, **headers):
        seen.clear()
        environ = {"REMOTE_ADDR": remote, "wsgi.url_scheme": "http"}
        environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
        middleware(environ, lambda *a: None)
        return seen

    # A client's own X-Forwarded-For entries (left of the proxies') prove nothing.
    got = call("127.0.0.1", x_forwarded_for="6.6.6.6, 198.51.100.20, 10.1.2.3")
    assert got["REMOTE_ADDR"] == "198.51.100.20"
    assert "HTTP_X_FORWARDED_FOR" not in got
    got = call("127.0.0.1", x_forwarded_for="2001:db8::7", x_forwarded_proto="http, https")
    assert got["REMOTE_ADDR"] == "2001:db8::7" and got["wsgi.url_scheme"] == "https"
    # Not from a trusted proxy: every forwarding header is dropped unread.
    got = call("198.51.100.9", x_forwarded_for="6.6.6.6", x_forwarded_proto="https", forwarded="x")
    assert got["REMOTE_ADDR"] == "198.51.100.9" and got["wsgi.url_scheme"] == "http"
    assert not [name for name in got if "FORWARDED" in name]
    # Garbage is not an address.
    got = call("127.0.0.1", x_forwarded_for="not-an-address")
    assert got["REMOTE_ADDR"] == "127.0.0.1"
    with pytest.raises(ValueError, match="not-an-ip"):
        parse_networks("127.0.0.1, not-an-ip")


def test_rate_limits_count_each_client_behind_the_proxy_apart(migrated):
    """Behind a proxy every client used to share the proxy's bucket: 20 failed sign-ins from
    anyone locked everyone out."""
    app = make_app(
        migrated,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        LOGIN_FAILURES_PER_CLIENT="2 per 15 minutes",
        LOGIN_FAILURES_PER_ACCOUNT="100 per 15 minutes",
        LOGIN_LIMIT_KEY_PREFIX=f"test-proxy-{secrets.token_hex(4)}",
    )

    def failed_sign_in(client, forwarded_for):
        page = client.get("/staff/login").text
        return client.post(
            "/staff/login",
            data={"csrf_token": token_of(page), "email": "x@example.org", "password": "wrong!"},
            headers={"X-Forwarded-For": forwarded_for},
        ).status_code

    try:
        noisy, quiet = app.test_client(), app.test_client()
        assert [failed_sign_in(noisy, "198.51.100.1") for _ in range(3)] == [200, 200, 429]
        assert failed_sign_in(quiet, "198.51.100.2") == 200
        # Someone connecting directly cannot pick a bucket by sending the header themselves.
        direct = app.test_client()
        direct.environ_base["REMOTE_ADDR"] = "203.0.113.5"
        codes = [failed_sign_in(direct, f"192.0.2.{n}") for n in range(3)]
        assert codes == [200, 200, 429]
    finally:
        from tests.conftest import empty_tables

        empty_tables(app)


# --- Staff cookies and sessions -----------------------------------------------------------------


def test_staff_cookie_holds_no_hash_of_address_or_user_agent(app, client):
    _, email = make_user(app, "entry")
    client.get("/staff/")  # an anonymous visit to a staff URL
    assert not {"_id", "_fresh", "_user_id"} & set(cookie_contents(app, client))
    sign_in(client, email)
    contents = cookie_contents(app, client)
    assert "_user_id" in contents
    assert "_id" not in contents
    # The cookie does not depend on the user agent (nor a client-sent X-Forwarded-For).
    assert client.get("/staff/", headers={"User-Agent": "Other/1.0"}).status_code == 200


def test_a_staff_session_ends_after_its_absolute_lifetime_however_active(app, client):
    _, email = make_user(app, "entry")
    sign_in(client, email)
    assert client.get("/staff/").status_code == 200
    with client.session_transaction() as session:
        session[SIGNED_IN_AT] -= app.config["STAFF_SESSION_HOURS"] * 3600 + 1
    ended = client.get("/staff/")
    assert ended.status_code == 302 and "reason=expired" in ended.headers["Location"]
    notice = client.get(ended.headers["Location"]).text
    assert f"at most {app.config['STAFF_SESSION_HOURS']} hours" in notice
    assert client.get("/staff/").status_code == 302


# --- Secret keys --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("replace-with-a-long-random-value", "placeholder"),
        ("development-only-secret", "placeholder"),
        ("short-but-random-7f3a", "at least 32"),
    ],
)
def test_placeholder_and_short_secret_keys_are_refused_outside_tests(
    migrated, monkeypatch, key, problem
):
    monkeypatch.delenv("SURVEY_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match=problem):
        create_app({"SECRET_KEY": key, "SQLALCHEMY_DATABASE_URI": migrated})
    monkeypatch.setenv("SURVEY_ENV", "development")
    with pytest.raises(RuntimeError, match=problem):
        create_app({"SECRET_KEY": key, "SQLALCHEMY_DATABASE_URI": migrated})


def test_development_without_a_key_gets_a_random_one(migrated, monkeypatch):
    monkeypatch.setenv("SURVEY_ENV", "development")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    first = create_app({"SQLALCHEMY_DATABASE_URI": migrated}).config["SECRET_KEY"]
    second = create_app({"SQLALCHEMY_DATABASE_URI": migrated}).config["SECRET_KEY"]
    assert len(first) >= 32 and first != second


@pytest.mark.parametrize(
    ("path", "scheme", "staff"),
    [("/s/x/q/y", "http", False), ("/s/x/q/y", "https", False), ("/staff/", "https", True)],
)
def test_security_headers_replace_what_a_response_had_and_keep_their_order(
    app, path, scheme, staff
):
    """The headers are exactly what setting each one in turn gave: a header the response
    already had is replaced (once, in its place), the others follow in order."""
    from flask import Response, g

    from survey_app.security import add_security_headers

    with app.test_request_context(path, base_url=f"{scheme}://survey.example"):
        g.csp_nonce = "NONCE"
        response = Response("page")
        response.headers["Cache-Control"] = "public, max-age=60"
        response.headers.add("X-Frame-Options", "SAMEORIGIN")
        response.headers.add("X-Frame-Options", "ALLOWALL")
        response.headers["X-Other"] = "kept"
        headers = add_security_headers(response).headers.to_wsgi_list()
    csp = (
        "default-src 'self'; script-src 'self' 'nonce-NONCE'; style-src 'self'; img-src 'self'; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    )
    expected = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", "4"),
        ("Cache-Control", "no-store"),
        ("X-Frame-Options", "DENY"),
        ("X-Other", "kept"),
        ("Content-Security-Policy", csp),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin" if staff else "no-referrer"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
        *([("Strict-Transport-Security", "max-age=31536000")] if scheme == "https" else []),
        ("Pragma", "no-cache"),
    ]
    assert headers == expected
