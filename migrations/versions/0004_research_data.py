"""Research data: codebooks and themes, segments, codings, the coding history, machine passes
and research jobs.

Segments and codings have random primary keys and, on SQLite, no rowid (WITHOUT ROWID), so that
nothing stored reveals the order in which responses were submitted. coding_event is append-only.

Revision ID: 0004_research_data
Revises: 0003_unordered_rows
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_research_data"
down_revision = "0003_unordered_rows"
branch_labels = None
depends_on = None

APPEND_ONLY = "coding_event is append-only"
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER coding_event_no_update BEFORE UPDATE ON coding_event "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    f"CREATE TRIGGER coding_event_no_delete BEFORE DELETE ON coding_event "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
)
POSTGRESQL_TRIGGERS = (
    f"""CREATE FUNCTION coding_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$""",
    "CREATE TRIGGER coding_event_no_change BEFORE UPDATE OR DELETE ON coding_event "
    "FOR EACH ROW EXECUTE FUNCTION coding_event_append_only()",
    "CREATE TRIGGER coding_event_no_truncate BEFORE TRUNCATE ON coding_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION coding_event_append_only()",
)


def upgrade():
    op.create_table(
        "codebook",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("current_version_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codebook")),
        sa.UniqueConstraint("name", name=op.f("uq_codebook_name")),
    )
    op.create_table(
        "codebook_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("codebook_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("loaded_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["codebook_id"], ["codebook.id"], name=op.f("fk_codebook_version_codebook_id_codebook")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codebook_version")),
        sa.UniqueConstraint(
            "codebook_id", "content_hash", name=op.f("uq_codebook_version_codebook_id")
        ),
    )
    with op.batch_alter_table("codebook") as batch:
        batch.create_foreign_key(
            batch.f("fk_codebook_current_version_id_codebook_version"),
            "codebook_version",
            ["current_version_id"],
            ["id"],
        )
    op.create_table(
        "theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=True),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("parent_key", sa.String(length=100), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["codebook_version.id"],
            name=op.f("fk_theme_version_id_codebook_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme")),
        sa.UniqueConstraint("version_id", "key", name=op.f("uq_theme_version_id")),
    )
    op.create_table(
        "segment",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.String(length=100), nullable=True),
        sa.Column("response_id", sa.String(length=32), nullable=True),
        sa.Column("crime_types", sa.JSON(), nullable=False),
        sa.Column("area", sa.String(length=100), nullable=True),
        sa.Column("session_ref", sa.String(length=64), nullable=True),
        sa.Column("turn", sa.Integer(), nullable=True),
        sa.Column("speaker", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaire.id"],
            name=op.f("fk_segment_questionnaire_id_questionnaire"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["questionnaire_version.id"],
            name=op.f("fk_segment_version_id_questionnaire_version"),
        ),
        sa.ForeignKeyConstraint(
            ["response_id"], ["response.id"], name=op.f("fk_segment_response_id_response")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment")),
        sa.UniqueConstraint("response_id", "question", name=op.f("uq_segment_response_id")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_segment_questionnaire_id"), "segment", ["questionnaire_id"])
    op.create_index(op.f("ix_segment_response_id"), "segment", ["response_id"])
    op.create_table(
        "coding",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("segment_id", sa.String(length=32), nullable=False),
        sa.Column("theme", sa.String(length=100), nullable=False),
        sa.Column("coder", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("needs_review", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("matched", sa.JSON(), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["segment_id"], ["segment.id"], name=op.f("fk_coding_segment_id_segment")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_user.id"], name=op.f("fk_coding_user_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coding")),
        sa.UniqueConstraint("segment_id", "theme", "coder", name=op.f("uq_coding_segment_id")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_coding_segment_id"), "coding", ["segment_id"])
    op.create_table(
        "coding_event",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("coding_id", sa.String(length=32), nullable=False),
        sa.Column("segment_id", sa.String(length=32), nullable=False),
        sa.Column("theme", sa.String(length=100), nullable=False),
        sa.Column("coder", sa.String(length=200), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coding_event")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_coding_event_at"), "coding_event", ["at"])
    op.create_index(op.f("ix_coding_event_coding_id"), "coding_event", ["coding_id"])
    op.create_table(
        "machine_pass",
        sa.Column("segment_id", sa.String(length=32), nullable=False),
        sa.Column("coder", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["segment_id"], ["segment.id"], name=op.f("fk_machine_pass_segment_id_segment")
        ),
        sa.PrimaryKeyConstraint("segment_id", "coder", name=op.f("pk_machine_pass")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "research_job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("questionnaire_slug", sa.String(length=100), nullable=True),
        sa.Column("coder", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["started_by_id"],
            ["staff_user.id"],
            name=op.f("fk_research_job_started_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_research_job")),
    )
    op.create_index(op.f("ix_research_job_created_at"), "research_job", ["created_at"])
    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS coding_event_no_change ON coding_event")
        op.execute("DROP TRIGGER IF EXISTS coding_event_no_truncate ON coding_event")
        op.execute("DROP FUNCTION IF EXISTS coding_event_append_only()")
    op.drop_table("research_job")
    op.drop_table("machine_pass")
    op.drop_table("coding_event")
    op.drop_table("coding")
    op.drop_table("segment")
    op.drop_table("theme")
    with op.batch_alter_table("codebook") as batch:
        batch.drop_constraint(
            batch.f("fk_codebook_current_version_id_codebook_version"), type_="foreignkey"
        )
    op.drop_table("codebook_version")
    op.drop_table("codebook")
