"""Database set-up: SQLite tuned for safe concurrent writes, PostgreSQL through psycopg 3.

On SQLite (WAL), any number of readers run alongside one writer, but a transaction that reads and
then writes fails at once with "database is locked" if another process committed in between. So:

- requests with a safe method (GET, HEAD, OPTIONS) read in a deferred transaction, taking no lock,
  so pages render in parallel in all workers;
- every other request, and every command, takes the write lock at BEGIN (BEGIN IMMEDIATE), so
  writers queue behind busy_timeout instead of failing;
- a GET that has to write (the quick exit deletes a draft) calls begin_writing() first.

Services write inside `committing()` (or a function marked `@transaction`): the one place where
a write commits, or rolls back when it raises.
"""

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

from survey_app.extensions import db

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",  # durable: a commit survives power loss, even in WAL mode
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_DEPTH = "survey_committing_depth"
P = ParamSpec("P")
R = TypeVar("R")


def init_database(app: Flask) -> None:
    """Bind SQLAlchemy and, on SQLite, set pragmas and choose each transaction's locking."""
    db.init_app(app)
    app.teardown_appcontext(_close_session)  # runs before Flask-SQLAlchemy's (reverse order)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _configure_sqlite_connection)
            event.listen(engine, "begin", _begin)
            event.listen(engine, "before_cursor_execute", _check_write_is_declared)


@contextmanager
def committing() -> Iterator[None]:
    """Run a write: commit when the block ends, roll back (and re-raise) when it raises.

    A block inside another (a service calling another service) joins the outer one, which
    alone commits, so that the two write in one transaction; a raise rolls back at once.
    """
    info = db.session.info
    depth = info.get(_DEPTH, 0)
    info[_DEPTH] = depth + 1
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    else:
        if depth == 0:
            db.session.commit()
    finally:
        info[_DEPTH] = depth


def transaction(function: Callable[P, R]) -> Callable[P, R]:
    """Mark a service function as one write: it runs inside `committing()`."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with committing():
            return function(*args, **kwargs)

    return run


def begin_writing() -> None:
    """Declare that this request writes: its next transaction takes the write lock at BEGIN.

    Only a request with a safe method (GET) needs this, before its first read; it ends any
    transaction the request has open (so call it before changing anything).
    """
    if has_request_context():
        g.survey_writes = True
    db.session.commit()


def _close_session(_error) -> None:
    # Closing rolls back what the request left open; if the database went away meanwhile, that
    # rollback fails and the connection is discarded. The answer is already on its way (a page
    # or a 503): a failed clean-up must not turn it into a 500.
    with contextlib.suppress(SQLAlchemyError):
        db.session.close()


def _configure_sqlite_connection(dbapi_connection, _record) -> None:
    # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is deferred and comes late).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _reads_only() -> bool:
    return (
        has_request_context()
        and request.method in SAFE_METHODS
        and not g.get("survey_writes", False)
    )


def _begin(connection) -> None:
    deferred = _reads_only()
    connection.info["survey_deferred"] = deferred
    connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def _check_write_is_declared(connection, _cursor, statement, *_args) -> None:
    # A write in a deferred transaction works until another process commits between its read
    # and its write; make the missing begin_writing() fail every time in tests instead.
    if (
        connection.info.get("survey_deferred")
        and connection.in_transaction()
        and statement.lstrip()[:7].upper().startswith(WRITES)
        and current_app.testing
    ):
        raise RuntimeError(
            f"{request.method} {request.path} writes to SQLite in a read-only transaction: "
            "call survey_app.database.begin_writing() before its first read"
        )
