"""Database set-up: SQLite tuned for safe concurrent writes, PostgreSQL through psycopg 3.

On SQLite (WAL), any number of readers run alongside one writer, but a transaction that reads and
then writes fails at once with "database is locked" if another process committed in between. So:

- requests with a safe method (GET, HEAD, OPTIONS) read in a deferred transaction, taking no lock,
  so pages render in parallel in all workers;
- every other request, and every command, takes the write lock at BEGIN (BEGIN IMMEDIATE), so
  writers queue behind busy_timeout instead of failing; a command that only reads (the exports)
  runs inside `reading_only()`, so that minutes of reading do not hold up respondents' saves;
- a GET that has to write (the quick exit deletes a draft) calls begin_writing() first;
- a request whose writes never depend on its earlier reads, or read again under the write lock
  what they depend on (the answer POST: `read_before_writing()`), reads without the lock until
  its first write.

Services write inside `committing()` (or a function marked `@transaction`): the one place where
a write commits, or rolls back when it raises.

The respondent pages' hot reads (`read_row`) skip the ORM session and SQLAlchemy's execution
machinery: a statement compiled once, run on the driver's cursor, errors wrapped as SQLAlchemy's
own, so a database that went away still gets the calm 503 (errors.py).
"""

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Select, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

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
_COMMAND_READS_ONLY: ContextVar[bool] = ContextVar("survey_command_reads_only", default=False)
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
            if app.testing:  # a check for tests: it costs every statement a call
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
    """Declare that this request (or command inside `reading_only()`) writes: its next
    transaction takes the write lock at BEGIN.

    Only a request with a safe method (GET) or a command reading only needs this, before its
    first read of what it writes; it ends any transaction open (so call it before changing
    anything).
    """
    if has_request_context():
        g.survey_writes = True
    else:
        _COMMAND_READS_ONLY.set(False)
    db.session.commit()


@contextmanager
def reading_only() -> Iterator[None]:
    """Run a command that only reads (an export) without SQLite's write lock.

    Commands take the write lock at BEGIN, as writing requests do, and a command's transaction
    lasts from its first read to its end: an export of 10,000 responses held the lock for half
    a minute, and every respondent's answer waited for it (and failed after busy_timeout).
    Inside this block transactions begin deferred, as a GET's do; a write needs
    `begin_writing()` first (tests fail on one without it).
    """
    token = _COMMAND_READS_ONLY.set(True)
    try:
        yield
    finally:
        db.session.rollback()  # ends the read transaction, so that the next one takes the lock
        _COMMAND_READS_ONLY.reset(token)


def read_before_writing() -> None:
    """Declare that this request's reads need no write lock until its first write: `read_row`
    then reads outside the ORM session (as in a GET) while the session has no transaction open.

    Only for a request that writes nothing its earlier reads decided without reading it again
    once its transaction has begun (the transaction of a request with an unsafe method still
    takes the write lock at BEGIN on SQLite). The answer POST: a page sent again unchanged
    never takes the lock; a changed one takes it and reads the draft again before writing.
    """
    g.survey_read_first = True


def _close_session(_error) -> None:
    # Closing rolls back what the request left open; if the database went away meanwhile, that
    # rollback fails and the connection is discarded. The answer is already on its way (a page
    # or a 503): a failed clean-up must not turn it into a 500. A request that never used the
    # session (most respondent pages, see read_row) has none to close: none is made just for it.
    if db.session.registry.has():
        with contextlib.suppress(SQLAlchemyError):
            db.session.close()


def _configure_sqlite_connection(dbapi_connection, _record) -> None:
    # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is deferred and comes late).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def reads_only() -> bool:
    """True in a request that only reads (a safe method that did not call begin_writing()),
    and in a command inside `reading_only()`."""
    if not has_request_context():
        return _COMMAND_READS_ONLY.get()
    return request.method in SAFE_METHODS and not g.get("survey_writes", False)


