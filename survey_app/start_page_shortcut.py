"""The start page for a visitor without a cookie, served again without Flask (WSGI middleware).

The start page is the busiest page, and for a visitor without a cookie it is the same for
everyone: the page cache (page_cache.py) already renders it once. What was left was about
0.3 ms of Flask and its extensions per request (request context, session, limiter, hooks,
headers), more than half of the page's cost. So the response Flask last gave, status, headers
and body, is kept with its CSP nonce replaced by a mark, and served again with a fresh nonce:

- only to a GET with no query string and no Cookie header, for the same scheme, host, script
  name and path as the response kept (anything else goes to Flask);
- only a response the start view allowed to be kept (`allow_keeping`: no draft, a cached page,
  no rate limit of any kind that could apply to it), with status 200, no Set-Cookie, and the
  nonce in its policy;
- only while the questionnaire lookup it was made from is still the one Flask would use (at
  most PUBLISHED_CACHE_SECONDS old, and not dropped since: a change of dates in this worker
  drops it) and on the same UTC day.

So a visitor gets exactly the bytes Flask would give them, apart from the nonce, which is new
for every request. Nothing about the visitor is kept.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import current_app, g, request

from survey_app.extensions import limiter
from survey_app.ratelimit import no_limit_applies_to_view
from survey_app.security import csp_nonce
from survey_app.services import questionnaires

# The key in a request's environ under which the middleware offers to keep its response.
OFFER = "survey.start_page_offer"
MAX_KEPT = 64  # start pages kept at once (one per questionnaire, scheme and host sent)
_NONCE_MARK = f"nonce-{secrets.token_hex(9)}"[:24]  # as long as a nonce: Content-Length holds


def _utc_day():
    return datetime.now(UTC).date()


@dataclass(frozen=True, slots=True)
class KeptPage:
    """A start page response with its nonce replaced by the mark, and what keeps it current."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes
    slug: str
    lookup: tuple  # the questionnaire lookup it was rendered from (questionnaires.recent_lookup)
    max_age: float
    day: date

    def is_current(self, app) -> bool:
        return (
            questionnaires.is_recent_lookup(app, self.slug, self.lookup, self.max_age)
            and _utc_day() == self.day
        )

    def serve(self, start_response):
        nonce = secrets.token_urlsafe(18)
        start_response(
            self.status, [(name, value.replace(_NONCE_MARK, nonce)) for name, value in self.headers]
        )
        return [self.body.replace(_NONCE_MARK.encode(), nonce.encode())]


class StartPageShortcut:
    """WSGI middleware: serve a kept start page, or let Flask answer and perhaps keep its page."""

    def __init__(self, wsgi_app, app):
        self.wsgi_app = wsgi_app
        self.app = app
        self.kept: dict[tuple, KeptPage] = {}

    def __call__(self, environ, start_response):
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or environ.get("QUERY_STRING")
            or environ.get("HTTP_COOKIE")
        ):
            return self.wsgi_app(environ, start_response)
        key = (
            environ.get("wsgi.url_scheme"),
            environ.get("HTTP_HOST"),
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO"),
        )
        page = self.kept.get(key)
        if page is not None and page.is_current(self.app):
            return page.serve(start_response)
        offer = environ[OFFER] = {}
        answered = []

        def remember(status, headers, exc_info=None):
            answered[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, remember)
        if not offer:  # not a start page the view allowed to keep: pass it on untouched
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        self._keep(key, offer, answered, body)
        return [body]

    def _keep(self, key, offer, answered, body) -> None:
        status, headers = answered
        nonce = offer["nonce"]
        if (
            status != "200 OK"
            or any(name.lower() == "set-cookie" for name, _ in headers)
            or f"'nonce-{nonce}'" not in dict(headers).get("Content-Security-Policy", "")
        ):
            return
        if len(self.kept) >= MAX_KEPT:
            self.kept.clear()
        self.kept[key] = KeptPage(
            status,
            [(name, value.replace(nonce, _NONCE_MARK)) for name, value in headers],
            body.replace(nonce.encode(), _NONCE_MARK.encode()),
            offer["slug"],
            offer["lookup"],
            offer["max_age"],
            offer["day"],
        )


def allow_keeping(slug: str, day) -> None:
    """Called by the start view once its page is rendered: let the middleware keep the response
    if nothing in it belongs to this request but the nonce."""
    offer = request.environ.get(OFFER)
    if offer is None or not _nothing_but_the_nonce_is_personal():
        return
    max_age = current_app.config["PUBLISHED_CACHE_SECONDS"]
    lookup = questionnaires.recent_lookup(current_app, slug)
    if lookup is None or max_age <= 0:
        return
    offer.update(nonce=csp_nonce(), slug=slug, lookup=lookup, max_age=max_age, day=day)


def _nothing_but_the_nonce_is_personal() -> bool:
    # A kept page is served without Flask: no rate limit may apply to it at all (default,
    # app-wide, blueprint, meta, in-memory fallback, or on the view itself).
    return (
        no_limit_applies_to_view(limiter, request.endpoint)
        and not current_app.jinja_env.auto_reload  # development: the page is not cached
        and "csrf_token" not in g  # no token was made (it would be in the session too)
        and not request.cookies
    )
