"""Rate-limit keys that never hold a client's address: an HMAC under a secret rotated daily; and
Flask-Limiter's check before every request made only where a limit it checks could apply."""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import redis
from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_qualified_name

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


# Flask-Limiter checks limits in two places. A view decorated with @limiter.limit checks its own
# limits when it is called (its wrapper), whatever happens before. Its before_request hook checks
# the rest: app-wide (RATELIMIT_APPLICATION), default (RATELIMIT_DEFAULT), blueprint and meta
# limits, and, while the storage is down, the in-memory fallback limits, for every endpoint.
# With none of those configured (this app's set-up) that hook finds nothing to check on every
# request, yet costs 5-13% of a respondent page. Flask-Limiter has no public way to ask whether
# any exist, so this reads its private attributes; if they are not found (another version), the
# hook always runs, as before.


def limits_beyond_views(limiter: Limiter) -> bool:
    """True if a limit other than a decorated view's own could apply to some request: app-wide,
    default, blueprint, meta or in-memory fallback limits (or the private attributes that tell
    are missing)."""
    try:
        manager = limiter.limit_manager
        return bool(
            manager._application_limits
            or manager._default_limits
            or manager._blueprint_limits
            or limiter._meta_limits
            or limiter._in_memory_fallback
        )
    except AttributeError:
        return True


def check_only_limits_that_may_apply(app: Flask, limiter: Limiter) -> None:
    """Replace Flask-Limiter's before_request check with one that runs it only when a limit it
    checks may exist (limits_beyond_views, or the storage is down): the same limits are checked,
    and decorated views check theirs in their wrapper as before."""
    check = limiter._check_request_limit
    hooks = app.before_request_funcs.get(None, [])
    if check not in hooks:  # limiting disabled: Flask-Limiter installed no hook
        return

    def check_limits_that_may_apply() -> None:
        if limits_beyond_views(limiter) or getattr(limiter, "_storage_dead", True):
            check()

    hooks[hooks.index(check)] = check_limits_that_may_apply


def no_limit_applies_to_view(limiter: Limiter, endpoint: str | None) -> bool:
    """True if no rate limit at all could apply to requests for `endpoint`: none beyond views'
    own (limits_beyond_views) and none on its view (decorated, or learnt from a limit used inside
    it). For serving a response again without running the view (start_page_shortcut.py)."""
    if not limiter.enabled:
        return True
    if limits_beyond_views(limiter) or not endpoint:
        return False
    view = current_app.view_functions.get(endpoint)
    try:
        return (
            view is not None
            and get_qualified_name(view) not in limiter._marked_for_limiting
            and not limiter.limit_manager.has_hints(endpoint)
        )
    except AttributeError:
        return False
