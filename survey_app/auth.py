"""Staff sign-in plumbing: the user loader, access rules for blueprints, and the idle timeout."""

import time
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from survey_app.extensions import login_manager
from survey_app.models import User
from survey_app.services import users
from survey_app.sign_in import sign_in_to_keep_form

LAST_SEEN = "staff_last_seen"
SIGNED_IN_AT = "staff_signed_in_at"
# Where a `next` parameter may send someone after signing in.
SAFE_NEXT_PREFIXES = ("/staff/", "/research/")


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Return the active account for the session, or None (old cookies carry an old version)."""
    return users.session_user(session_id)


def start_session(user: User) -> None:
    """Sign in on a brand-new session: nothing (CSRF token included) survives from before."""
    session.clear()
    # Flask-WTF caches this request's token in g: a page rendered after signing in must get a
    # token of the new session, not the old one.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    login_user(user)
    # Flask-Login writes a hash of the address and user agent as "_id" whatever its session
    # protection: nothing about the client belongs in the cookie.
    session.pop("_id", None)
    now = int(time.time())
    session[LAST_SEEN] = now
    session[SIGNED_IN_AT] = now


def end_session() -> None:
    """Sign out here and make every copy of this account's session cookies useless."""
    if current_user.is_authenticated:
        users.end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is a local staff or research path, else None (no open redirect)."""
    if not target or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(SAFE_NEXT_PREFIXES):
        return None
    return target


def _here() -> str:
    return request.full_path if request.method == "GET" and request.query_string else request.path


def _sign_in_first(reason: str | None = None):
    """Send someone whose session has ended to sign in. A form they sent is not lost: the
    sign-in page carries its fields and offers to save them afterwards."""
    if request.method == "POST":
        page = sign_in_to_keep_form()
        if page is not None:
            return page
    return redirect(url_for("staff.login", next=_here(), reason=reason))


def require_role(*roles: str, public: Iterable[str] = ()) -> Callable[[], object]:
    """Build a before_request hook admitting only signed-in, recently active staff in `roles`.

    Anonymous visitors go to the sign-in page (with `next`), the wrong role gets a 403 page,
    and a session left idle longer than STAFF_IDLE_MINUTES, or signed in longer ago than
    STAFF_SESSION_HOURS, is ended. Endpoints in `public`
    (the sign-in page) are let through; the route-classification test reads both attributes.
    """
    allowed = frozenset(roles)
    public = frozenset(public)

    def check_access():
        if request.endpoint in public:
            return None
        if not current_user.is_authenticated:
            return _sign_in_first()
        reason = _session_over(time.time())
        if reason:
            logout_user()
            session.clear()
            return _sign_in_first(reason=reason)
        if current_user.role not in allowed:
            abort(403)
        session[LAST_SEEN] = int(time.time())
        return None

    check_access.roles = allowed
    check_access.public = public
    return check_access


def _session_over(now: float) -> str | None:
    """Why this staff session must end now ("idle" or "expired"), or None."""
    config = current_app.config
    if now - session.get(SIGNED_IN_AT, 0) > config["STAFF_SESSION_HOURS"] * 3600:
        return "expired"
    if now - session.get(LAST_SEEN, 0) > config["STAFF_IDLE_MINUTES"] * 60:
        return "idle"
    return None


def staff_context() -> dict:
    """Template values for staff and research pages: who is signed in (nobody named on the
    calm 503 page: loading the user would ask the database that just failed, and fail again,
    turning the calm page into a server error)."""
    if g.get("database_unavailable"):
        return {"staff_user": None}
    return {"staff_user": current_user if current_user.is_authenticated else None}
