"""Configuration defaults; instance/config.py and environment variables override them."""

import os
from pathlib import Path
from typing import ClassVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class DefaultConfig:
    """Settings every environment starts from."""

    # Set in instance/config.py or the environment; required outside development and tests.
    SECRET_KEY = None
    QUESTIONNAIRES_DIR = str(PROJECT_ROOT / "questionnaires")
    SUPPORT_SERVICES_FILE = "support-services.yaml"
    # Days a saved draft can be resumed with its code; unsaved drafts live for a day.
    RESUME_CODE_DAYS = 30
    UNSAVED_DRAFT_HOURS = 24
    RESUME_ATTEMPTS_PER_HOUR = 10
    SUBMISSIONS_PER_HOUR = 30
    # New drafts each client (keyed hash of the address) may start in an hour; carrying on with
    # one's own draft never counts. Generous: people behind one address (a refuge, a library,
    # a mobile network) share it.
    DRAFTS_PER_HOUR = 60
    # Pages that only show a questionnaire (GET) may use what a worker read this many seconds ago;
    # anything that accepts answers reads the database afresh.
    PUBLISHED_CACHE_SECONDS = 2
    # Where the quick exit sends people: a neutral, busy site.
    EXIT_URL = "https://www.bbc.co.uk/weather"
    # The session cookie holds only a draft id and the CSRF token.
    SESSION_COOKIE_NAME = "session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    # A token lives as long as the session: respondents answer in short bursts.
    WTF_CSRF_TIME_LIMIT = None
    # Flask-WTF's HTTPS check demands a Referer, which respondents' pages never send
    # (no-referrer); staff and research forms are checked by their Origin instead (security.py).
    WTF_CSRF_SSL_STRICT = False
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks,
    # comma-separated): by default only a proxy on this host. Everyone else's are removed.
    TRUSTED_PROXIES = "127.0.0.1, ::1"
    # Strict-Transport-Security on responses served over HTTPS (0 leaves the header out).
    HSTS_SECONDS = 365 * 24 * 3600
    MAX_CONTENT_LENGTH = 512 * 1024
    RATELIMIT_STORAGE_URI = "memory://"
    # Test each pooled connection before use: after a database restart, requests get a new
    # connection instead of an error (the app recovers by itself when the database returns).
    # PostgreSQL only: load_config turns it off for SQLite (a file has no server to restart).
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}
    # Prefix of the sign-in limits' keys (Redis may be shared with other apps or test runs).
    LOGIN_LIMIT_KEY_PREFIX = "survey"
    # Staff sign-in: failed attempts allowed per account and per client, and the idle timeout.
    LOGIN_FAILURES_PER_ACCOUNT = "5 per 15 minutes"
    LOGIN_FAILURES_PER_CLIENT = "20 per 15 minutes"
    STAFF_IDLE_MINUTES = 30
    # A staff session ends this long after signing in, however active it is.
    STAFF_SESSION_HOURS = 12
    # argon2id costs: OWASP's minimum (19 MiB, 2 passes, 1 lane), about 0.1 s on a small server.
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_KIB = 19456
    ARGON2_PARALLELISM = 1
    RATELIMIT_HEADERS_ENABLED = False
    # Paper PDFs: copies per download (bigger batches come in parts) and where the one-off
    # layout of each questionnaire version is kept (default: <instance>/paper-cache).
    PAPER_COPIES_PER_PDF = 500
    PAPER_CACHE_DIR = None


def from_environment(config) -> None:
    """Apply DATABASE_URL, SECRET_KEY, REDIS_URL and FLASK_* variables over the defaults."""
    config.from_prefixed_env()  # FLASK_SECRET_KEY, FLASK_SESSION_COOKIE_SECURE, ...
    if os.environ.get("SECRET_KEY"):
        config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("REDIS_URL"):
        config["RATELIMIT_STORAGE_URI"] = os.environ["REDIS_URL"]
    if os.environ.get("TRUSTED_PROXIES") is not None:
        config["TRUSTED_PROXIES"] = os.environ["TRUSTED_PROXIES"]


# Keys shipped in examples and docs, refused outside tests whatever their length.
PLACEHOLDER_SECRETS = frozenset(
    {
        "replace-with-a-long-random-value",
        "development-only-secret",
        "change-me",
        "changeme",
        "secret",
        "dev",
    }
)
MIN_SECRET_BYTES = 32


def secret_key_problem(key) -> str | None:
    """Say what is wrong with a SECRET_KEY for real use, or None if it will do."""
    if not key:
        return "SECRET_KEY must be set (environment or instance/config.py)."
    raw = key.encode() if isinstance(key, str) else bytes(key)
    if isinstance(key, str) and key.strip().lower() in PLACEHOLDER_SECRETS:
        return "SECRET_KEY is the example placeholder: set a long random value."
    if len(raw) < MIN_SECRET_BYTES:
        return (
            f"SECRET_KEY is {len(raw)} bytes: use at least {MIN_SECRET_BYTES} random bytes "
            '(python -c "import secrets; print(secrets.token_hex(32))").'
        )
    return None


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme spelling the URL came with."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
