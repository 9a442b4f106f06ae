"""Error pages: plain, with the quick exit, never a stack trace; security headers still apply."""

import contextlib

from flask import Flask, current_app, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from survey_app.extensions import db
from survey_app.security import sent_from_own_page

TITLES = {
    400: "Sorry, there is a problem with your request",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "Page not found",
    413: "What you sent was too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def register(app: Flask) -> None:
    """Install handlers for HTTP errors, CSRF failures and unexpected exceptions."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if request.blueprints and request.blueprints[-1] in ("staff", "research"):
            return staff_csrf_failure()
        return render_template("errors/session_expired.html"), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        title = TITLES.get(code, "Sorry, there is a problem")
        return render_template("errors/error.html", title=title, code=code), code

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        return unavailable(error)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("Unexpected error")
        return render_template("errors/error.html", title=TITLES[500], code=500), 500


#: Seconds a client is asked to wait after the database could not be reached.
RETRY_AFTER_SECONDS = 30


def unavailable(error: OperationalError):
    """The database cannot be reached, is full or read-only: a calm page asking to try again
    shortly (503), the respondent's question page filled in with what they typed when it can
    be. One log line names the cause; no traceback, and never the statement or its values
    (they hold answers)."""
    from survey_app.respond.unavailable import unavailable_question_page

    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()
    g.database_unavailable = True  # the page must not ask again (a staff page's signed-in user)
    cause = str(error.orig).strip().splitlines()[0][:200] if error.orig else ""
    current_app.logger.warning("Database unavailable: %s: %s", type(error.orig).__name__, cause)
    page = unavailable_question_page()
    if page is None:
        page = render_template("errors/error.html", title=TITLES[503], code=503)
    return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


#: Staff pages that show the typed values again after a CSRF failure instead of losing them.
KEEP_TYPED = ("staff.entry_form", "staff.reconcile")


def staff_csrf_failure():
    """A staff form's token no longer matches the session: keep what was typed where we can.

    Signed in (the session was renewed in another tab): the access rules run as for any
    request, then the keying and reconciliation pages show the posted values again, unsaved,
    with a message, but only when the browser says the form came from one of our own pages
    (Origin): a token-less form from anywhere else is never echoed for someone to save.
    Otherwise a staff page says the session expired and links to sign in. Nothing posted here
    is ever carried through sign-in (that needs a request that passed the CSRF check).
    """
    rule = request.url_rule
    retry = request.path if rule is not None and "GET" in rule.methods else "/staff/"
    if not current_user.is_authenticated:
        page = render_template("staff/session_expired.html", signed_in=False, retry_url=retry)
        return page, 400
    try:
        for name in reversed(request.blueprints):  # outermost first, as Flask runs them
            for hook in current_app.before_request_funcs.get(name, ()):
                answer = hook()
                if answer is not None:
                    return answer
        if request.endpoint in KEEP_TYPED and sent_from_own_page():
            g.csrf_failed = True
            view = current_app.view_functions[request.endpoint]
            return current_app.make_response(view(**(request.view_args or {})))
    except HTTPException as error:
        code = error.code or 500
        title = TITLES.get(code, "Sorry, there is a problem")
        return render_template("errors/error.html", title=title, code=code), code
    page = render_template("staff/session_expired.html", signed_in=True, retry_url=retry)
    return page, 400
