"""Flask's signed session cookie, signed and checked by a serializer made once per key set.

Flask builds a new itsdangerous serializer (and its signer, which derives its key again) for
every request, which was a noticeable share of a cached page's cost. The cookie, its format
and its checks are unchanged (survey_app/signing.py): the same keys in the same order as
Flask's own `get_signing_serializer` (SECRET_KEY_FALLBACKS oldest first, SECRET_KEY last, the
one that signs), the same salt, serializer, key derivation and digest.
"""

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from survey_app.signing import serializer_for


class CachedSerializerSessionInterface(SecureCookieSessionInterface):
    """SecureCookieSessionInterface that reuses its serializer while the keys do not change."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        return serializer_for(
            keys,
            self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )
