"""Responses, answers and drafts without rowid on SQLite, so storage order says nothing of time.

A rowid table keeps its rows in insertion order (the rowid counts up), so in spite of random ids
the order of `SELECT rowid ... FROM response` was the order of submission. A WITHOUT ROWID table is
a B-tree on its primary key: rows sit in the order of their random ids. Each table is rebuilt with
its data, constraints, indexes and foreign keys unchanged (names from the naming convention).

PostgreSQL has no rowid; its heap order and xmin are handled by `flask responses scatter` (run
daily), so this revision changes nothing there.

Revision ID: 0003_unordered_rows
Revises: 0002_staff_and_paper
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_unordered_rows"
down_revision = "0002_staff_and_paper"
branch_labels = None
depends_on = None


def _draft(with_rowid: bool) -> None:
    op.create_table(
        "draft",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("resume_code_hash", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["questionnaire_version.id"],
            name=op.f("fk_draft_version_id_questionnaire_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft")),
        sa.UniqueConstraint("resume_code_hash", name=op.f("uq_draft_resume_code_hash")),
        sqlite_with_rowid=with_rowid,
    )
    op.create_index(op.f("ix_draft_expires_at"), "draft", ["expires_at"], unique=False)


def _response(with_rowid: bool) -> None:
    op.create_table(
        "response",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["questionnaire_version.id"],
            name=op.f("fk_response_version_id_questionnaire_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response")),
        sqlite_with_rowid=with_rowid,
    )
    op.create_index(op.f("ix_response_version_id"), "response", ["version_id"], unique=False)


def _answer(with_rowid: bool) -> None:
    op.create_table(
        "answer",
        sa.Column("response_id", sa.String(length=32), nullable=False),
        sa.Column("question", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["response_id"], ["response.id"], name=op.f("fk_answer_response_id_response")
        ),
        sa.PrimaryKeyConstraint("response_id", "question", name=op.f("pk_answer")),
        sqlite_with_rowid=with_rowid,
    )


# Table, the function that creates it (with its indexes), and its columns; parents first.
TABLES = (
    ("draft", _draft, ("id", "version_id", "answers", "resume_code_hash", "expires_at", "status")),
    ("response", _response, ("id", "version_id", "channel", "submitted_on")),
    ("answer", _answer, ("response_id", "question", "position", "state", "value")),
)


def _rebuild_all(with_rowid: bool) -> None:
    """Rebuild each table under its own name, its rows copied through a temporary table.

    No ALTER TABLE RENAME: renaming would rewrite the foreign keys of the tables that refer to
    it (paper_copy, answer). Dropping a table that others refer to counts a foreign-key violation
    per referring row; with the checks deferred to COMMIT, putting the rows back clears them,
    and COMMIT fails if anything is missing. secure_delete zeroes the old tables' pages, which
    would otherwise keep the rows in their old order on the free list (see
    docs/security.md ("Submission order and times") for what it cannot reach: the WAL, backups).
    """
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    previous_secure_delete = bind.exec_driver_sql("PRAGMA secure_delete").scalar()
    bind.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # until this transaction ends
    bind.exec_driver_sql("PRAGMA secure_delete = ON")
    for table, create, columns in TABLES:
        names = ", ".join(columns)
        keep = f"_keep_{table}"
        op.execute(f"CREATE TEMP TABLE {keep} AS SELECT {names} FROM {table}")  # noqa: S608
        op.drop_table(table)  # its indexes go with it
        create(with_rowid)
        op.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {keep}")  # noqa: S608
        op.execute(f"DROP TABLE {keep}")
    bind.exec_driver_sql(f"PRAGMA secure_delete = {int(previous_secure_delete)}")


def upgrade():
    _rebuild_all(with_rowid=False)


def downgrade():
    _rebuild_all(with_rowid=True)