def _begin(connection) -> None:
    deferred = reads_only()
    connection.info["survey_deferred"] = deferred
    statement = "BEGIN" if deferred else "BEGIN IMMEDIATE"
    # Straight to sqlite3: the same statement without SQLAlchemy's execution machinery. An error
    # here is not wrapped by SQLAlchemy (this is an event, not its own BEGIN): wrap it as it would.
    driver = connection.connection.driver_connection
    try:
        driver.execute(statement)
    except connection.dialect.loaded_dbapi.Error as error:
        raise _wrapped(error, statement, connection.dialect) from error


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A SELECT compiled once for one dialect: its SQL, parameter order and value converters."""

    sql: str
    positions: tuple[str, ...] | None  # parameter names in order (qmark), or None (named)
    defaults: dict[str, Any]  # bound values written into the statement (e.g. status == "open")
    binders: dict[str, Callable | None]
    results: tuple[Callable | None, ...]


def _prepare(statement: Select, dialect: Dialect) -> _Prepared:
    compiled = statement.compile(dialect=dialect)
    binds = compiled.binds
    if any(bind.expanding for bind in binds.values()):
        raise ValueError("read_row does not take IN (...) parameters")
    return _Prepared(
        sql=compiled.string,
        positions=tuple(compiled.positiontup) if compiled.positional else None,
        defaults={name: bind.value for name, bind in binds.items() if not bind.required},
        binders={
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in binds.items()
        },
        results=tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        ),
    )


def read_row(statement: Select, params: dict[str, Any]) -> tuple | None:
    """The first row `statement` selects with `params` (a tuple of its columns), or None.

    For the respondent pages' hot reads: the statement is compiled once per dialect and run on
    the driver's own cursor, parameterised as SQLAlchemy would send it, its values converted as
    SQLAlchemy would return them. A request that only reads (`reads_only()`) runs it on a pooled
    connection of its own, outside the ORM session, so no session is made, begun and rolled
    back for one SELECT (on SQLite in autocommit mode: one statement is one consistent read).
    Any other request runs it inside the session's transaction (on SQLite, BEGIN IMMEDIATE: the
    write lock is taken before the read, as for any other statement of a writing request),
    unless it called `read_before_writing()` and has no transaction open yet.
    Driver errors are raised as SQLAlchemy's (OperationalError...), as `Session.execute` would.
    """
    engine = db.engine
    dialect = engine.dialect
    prepared = _prepared_statements.get((statement, dialect))
    if prepared is None:
        prepared = _prepared_statements[(statement, dialect)] = _prepare(statement, dialect)
    values = {**prepared.defaults, **params}
    for name, bind in prepared.binders.items():
        if bind is not None:
            values[name] = bind(values[name])
    parameters = values if prepared.positions is None else [values[n] for n in prepared.positions]
    if reads_only() or (g.get("survey_read_first") and not _session_in_transaction()):
        try:
            pooled = engine.raw_connection()
        except dialect.loaded_dbapi.Error as error:
            raise _wrapped(error, None, dialect) from error
        try:
            row = _fetch_one(pooled, prepared, parameters, dialect)
        finally:
            pooled.close()  # back to the pool, which rolls back (PostgreSQL began a transaction)
    else:
        connection = db.session.connection()
        row = _fetch_one(connection.connection, prepared, parameters, dialect, connection)
    if row is None:
        return None
    return tuple(
        value if convert is None or value is None else convert(value)
        for value, convert in zip(row, prepared.results, strict=True)
    )


def _session_in_transaction() -> bool:
    return db.session.registry.has() and db.session().in_transaction()


# (statement, dialect) -> _Prepared; the statements are module constants, so this stays small.
_prepared_statements: dict[tuple, _Prepared] = {}


def _fetch_one(pooled, prepared: _Prepared, parameters, dialect: Dialect, connection=None):
    cursor = None
    try:
        cursor = pooled.cursor()
        cursor.execute(prepared.sql, parameters)
        return cursor.fetchone()
    except dialect.loaded_dbapi.Error as error:
        disconnected = dialect.is_disconnect(error, pooled.driver_connection, cursor)
        if disconnected:  # a database that restarted: this connection is of no more use
            (connection or pooled).invalidate(error)
        raise _wrapped(error, prepared.sql, dialect, disconnected) from error
    finally:
        if cursor is not None:
            with contextlib.suppress(dialect.loaded_dbapi.Error):
                cursor.close()


def _wrapped(error, statement, dialect: Dialect, disconnected: bool = False) -> BaseException:
    # Parameters hidden: they may hold answers, and the error may be logged.
    return DBAPIError.instance(
        statement,
        None,
        error,
        dialect.loaded_dbapi.Error,
        hide_parameters=True,
        connection_invalidated=disconnected,
        dialect=dialect,
    )


def _check_write_is_declared(connection, _cursor, statement, *_args) -> None:
    # A write in a deferred transaction works until another process commits between its read
    # and its write; make the missing begin_writing() fail every time in tests instead.
    if (
        connection.info.get("survey_deferred")
        and connection.in_transaction()
        and statement.lstrip()[:7].upper().startswith(WRITES)
        and current_app.testing
    ):
        where = f"{request.method} {request.path}" if has_request_context() else "A command"
        raise RuntimeError(
            f"{where} writes to SQLite in a read-only transaction: "
            "call survey_app.database.begin_writing() before its first read"
        )
