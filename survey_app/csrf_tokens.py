"""Flask-WTF's CSRF tokens, signed and checked by a serializer made once (survey_app/signing.py).

`generate_csrf` and `validate_csrf` do what flask_wtf.csrf's functions of the same names do,
with the same settings (WTF_CSRF_SECRET_KEY, WTF_CSRF_FIELD_NAME, WTF_CSRF_TIME_LIMIT), the
same raw token in the session, the same signed token kept in `g` for the request, and the same
token format, so either accepts the other's tokens (Flask-WTF still checks the staff forms).
Flask-WTF builds a new serializer for every token it signs or checks; the respondent pages,
which sign one on every page and check one on every answer, use these instead.
"""

import hmac
import secrets

from flask import current_app, g, session
from itsdangerous import BadData, SignatureExpired
from wtforms import ValidationError

from survey_app.signing import ReusableSerializer, serializer_for

SALT = "wtf-csrf-token"  # Flask-WTF's


def _config(name: str, default):
    value = current_app.config.get(name, default)
    if value is None:
        raise RuntimeError(f"{name} is required to use CSRF.")
    return value


def _new_raw_token() -> str:
    """40 random hex digits, as Flask-WTF's (a SHA-1 of 64 random bytes) look."""
    return secrets.token_hex(20)


def _serializer() -> ReusableSerializer:
    return serializer_for((_config("WTF_CSRF_SECRET_KEY", current_app.secret_key),), SALT)


def generate_csrf() -> str:
    """This request's signed CSRF token (the same on every call), made from the session's raw
    token, which is created if the session has none."""
    field_name = _config("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field_name not in g:
        serializer = _serializer()
        if field_name not in session:
            session[field_name] = _new_raw_token()
        try:
            token = serializer.dumps(session[field_name])
        except TypeError:
            session[field_name] = _new_raw_token()
            token = serializer.dumps(session[field_name])
        setattr(g, field_name, token)
    return g.get(field_name)


def validate_csrf(data) -> None:
    """Raise ValidationError unless `data` is a token signed with this app's key, within the
    time limit, for the raw token in this session."""
    serializer = _serializer()
    field_name = _config("WTF_CSRF_FIELD_NAME", "csrf_token")
    time_limit = current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600)
    if not data:
        raise ValidationError("The CSRF token is missing.")
    if field_name not in session:
        raise ValidationError("The CSRF session token is missing.")
    try:
        token = serializer.loads(data, max_age=time_limit)
    except SignatureExpired as e:
        raise ValidationError("The CSRF token has expired.") from e
    except BadData as e:
        raise ValidationError("The CSRF token is invalid.") from e
    if not hmac.compare_digest(session[field_name], token):
        raise ValidationError("The CSRF tokens do not match.")
