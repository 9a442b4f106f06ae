"""Rate-limit keys that never hold a client's address: an HMAC under a secret rotated daily."""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import redis
from flask import current_app, request

# With Redis the day's secret is shared by all workers (and expires with the day); without it the
# secret lives only in this process's memory. Either way it is never written to the database or a
# log, so a stored key cannot be turned back into an address once the day is over.
_secret_by_day: dict[str, bytes] = {}


def _todays_secret() -> bytes:
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    if day in _secret_by_day:
        return _secret_by_day[day]
    storage = current_app.config["RATELIMIT_STORAGE_URI"]
    secret = secrets.token_bytes(32)
    if storage.startswith(("redis://", "rediss://")):
        client = redis.Redis.from_url(storage)
        name = f"survey:ratelimit-secret:{day}"
        client.set(name, secret, nx=True, ex=2 * 24 * 3600)
        secret = client.get(name) or secret
    _secret_by_day.clear()
    _secret_by_day[day] = secret
    return secret


def anonymous_client_key() -> str:
    """Return a keyed hash of the connecting address for rate limiting; the address is dropped."""
    return hmac.new(
        _todays_secret(), (request.remote_addr or "").encode(), hashlib.sha256
    ).hexdigest()[:32]


def account_key() -> str:
    """Return a keyed hash of the email a sign-in form names, so failures count per account."""
    email = request.form.get("email", "").strip().lower()[:320]
    digest = hmac.new(_todays_secret(), email.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{current_app.config['LOGIN_LIMIT_KEY_PREFIX']}:account:{digest}"


def login_client_key() -> str:
    """Return the keyed hash of the client address, for failed sign-ins per client."""
    return f"{current_app.config['LOGIN_LIMIT_KEY_PREFIX']}:client:{anonymous_client_key()}"
