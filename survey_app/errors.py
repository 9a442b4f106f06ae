"""Error pages: plain, with the quick exit, never a stack trace; security headers still apply."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from survey_app.extensions import db

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
        return render_template("errors/session_expired.html"), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        title = TITLES.get(code, "Sorry, there is a problem")
        return render_template("errors/error.html", title=title, code=code), code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("Unexpected error")
        return render_template("errors/error.html", title=TITLES[500], code=500), 500
