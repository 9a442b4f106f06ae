"""Gunicorn settings: an access log that records no client address, user agent or referrer, no
time finer than the hour and no respondent's page."""

import gc
import logging
import os
import re
import threading
import time

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:" + os.environ.get("PORT", "5000"))
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
accesslog = "-"
errorlog = "-"
# Hour, method, path, status, bytes, duration. AnonymousLogger (below) coarsens the time to the
# hour and respondents' paths to their questionnaire (respondent_path). Deliberately absent:
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


# Paths the access log keeps whole: staff and research pages, files, the health check, and the
# respondents' fixed pages. Any other path is a respondent's and is cut to its questionnaire, so
# no line says which question was answered (routing reveals answers: /q/why_not_reported), or
# which request submitted the answers (/check) or showed the confirmation (/done).
_KEPT_WHOLE = re.compile(r"/(?:(?:staff|research|static|assets)(?:/.*)?|healthz)", re.DOTALL)
_FIXED_PAGES = frozenset({"/", "/resume", "/exit", "/support", "/privacy", "/accessibility"})
_QUESTIONNAIRE = re.compile(r"/s/([a-z0-9-]{1,100})(?:/.*)?", re.DOTALL)
# An hour is all the access log tells of when: even one request's time, on a day with a single
# submission, would time that response (responses carry the date only).
_HOUR = "[%Y-%m-%dT%H UTC]"


def respondent_path(path: str) -> str:
    """The path as the access log shows it: a respondent's names no more than the questionnaire."""
    if _KEPT_WHOLE.fullmatch(path) or path in _FIXED_PAGES:
        return path
    questionnaire = _QUESTIONNAIRE.fullmatch(path)
    if questionnaire:
        return f"/s/{questionnaire.group(1)}/..."
    return "/..."


class AnonymousLogger(Logger):
    """Gunicorn's logger with the client address removed from its error messages, and an access
    log that tells the hour (not the time) and no respondent's page."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        self.error_log.addFilter(_DropClientAddress())

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        whole = environ.get("PATH_INFO") or ""
        path = respondent_path(whole)
        # Whatever the format asks for, the request's time and whole path never appear: only
        # the plain atoms are kept (headers and environ atoms hold the path, the address...).
        kept = {key: value for key, value in atoms.items() if not key.startswith("{")}
        kept.update(
            {
                "t": time.strftime(_HOUR, time.gmtime()),
                "U": path,
                "r": f"{atoms['m']} {path} {atoms['H']}",
                "q": "-",
                "h": "-",
                "a": "-",
                "f": "-",
                "u": "-",
            }
        )
        if path != whole:
            # A page's size tells which page it was (a redirect's, where it leads), and the
            # confirmation's size which services it listed: leave it out too.
            kept.update({"b": "-", "B": "-"})
        return kept


logger_class = AnonymousLogger


def when_ready(server) -> None:
    """Before the first worker is forked: compile the templates and parse the questionnaires
    once, in the master (survey_app/warm_up.py), so workers, and workers started again, begin
    warm; and, if asked, read the thematic summary's records there too (warm_summary)."""
    app = getattr(server.app, "callable", None)  # the preloaded app
    if getattr(app, "jinja_env", None) is not None:
        from survey_app.warm_up import warm_up

        warm_up(app)
    warm_summary(server)


def pre_fork(server, worker) -> None:
    """Move what the master has built (the preloaded app, its templates and questionnaires) out of
    the garbage collector's sight before a worker is forked from it: the worker's collections
    then never walk those objects, and walking them no longer copies the memory they share."""
    gc.freeze()


def post_fork(server, worker) -> None:
    """Give each worker its own database connections, never ones inherited from the master."""
    app = getattr(server.app, "callable", None)
    sqlalchemy = getattr(app, "extensions", {}).get("sqlalchemy")
    if sqlalchemy is not None:
        with app.app_context():
            for engine in sqlalchemy.engines.values():
                engine.dispose(close=False)


def warm_summary(server) -> None:
    """With SURVEY_WARM_SUMMARY=preload, read the thematic summary's records in the master
    before it forks the workers (services/summary.py `warm`): every worker starts with them
    (copy-on-write memory) and no worker reads them at all, at the cost of starting the workers
    only after the read (15 to 25 s of CPU at 100,000 responses; connections wait meanwhile).
    A worker forked later (max_requests) updates the master's records as a kept copy."""
    if os.environ.get("SURVEY_WARM_SUMMARY") != "preload":
        return
    app = getattr(server.app, "callable", None)  # the preloaded app
    if app is None or not hasattr(app, "app_context"):
        return
    from survey_app.extensions import db
    from survey_app.services import summary

    try:
        with app.app_context():
            server.log.info("Warming the thematic summary: %s", ", ".join(summary.warm()))
            db.engine.dispose()  # the master keeps no connection (post_fork: the workers')
    except Exception:  # a failed warm-up costs only time: the first request reads instead
        server.log.exception("Warming the thematic summary failed")


def post_worker_init(worker) -> None:
    """With SURVEY_WARM_SUMMARY=1, read the thematic summary's records in a thread of each new
    worker (services/summary.py `warm`): the first summary then takes well under 2 s instead of
    the 15 to 25 s of CPU a fresh read of 100,000 responses costs, paid at every worker start
    instead, with the records' memory in every worker. Off by default."""
    if os.environ.get("SURVEY_WARM_SUMMARY") != "1":
        return
    app = getattr(worker, "wsgi", None)
    if app is None or not hasattr(app, "app_context"):
        return

    def run() -> None:
        from survey_app.services import summary

        try:
            with app.app_context():
                summary.warm()
        except Exception:  # a failed warm-up costs only time: the first request reads instead
            worker.log.exception("Warming the thematic summary failed")

    threading.Thread(target=run, name="warm-summary", daemon=True).start()


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
