"""Security headers, per-request nonces for the few inline scripts, and the Origin check that
keeps other sites' forms away from staff and research pages."""

import secrets
from urllib.parse import urlsplit

from flask import abort, current_app, g, request
from flask.wrappers import Response

# Blueprints whose pages belong to signed-in staff (their nested blueprints count too).
STAFF_BLUEPRINTS = ("staff", "research")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def make_nonce() -> None:
    """Create this request's CSP nonce; templates use it as csp_nonce()."""
    g.csp_nonce = secrets.token_urlsafe(18)


def csp_nonce() -> str:
    """Return the nonce for this request (created on first use for error pages)."""
    if "csp_nonce" not in g:
        make_nonce()
    return g.csp_nonce


def is_staff_request() -> bool:
    """True for staff and research pages (their audience signs in)."""
    return bool(request.blueprints) and request.blueprints[-1] in STAFF_BLUEPRINTS


def referrer_policy() -> str:
    """Respondents' pages tell no one where they came from. Staff pages tell their own origin
    only, so that their forms carry a real Origin (and Referer) for the same-origin check."""
    return "same-origin" if is_staff_request() else "no-referrer"


def sender_origin() -> str | None:
    """The origin the browser says sent this request (Origin, else Referer), or None if it said
    nothing. A browser's "null" (a privacy-sensitive context) is returned as "null"."""
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin.strip().lower()
    referrer = request.headers.get("Referer")
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if not parts.scheme or not parts.netloc:
        return "null"
    return f"{parts.scheme}://{parts.netloc}".lower()


def own_origin() -> str:
    """This app's origin as the browser sees it (scheme from a trusted proxy, Host as sent)."""
    return f"{request.scheme}://{request.host}".lower()


def sent_from_own_page() -> bool:
    """True only if the browser named this app's own origin as the sender.

    Browsers set Origin themselves on every form POST; a page on another site cannot change it.
    Staff pages send `Referrer-Policy: same-origin`, under which browsers give the real origin
    for same-origin POSTs (under `no-referrer` they would say "null").
    """
    return sender_origin() == own_origin()


def refuse_cross_origin_forms() -> None:
    """Refuse a staff or research form that a browser says came from another origin.

    A request that names no origin at all (old browsers, scripts) still needs its CSRF token.
    """
    if request.method not in UNSAFE_METHODS or not is_staff_request():
        return
    origin = sender_origin()
    if origin is not None and origin != own_origin():
        current_app.logger.info("Refused a staff form sent from another origin")
        abort(403)


# The Content-Security-Policy around this request's nonce.
_CSP_BEFORE_NONCE = "default-src 'self'; script-src 'self' 'nonce-"
_CSP_AFTER_NONCE = (
    "'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
_FRAMING_AND_FEATURES = (
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
_NOT_STORED = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))


def add_security_headers(response: Response) -> Response:
    """Lock pages down: our own origin only, no referrer for respondents, no framing, no caching
    of pages, and HSTS over HTTPS.

    Each header replaces one the response already has, as `headers[name] = value` would; the
    others are appended without searching the list again for each (werkzeug's `set` lowers and
    compares every header name on every call, which made this hook a tenth of a cached question
    page's instructions).
    """
    headers = response.headers
    present = {name.lower() for name, _value in headers}  # (name, value) pairs

    def put(name: str, value: str) -> None:
        if name.lower() in present:
            headers[name] = value
        else:
            headers.add(name, value)

    put("Content-Security-Policy", f"{_CSP_BEFORE_NONCE}{csp_nonce()}{_CSP_AFTER_NONCE}")
    put("X-Content-Type-Options", "nosniff")
    put("Referrer-Policy", referrer_policy())
    for name, value in _FRAMING_AND_FEATURES:
        put(name, value)
    hsts = current_app.config.get("HSTS_SECONDS", 0)
    if request.is_secure and hsts:
        put("Strict-Transport-Security", f"max-age={int(hsts)}")
    if not _is_static_asset():
        # A shared computer's back button must not show answers after a quick exit.
        for name, value in _NOT_STORED:
            put(name, value)
    return response


def _is_static_asset() -> bool:
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")
