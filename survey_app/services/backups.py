"""Backups and restores with each database's own tools: SQLite's online backup, pg_dump/pg_restore.

A backup is one file: a SQLite database (a consistent copy taken while the app runs) or a
PostgreSQL custom-format dump. A restore first checks the whole file (a truncated or damaged file,
or one from another application, is refused with a message and nothing is changed), then replaces
the database's contents in one step.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
POSTGRESQL_MAGIC = b"PGDMP"
# Tables every backup of this application holds; a file without them is someone else's.
REQUIRED_TABLES = frozenset({"alembic_version", "questionnaire", "response", "answer"})


class BackupError(Exception):
    """A backup could not be made or restored; the message says why, for a person."""


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file holds: its kind and the schema revision it was taken at."""

    kind: str  # "sqlite" or "postgresql"
    revision: str
    path: Path


def kind_of(url: str | URL) -> str:
    """The database kind of a SQLAlchemy URL: "sqlite" or "postgresql"."""
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def backup(url: str | URL, output: Path) -> BackupInfo:
    """Write a consistent backup of the database at `url` to `output` (replaced atomically)."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    kind = kind_of(url)
    handle, temporary = tempfile.mkstemp(prefix=".backup-", dir=output.parent)
    os.close(handle)
    try:
        if kind == "sqlite":
            _sqlite_backup(_sqlite_path(url), Path(temporary))
        else:
            _pg_dump(make_url(url), Path(temporary))
        info = inspect_backup(Path(temporary))
        os.replace(temporary, output)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return BackupInfo(info.kind, info.revision, output)


def inspect_backup(path: Path) -> BackupInfo:
    """Check a whole backup file and say what it holds; BackupError if it is not a complete
    backup of this application."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file.")
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return BackupInfo("sqlite", _sqlite_revision(path), path)
    if head.startswith(POSTGRESQL_MAGIC):
        return BackupInfo("postgresql", _pg_revision(path), path)
    raise BackupError(
        f"{path} is not a backup made by `flask db backup` (neither a SQLite database nor a "
        "PostgreSQL custom-format dump)."
    )


def restore(url: str | URL, source: Path) -> BackupInfo:
    """Replace the database's contents with the backup's, after checking the whole backup.

    Stop the app (and its workers) first: connections that stay open see the old data or fail.
    """
    kind = kind_of(url)
    info = inspect_backup(source)
    if info.kind != kind:
        raise BackupError(
            f"{source} is a {info.kind} backup, but the database is {kind}: restore it into a "
            f"{info.kind} database (DATABASE_URL)."
        )
    if kind == "sqlite":
        _sqlite_restore(Path(source), _sqlite_path(url))
    else:
        _pg_restore(make_url(url), Path(source), info.revision)
    return info


# --- SQLite -------------------------------------------------------------------------------------


def _sqlite_path(url: str | URL) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(database)


def _sqlite_backup(database: Path, target: Path) -> None:
    if not database.exists():
        raise BackupError(f"{database}: no such database file.")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # a consistent snapshot, while other connections keep writing
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        copy.close()
        source.close()


def _sqlite_revision(path: Path) -> str:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            check = connection.execute("PRAGMA integrity_check").fetchall()
            if check != [("ok",)]:
                problems = "; ".join(row[0] for row in check[:3])
                raise BackupError(f"{path} is damaged ({problems}): it cannot be restored.")
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            _check_tables(path, tables)
            return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        message = f"{path} is truncated or damaged ({error}): it cannot be restored."
        raise BackupError(message) from None


def _sqlite_restore(source: Path, database: Path) -> None:
    database.parent.mkdir(parents=True, exist_ok=True)
    backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    live = sqlite3.connect(database, timeout=30)
    try:
        # Page by page into the live file, under its write lock: readers see the old database
        # or the new one, never a mixture.
        backup_file.backup(live)
    except sqlite3.Error as error:
        message = f"Restoring into {database} failed ({error}); it was not changed."
        raise BackupError(message) from None
    finally:
        live.close()
        backup_file.close()


# --- PostgreSQL ---------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return tool


def _pg_connection(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and an environment that carries it (a
    password on the command line would show in the process list)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str] | None, what: str) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: {detail[-1] if detail else 'no message'}")
    return result.stdout


def _pg_dump(url: URL, target: Path) -> None:
    connection, env = _pg_connection(url)
    command = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
    _run([*command, f"--file={target}", connection], env, "pg_dump")


def _pg_revision(path: Path) -> str:
    restore_tool = _pg_tool("pg_restore")
    listing = _run([restore_tool, "--list", str(path)], None, f"Reading {path}")
    tables = set()
    for line in listing.splitlines():
        parts = line.split()
        if " TABLE " in f" {line} " and "TABLE DATA" not in line and len(parts) >= 6:
            tables.add(parts[5])
    _check_tables(path, tables)
    # Read every byte (to a script thrown away): a truncated dump fails here, not half-restored.
    _run([restore_tool, "--file=/dev/null", str(path)], None, f"Checking {path}")
    data = _run(
        [restore_tool, "--data-only", "--table=alembic_version", "--file=-", str(path)],
        None,
        f"Reading {path}",
    )
    lines = data.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("COPY public.alembic_version") and number + 1 < len(lines):
            return lines[number + 1].strip()
    raise BackupError(f"{path} has no schema revision: it is not a backup of this application.")


def _pg_restore(url: URL, source: Path, revision: str) -> None:
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            live = None
            if "alembic_version" in tables:
                live = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
    if live is not None and live != revision:
        raise BackupError(
            f"The backup is at schema revision {revision} and the database at {live}: restore "
            "into an empty database (createdb), or bring the database to the backup's revision "
            f"first (flask db downgrade {revision} / upgrade)."
        )
    connection, env = _pg_connection(url)
    command = [
        _pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",  # all or nothing: a failure leaves the database as it was
        "--exit-on-error",
        f"--dbname={connection}",
        str(source),
    ]
    _run(command, env, "pg_restore")


def _check_tables(path: Path, tables: set[str]) -> None:
    missing = REQUIRED_TABLES - tables
    if missing:
        raise BackupError(
            f"{path} is not a backup of this application (no {', '.join(sorted(missing))} table)."
        )
