"""Shared fixtures: a real database (SQLite file or a throwaway PostgreSQL database) built by the
migrations, an app, and a test client that checks every HTML page's structure."""

import contextlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from survey_app import create_app
from survey_app.extensions import db
from tests.pages import check_page_structure

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# A developer's instance/config.py must never leak into tests: give them an empty instance folder.
os.environ["SURVEY_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="survey-instance-")
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# Tables whose triggers refuse UPDATE and DELETE: emptied with the triggers set aside.
APPEND_ONLY_TABLES = ("audit_event", "coding_event")


def pytest_report_header(config):
    return f"database: {os.environ.get('TEST_DATABASE', 'sqlite')}"


@contextlib.contextmanager
def empty_database(folder: Path) -> Iterator[str]:
    """The URL of a new, empty database of the kind under test (SQLite in `folder`, or a
    throwaway PostgreSQL database), removed afterwards."""
    if os.environ.get("TEST_DATABASE", "sqlite") != "postgresql":
        yield f"sqlite:///{folder / 'test.db'}"
        return
    name = f"survey_test_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database for this test run, shared by its tests."""
    with empty_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture
def fresh_database_url(tmp_path):
    """An empty database of its own, for tests that migrate step by step or replace everything."""
    with empty_database(tmp_path) as url:
        yield url


def make_app(database_url: str, **overrides):
    """An app configured for tests against the given database."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_ENABLED": False,
        # Cheap hashes keep tests fast; the timing test sets realistic costs itself.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 1024,
        # Queued jobs run at once, in the test's process (Huey's immediate mode).
        "JOBS_IMMEDIATE": True,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def migrated(database_url):
    """Build the schema once per run by running the migrations (never create_all)."""
    from flask_migrate import upgrade

    app = make_app(database_url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


class CheckedClient(FlaskClient):
    """A test client that checks the structure of every HTML page it receives."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if response.mimetype == "text/html" and not response.is_streamed:
            check_page_structure(response.get_data(as_text=True))
        return response


@pytest.fixture
def app(migrated):
    """A fresh app over the migrated database; every table is emptied afterwards."""
    app = make_app(migrated)
    app.test_client_class = CheckedClient
    yield app
    empty_tables(app)


def tables_to_empty() -> list:
    """Every model's table, children first, so deleting in this order never breaks a foreign
    key; derived from the metadata so that a new table cannot leak rows between tests."""
    from survey_app.models import Base

    return list(reversed(Base.metadata.sorted_tables))


def empty_tables(app) -> None:
    """Delete every row the tests made (the append-only tables included) and close connections."""
    with app.app_context():
        tables = tables_to_empty()
        for table in tables:  # cycles (use_alter) are broken first: current_version_id...
            for fk in table.foreign_keys:
                if fk.use_alter:
                    db.session.execute(table.update().values({fk.parent.name: None}))
        for name in APPEND_ONLY_TABLES:
            empty_append_only(name)
        for table in tables:
            if table.name not in APPEND_ONLY_TABLES:
                db.session.execute(table.delete())
        db.session.commit()
        db.engine.dispose()


def empty_append_only(table: str) -> None:
    """Empty an append-only table between tests, which takes DDL the app never runs."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        db.session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 (fixed names)
        db.session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        return
    triggers = db.session.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"),
        {"table": table},
    ).all()
    for name, _ in triggers:
        db.session.execute(text(f'DROP TRIGGER "{name}"'))
    db.session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 (fixed names)
    for _, sql in triggers:
        db.session.execute(text(sql))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


PASSWORD = "correct horse battery staple"


def make_user(app, role: str, email: str | None = None, password: str = PASSWORD):
    """Create a staff account through the service (as `flask users create` does)."""
    from survey_app.services.users import create_user

    email = email or f"{role}-{secrets.token_hex(3)}@example.org"
    with app.app_context():
        user = create_user(email, role, password)
        return user.id, user.email


def sign_in(client, email: str, password: str = PASSWORD, next_url: str | None = None):
    """Sign in through the real form (CSRF token included); returns the POST's response."""
    import re

    page = client.get("/staff/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    url = "/staff/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"csrf_token": token, "email": email, "password": password})


@pytest.fixture
def login_as(app, client):
    """Create an account with the role and sign the client in; returns (user id, email)."""

    def login(role: str):
        user_id, email = make_user(app, role)
        response = sign_in(client, email)
        assert response.status_code == 302, "sign-in failed"
        return user_id, email

    return login


@pytest.fixture
def synced(app):
    """The shipped questionnaires and codebook loaded into the database."""
    from datetime import date

    from survey_app.services.definitions import sync_definitions

    with app.app_context():
        sync_definitions(Path(app.config["QUESTIONNAIRES_DIR"]), date.today())
    return app
