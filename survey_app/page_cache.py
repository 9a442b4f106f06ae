"""Pages rendered once per app and served again with this request's CSRF token and CSP nonce.

The GOV.UK Frontend macros make a page cost milliseconds to render, most of it identical for
every visitor. A page whose whole content follows from a key is rendered once with marks in
place of the two per-request secrets, and each request gets a copy with its own values put in.
"""

import secrets
from collections.abc import Callable

from flask import current_app, g, render_template
from markupsafe import escape

from survey_app.csrf_tokens import generate_csrf
from survey_app.security import csp_nonce

MAX_PAGES = 256
# Random per process, so no content (or visitor) can contain or guess them.
_TOKEN_MARK = f"csrf-{secrets.token_hex(16)}"
_NONCE_MARK = f"nonce-{secrets.token_hex(16)}"


def _token_mark() -> str:
    return _TOKEN_MARK


def _nonce_mark() -> str:
    return _NONCE_MARK


def render_page(key: tuple, template: str, context: Callable[[], dict]) -> str:
    """Render `template` like render_template with `context()`, reusing the result for the same
    `key`: `context` is called only when the page is rendered (building it can cost more than
    serving the cached page).

    Everything the page shows must follow from `key` (`context()` may give only such values);
    the only per-request parts allowed are csrf_token() and csp_nonce(). A page that got the
    real token or nonce some other way (a macro imported without context) is never cached.
    """
    if current_app.jinja_env.auto_reload:  # development: templates may change under us
        return render_template(template, **context())
    pages = current_app.extensions.setdefault("survey_page_cache", {})
    html = pages.get((template, key))
    if html is None:
        values = context()
        html = render_template(template, csrf_token=_token_mark, csp_nonce=_nonce_mark, **values)
        if _holds_request_secret(html):
            return render_template(template, **values)
        if len(pages) >= MAX_PAGES:
            pages.clear()
        pages[(template, key)] = html
    if _TOKEN_MARK in html:
        html = html.replace(_TOKEN_MARK, str(escape(generate_csrf())))
    return html.replace(_NONCE_MARK, str(escape(csp_nonce())))


def _holds_request_secret(html: str) -> bool:
    token = g.get("csrf_token")  # where Flask-WTF keeps this request's token once generated
    return csp_nonce() in html or bool(token and token in html)
