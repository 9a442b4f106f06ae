"""Database set-up: SQLite tuned for safe concurrent writes, PostgreSQL through psycopg 3."""

from flask import Flask
from sqlalchemy import event

from survey_app.extensions import db

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",  # durable: a commit survives power loss, even in WAL mode
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
)


def init_database(app: Flask) -> None:
    """Bind SQLAlchemy and, on SQLite, set pragmas and take the write lock at BEGIN."""
    db.init_app(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _configure_sqlite_connection)
            event.listen(engine, "begin", _begin_immediate)


def _configure_sqlite_connection(dbapi_connection, _record) -> None:
    # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is deferred).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _begin_immediate(connection) -> None:
    # A deferred transaction that reads and then writes fails with "database is locked" when
    # another process wrote in between; taking the write lock up front makes writers queue
    # behind busy_timeout instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
