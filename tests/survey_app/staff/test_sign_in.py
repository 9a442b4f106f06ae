"""Staff sign-in: same answer for unknown accounts, new session, sign-out, idle timeout, limits."""

import re
import secrets
import socket
import statistics
import time

import pytest

from survey_app.auth import LAST_SEEN
from survey_app.services import users
from tests.conftest import PASSWORD, make_app, make_user, sign_in

FAILED = "Enter a correct email address and password"


def test_right_password_signs_in_and_goes_to_the_role_home(app, client):
    _, email = make_user(app, "entry")
    response = sign_in(client, email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_researcher_lands_on_research_home(app, client):
    _, email = make_user(app, "researcher")
    assert sign_in(client, email).headers["Location"] == "/research/"


def test_unknown_account_and_wrong_password_get_the_same_page(app, client):
    _, email = make_user(app, "entry")
    wrong = sign_in(client, email, "not the password at all")
    unknown = sign_in(client, "nobody@example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 200
    assert FAILED in wrong.text
    strip = re.compile(r'(value|nonce)="[^"]*"')
    assert strip.sub("", wrong.text) == strip.sub("", unknown.text)


def test_deactivated_account_gets_the_same_answer_as_unknown(app, client):
    user_id, email = make_user(app, "entry")
    with app.app_context():
        users.set_active(users.find_user(user_id), False)
    response = sign_in(client, email)
    assert response.status_code == 200
    assert FAILED in response.text


def test_unknown_account_takes_about_as_long_as_a_wrong_password(app):
    app.config.update(ARGON2_TIME_COST=2, ARGON2_MEMORY_KIB=19456)  # the shipped costs
    _, email = make_user(app, "entry")
    with app.app_context():
        users.authenticate(email, "warm up the dummy hash")

        def timed(address):
            start = time.perf_counter()
            assert users.authenticate(address, "wrong password here") is None
            return time.perf_counter() - start

        wrong = statistics.median(timed(email) for _ in range(5))
        unknown = statistics.median(timed("nobody@example.org") for _ in range(5))
    assert 0.5 < unknown / wrong < 2.0


def test_sign_in_starts_a_new_session_with_a_new_csrf_token(app, client):
    _, email = make_user(app, "entry")
    client.get("/staff/login")
    with client.session_transaction() as session:
        session["left_over"] = "from before"
        before = session.get("csrf_token")
    sign_in(client, email)
    with client.session_transaction() as session:
        assert "left_over" not in session
        assert session.get("csrf_token") != before


def test_only_local_staff_paths_are_followed_after_sign_in(app, client):
    _, email = make_user(app, "admin")
    assert sign_in(client, email, next_url="//evil.example/").headers["Location"] == "/staff/"
    client.post("/staff/logout", data={"csrf_token": _token(client)})
    response = sign_in(client, email, next_url="/staff/admin/users")
    assert response.headers["Location"] == "/staff/admin/users"


def _token(client, path="/staff/"):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def test_sign_out_makes_a_copied_cookie_useless(app, client):
    _, email = make_user(app, "entry")
    sign_in(client, email)
    cookie = client.get_cookie("session").value
    response = client.post("/staff/logout", data={"csrf_token": _token(client)})
    assert response.headers["Location"].startswith("/staff/login")
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/staff/").status_code == 302


def test_sign_out_needs_the_csrf_token(app, client):
    _, email = make_user(app, "entry")
    sign_in(client, email)
    assert client.post("/staff/logout").status_code == 400
    assert client.get("/staff/").status_code == 200


def test_idle_session_is_ended(app, client):
    _, email = make_user(app, "entry")
    sign_in(client, email)
    with client.session_transaction() as session:
        session[LAST_SEEN] -= app.config["STAFF_IDLE_MINUTES"] * 60 + 1
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "reason=idle" in response.headers["Location"]
    assert client.get("/staff/").status_code == 302


def test_staff_pages_have_no_quick_exit(app, client, login_as):
    assert "quick-exit" not in client.get("/staff/login").text
    login_as("admin")
    for path in ("/staff/", "/staff/admin/users", "/research/"):
        assert "quick-exit" not in client.get(path).text


def _limited_app(migrated, **config):
    app = make_app(
        migrated,
        RATELIMIT_ENABLED=True,
        LOGIN_FAILURES_PER_ACCOUNT="3 per 15 minutes",
        LOGIN_FAILURES_PER_CLIENT="5 per 15 minutes",
        LOGIN_LIMIT_KEY_PREFIX=f"test-staff-{secrets.token_hex(4)}",
        **config,
    )
    return app


def _check_limits(app):
    _, email = make_user(app, "entry")
    client = app.test_client()
    for _ in range(3):
        assert sign_in(client, email, "wrong password!").status_code == 200
    # The account is locked for now, even with the right password, from any client.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert sign_in(other, email).status_code == 429
    # The same count applies to an account that does not exist.
    for _ in range(3):
        assert sign_in(other, "ghost@example.org", "wrong password!").status_code == 200
    assert sign_in(other, "ghost@example.org", "wrong password!").status_code == 429
    # Per client: many accounts from one address.
    for n in range(2):
        assert sign_in(client, f"x{n}@example.org", "wrong password!").status_code == 200
    assert sign_in(client, "fresh@example.org", "wrong password!").status_code == 429


def test_signing_in_to_save_a_kept_form_is_not_counted_as_a_failure(migrated):
    app = _limited_app(migrated, RATELIMIT_STORAGE_URI="memory://")
    try:
        _, email = make_user(app, "entry")
        client = app.test_client()
        for _ in range(4):  # the limit is 3 failures per account
            page = client.get("/staff/login?next=/staff/entry/").text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            data = {"csrf_token": csrf, "email": email, "password": PASSWORD, "kept:serial": "X"}
            response = client.post("/staff/login?next=/staff/entry/", data=data)
            assert response.status_code == 200
            assert "Save what you entered" in response.text
    finally:
        _empty(app)


def test_failed_sign_ins_are_limited_per_account_and_per_client_in_memory(migrated):
    app = _limited_app(migrated, RATELIMIT_STORAGE_URI="memory://")
    try:
        _check_limits(app)
    finally:
        _empty(app)


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_failed_sign_ins_are_limited_through_redis(migrated):
    import redis

    app = _limited_app(migrated, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0")
    prefix = app.config["LOGIN_LIMIT_KEY_PREFIX"]
    try:
        _check_limits(app)
        client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        keys = list(client.scan_iter(f"*{prefix}*"))
        assert keys, "limits were not stored in Redis"
        client.delete(*keys)
    finally:
        _empty(app)


def _empty(app):
    from sqlalchemy import text

    from survey_app.extensions import db

    with app.app_context():
        db.session.execute(text("DELETE FROM staff_user"))
        db.session.commit()
        db.engine.dispose()


def test_password_policy_refuses_short_long_and_common_passwords():
    assert users.password_problem("short") is not None
    assert users.password_problem("x" * 129) is not None
    assert users.password_problem("a" * 64 + "B1!") is None
    assert users.password_problem("Password1") is not None  # in the common list
    assert users.password_problem("sunshine") is not None
    assert len(users.COMMON_PASSWORDS) > 5000
    assert users.password_problem(PASSWORD) is None
