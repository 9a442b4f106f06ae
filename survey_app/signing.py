"""itsdangerous serializers made once per set of keys, with their signing keys derived once.

Flask builds a new URLSafeTimedSerializer for the session cookie on every request, Flask-WTF
another for each CSRF token it signs or checks, and each builds a new signer that derives its
signing key again (an HMAC or a hash of the secret key and salt) for every signature. The
derived key depends only on the secret key, the salt and the method, so it is computed once
here. Everything else, the format, the signature check, key rotation and expiry, is
itsdangerous's own code.
"""

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import want_bytes


class DerivedKeysSigner(TimestampSigner):
    """A TimestampSigner that derives each secret key's signing key once, when made."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        derive = super().derive_key  # (a comprehension's own scope has no zero-argument super)
        self._derived = {key: derive(key) for key in self.secret_keys}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        derived = self._derived.get(key)
        return super().derive_key(key) if derived is None else derived


class ReusableSerializer(URLSafeTimedSerializer):
    """A URLSafeTimedSerializer that keeps its signer (for its own salt) instead of making one
    per call. Signers hold only their keys and settings, so one can serve every request."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, signer=DerivedKeysSigner, **kwargs)
        self._own_signer = super().make_signer(self.salt)

    def make_signer(self, salt: str | bytes | None = None) -> TimestampSigner:
        if salt is None or want_bytes(salt) == self.salt:
            return self._own_signer
        return super().make_signer(salt)


_serializers: dict[str, tuple[tuple, ReusableSerializer]] = {}


def serializer_for(secret_keys: tuple, salt: str, **kwargs) -> ReusableSerializer:
    """A shared serializer for these keys (oldest first, as itsdangerous takes them), salt and
    settings (`serializer`, `signer_kwargs` with hashable values). One per salt is kept, so new
    keys (tests, rotation) replace the old serializer rather than pile up."""
    settings = (kwargs.get("serializer"), *sorted((kwargs.get("signer_kwargs") or {}).items()))
    key = (secret_keys, settings)
    found = _serializers.get(salt)
    if found is None or found[0] != key:
        found = _serializers[salt] = (key, ReusableSerializer(list(secret_keys), salt, **kwargs))
    return found[1]
