"""The session cookie and CSRF tokens, signed by serializers made once (survey_app/signing.py),
keep Flask's and Flask-WTF's format and every check: signature, secret key and its rotation,
expiry, and a token bound to its own session and checked before anything is saved."""

import secrets
import time

import pytest
from flask import session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf import csrf as flask_wtf_csrf
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from wtforms import ValidationError

from survey_app import csrf_tokens
from survey_app.extensions import db
from survey_app.models import Draft
from tests.survey_app.walker import SLUG, begin, csrf_token

DAY = 24 * 3600


def stock_session_serializer(app) -> URLSafeTimedSerializer:
    """Flask's own session serializer, as Flask builds it for every request."""
    return SecureCookieSessionInterface().get_signing_serializer(app)


def signed_days_ago(serializer: URLSafeTimedSerializer, value, days: float) -> str:
    """`value` signed by `serializer`'s keys and salt, stamped `days` ago (negative: ahead)."""

    class Backdated(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - days * DAY)

    backdated = URLSafeTimedSerializer(
        serializer.secret_keys,
        serializer.salt,
        serializer=serializer.serializer,
        signer=Backdated,
        signer_kwargs=serializer.signer_kwargs,
    )
    return backdated.dumps(value)


def read_session(app, cookie: str | None) -> dict:
    """What the app's session interface makes of a cookie."""
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    with app.test_request_context("/", headers=headers):
        return dict(session)


def test_session_cookies_are_readable_by_flask_and_by_the_app_both_ways(app):
    ours = app.session_interface.get_signing_serializer(app)
    stock = stock_session_serializer(app)
    value = {"draft": "d" * 43, "csrf_token": "c" * 40}
    assert stock.loads(ours.dumps(value)) == value
    assert read_session(app, stock.dumps(value)) == value


def test_a_tampered_or_foreign_session_cookie_gives_an_empty_session(app):
    stock = stock_session_serializer(app)
    raw_token = secrets.token_hex(20)  # random, so the payload is not compressed
    cookie = stock.dumps({"draft": "mine", "csrf_token": raw_token})
    payload, stamp, signature = cookie.split(".")
    forged_payload = stock.dumps({"draft": "someone-else", "csrf_token": raw_token}).split(".")[0]
    assert read_session(app, f"{forged_payload}.{stamp}.{signature}") == {}
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert read_session(app, f"{payload}.{stamp}.{flipped}") == {}
    assert read_session(app, f"{payload}.{stamp}") == {}
    other_key = URLSafeTimedSerializer(
        "another-secret", stock.salt, serializer=stock.serializer, signer_kwargs=stock.signer_kwargs
    )
    assert read_session(app, other_key.dumps({"draft": "mine"})) == {}


def test_session_cookies_expire_with_the_session_lifetime(app):
    app.config["PERMANENT_SESSION_LIFETIME"] = 2 * DAY
    stock = stock_session_serializer(app)
    assert read_session(app, signed_days_ago(stock, {"draft": "recent"}, 1)) == {"draft": "recent"}
    assert read_session(app, signed_days_ago(stock, {"draft": "old"}, 3)) == {}
    assert read_session(app, signed_days_ago(stock, {"draft": "ahead"}, -1)) == {}


def test_a_rotated_key_still_reads_old_cookies_and_signs_with_the_new_one(app):
    old = stock_session_serializer(app).dumps({"draft": "before-rotation"})
    app.config["SECRET_KEY_FALLBACKS"] = [app.secret_key]
    app.secret_key = app.config["SECRET_KEY"] = "the-new-secret"
    assert read_session(app, old) == {"draft": "before-rotation"}
    new = app.session_interface.get_signing_serializer(app).dumps({"draft": "after"})
    only_new = URLSafeTimedSerializer(
        "the-new-secret",
        "cookie-session",
        serializer=SecureCookieSessionInterface.serializer,
        signer_kwargs={
            "key_derivation": "hmac",
            "digest_method": SecureCookieSessionInterface.digest_method,
        },
    )
    assert only_new.loads(new) == {"draft": "after"}
    app.config["SECRET_KEY_FALLBACKS"] = []  # the old key retired: its cookies are refused
    assert read_session(app, old) == {}


def test_csrf_tokens_are_accepted_by_flask_wtf_and_by_the_app_both_ways(app):
    with app.test_request_context("/"):
        ours = csrf_tokens.generate_csrf()
        assert csrf_tokens.generate_csrf() == ours  # one token per request
        flask_wtf_csrf.validate_csrf(ours)
        raw = session["csrf_token"]
    with app.test_request_context("/"):
        session["csrf_token"] = raw
        theirs = flask_wtf_csrf.generate_csrf()
        csrf_tokens.validate_csrf(theirs)
        csrf_tokens.validate_csrf(ours)


def test_csrf_tokens_are_refused_when_missing_forged_foreign_or_expired(app):
    with app.test_request_context("/"):
        token = csrf_tokens.generate_csrf()
        other_session = URLSafeTimedSerializer(app.secret_key, "wtf-csrf-token").dumps("x" * 40)
        other_key = URLSafeTimedSerializer("another-secret", "wtf-csrf-token")
        refused = {
            "missing": "",
            "tampered": token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1],
            "from another session": other_session,
            "signed with another key": other_key.dumps(session["csrf_token"]),
            "not a token": "not-a-token",
        }
        for case, value in refused.items():
            with pytest.raises(ValidationError):
                csrf_tokens.validate_csrf(value)
                pytest.fail(f"accepted a token {case}")
        app.config["WTF_CSRF_TIME_LIMIT"] = 3600
        serializer = URLSafeTimedSerializer(app.secret_key, "wtf-csrf-token")
        csrf_tokens.validate_csrf(signed_days_ago(serializer, session["csrf_token"], 0.01))
        with pytest.raises(ValidationError, match="expired"):
            csrf_tokens.validate_csrf(signed_days_ago(serializer, session["csrf_token"], 0.1))
    # A session without a raw token accepts no token at all.
    with (
        app.test_request_context("/"),
        pytest.raises(ValidationError, match="session token is missing"),
    ):
        csrf_tokens.validate_csrf(token)


def test_csrf_secret_key_changes_are_followed(app):
    with app.test_request_context("/"):
        token = csrf_tokens.generate_csrf()
        csrf_tokens.validate_csrf(token)
        app.config["WTF_CSRF_SECRET_KEY"] = "a-separate-csrf-secret"
        with pytest.raises(ValidationError, match="invalid"):
            csrf_tokens.validate_csrf(token)


def test_an_answer_with_a_bad_token_is_never_saved(app, synced):
    client = app.test_client()
    page = begin(client)
    good = csrf_token(page.text)
    stranger = app.test_client()
    strangers_token = csrf_token(begin(stranger).text)
    bad_tokens = {
        "another respondent's": strangers_token,
        "tampered": good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1],
        "signed with another key": URLSafeTimedSerializer("x", "wtf-csrf-token").dumps("a" * 40),
        "missing": "",
    }
    for case, token in bad_tokens.items():
        form = {"csrf_token": token, "crime_type": "hate_crime", "action": "continue"}
        refused = client.post(page.request.path, data=form)
        assert refused.status_code == 200, case  # the page again, with what was typed
        assert "Your session had ended" in refused.text
    with app.app_context():
        assert all(answers == {} for answers in db.session.scalars(select(Draft.answers)))
    form = {"csrf_token": good, "crime_type": "hate_crime", "action": "continue"}
    assert client.post(page.request.path, data=form).status_code == 302
    with app.app_context():
        saved = [a for a in db.session.scalars(select(Draft.answers)) if a]
    assert len(saved) == 1 and saved[0]["crime_type"]["value"] == ["hate_crime"]


def test_a_tampered_session_cookie_loses_the_draft_not_someone_elses(app, synced):
    client = app.test_client()
    page = begin(client)
    cookie = client.get_cookie("session").value
    payload, stamp, signature = cookie.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    client.set_cookie("session", f"{payload}.{stamp}.{flipped}")
    again = client.get(page.request.path)
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/s/{SLUG}/")
