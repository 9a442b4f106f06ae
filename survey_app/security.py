"""Security headers on every response and per-request nonces for the few inline scripts."""

import secrets

from flask import g, request
from flask.wrappers import Response


def make_nonce() -> None:
    """Create this request's CSP nonce; templates use it as csp_nonce()."""
    g.csp_nonce = secrets.token_urlsafe(18)


def csp_nonce() -> str:
    """Return the nonce for this request (created on first use for error pages)."""
    if "csp_nonce" not in g:
        make_nonce()
    return g.csp_nonce


def add_security_headers(response: Response) -> Response:
    """Lock pages down: our own origin only, no referrer, no framing, no caching of pages."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{csp_nonce()}'; "
        "style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not _is_static_asset():
        # A shared computer's back button must not show answers after a quick exit.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def _is_static_asset() -> bool:
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")
