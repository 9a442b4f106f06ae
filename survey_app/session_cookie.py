"""Flask's signed session cookie, with its signing serializer made once per key set.

Flask builds a new itsdangerous serializer (and its signers) for every request, which was a
noticeable share of a cached page's cost. The cookie, its format and its checks are unchanged:
only the object that signs and verifies is kept while the secret keys stay the same.
"""

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CachedSerializerSessionInterface(SecureCookieSessionInterface):
    """SecureCookieSessionInterface that reuses its serializer while the keys do not change."""

    _cached: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = self._cached
        if cached is None or cached[0] != keys:
            cached = self._cached = (keys, super().get_signing_serializer(app))
        return cached[1]
