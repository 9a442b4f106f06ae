"""Gunicorn settings: an access log that records no client address, user agent or referrer."""

import logging
import os
import re

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:" + os.environ.get("PORT", "5000"))
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
accesslog = "-"
errorlog = "-"
# Time, request line (path without query string), status, bytes, duration. Deliberately absent:
# %(h)s (address), %(a)s (user agent), %(f)s (referrer), %(q)s (query), %({...}i)s (headers).
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# Proxies' forwarding headers are never trusted or logged.
forwarded_allow_ips = ""
proxy_allow_ips = ""
# Gunicorn 25+ opens a control socket at one fixed path per user by default; nothing here uses it,
# and several servers on one machine (tests, benchmarks) would fight over that path.
control_socket_disable = True
# Import the app once in the master and fork the workers from it: they start in a fraction of the
# time and share the imported code's memory. post_fork below keeps database connections unshared.
preload_app = True

# Gunicorn's error log names the client's address when it rejects a malformed request
# ("Invalid request from ip=203.0.113.7: ..."): keep the reason, drop the address.
_INVALID_REQUEST = re.compile(r"Invalid request from ip=\S*?: ")


class _DropClientAddress(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _INVALID_REQUEST.search(message):
            record.msg = _INVALID_REQUEST.sub("Invalid request: ", message)
            record.args = ()
        return True


class AnonymousLogger(Logger):
    """Gunicorn's logger with the client address removed from its error messages."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        self.error_log.addFilter(_DropClientAddress())


logger_class = AnonymousLogger


def post_fork(server, worker) -> None:
    """Give each worker its own database connections, never ones inherited from the master."""
    app = getattr(server.app, "callable", None)
    sqlalchemy = getattr(app, "extensions", {}).get("sqlalchemy")
    if sqlalchemy is not None:
        with app.app_context():
            for engine in sqlalchemy.engines.values():
                engine.dispose(close=False)


# Without a shared store (REDIS_URL) each worker counts rate limits on its own, so "30 an hour"
# becomes 30 an hour per worker and a client reaching another worker starts again at zero.
PER_WORKER_LIMITS = (
    "{workers} workers and no REDIS_URL: each worker would count rate limits (sign-in failures, "
    "resume codes, submissions) on its own. Set REDIS_URL, run one worker (WEB_CONCURRENCY=1), "
    "or set SURVEY_PER_WORKER_LIMITS=accept to accept limits that many times looser."
)


def on_starting(server) -> None:
    """Refuse to start several production workers whose rate limits would not be shared."""
    workers = server.cfg.workers
    if workers <= 1 or os.environ.get("SURVEY_ENV") == "development":
        return
    app = getattr(server.app, "callable", None)  # the preloaded app, if any
    config = getattr(app, "config", {})
    storage = config.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://"
    if storage.startswith("memory://"):
        message = PER_WORKER_LIMITS.format(workers=workers)
        if os.environ.get("SURVEY_PER_WORKER_LIMITS") != "accept":
            server.log.error("Refusing to start: %s", message)
            raise SystemExit(1)
        server.log.warning("%s (accepted by SURVEY_PER_WORKER_LIMITS)", message)
