"""Staff sign-in sessions, paper questionnaires, double data entry and the audit trail.

Revision ID: 0002_staff_and_paper
Revises: 0001_initial
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_staff_and_paper"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

APPEND_ONLY = "audit_event is append-only"
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    f"CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
)
POSTGRESQL_TRIGGERS = (
    f"""CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$""",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
)


def upgrade():
    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("questionnaire") as batch:
        batch.add_column(sa.Column("paper_prefix", sa.String(length=6), nullable=True))
        batch.add_column(
            sa.Column("double_entry", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.create_unique_constraint(batch.f("uq_questionnaire_paper_prefix"), ["paper_prefix"])
    op.create_table(
        "paper_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("printed_on", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaire.id"],
            name=op.f("fk_paper_batch_questionnaire_id_questionnaire"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["questionnaire_version.id"],
            name=op.f("fk_paper_batch_version_id_questionnaire_version"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_paper_batch_created_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_batch")),
    )
    op.create_index(op.f("ix_paper_batch_questionnaire_id"), "paper_batch", ["questionnaire_id"])
    op.create_table(
        "paper_copy",
        sa.Column("serial", sa.String(length=20), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.String(length=32), nullable=True),
        sa.Column("final_via", sa.String(length=12), nullable=True),
        sa.Column("lock_version", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaire.id"],
            name=op.f("fk_paper_copy_questionnaire_id_questionnaire"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["questionnaire_version.id"],
            name=op.f("fk_paper_copy_version_id_questionnaire_version"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["paper_batch.id"], name=op.f("fk_paper_copy_batch_id_paper_batch")
        ),
        sa.ForeignKeyConstraint(
            ["response_id"], ["response.id"], name=op.f("fk_paper_copy_response_id_response")
        ),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_paper_copy")),
        sa.UniqueConstraint(
            "questionnaire_id", "number", name=op.f("uq_paper_copy_questionnaire_id")
        ),
        sa.UniqueConstraint("response_id", name=op.f("uq_paper_copy_response_id")),
    )
    op.create_index(op.f("ix_paper_copy_questionnaire_id"), "paper_copy", ["questionnaire_id"])
    op.create_index(op.f("ix_paper_copy_batch_id"), "paper_copy", ["batch_id"])
    op.create_table(
        "paper_return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("logged_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaire.id"],
            name=op.f("fk_paper_return_questionnaire_id_questionnaire"),
        ),
        sa.ForeignKeyConstraint(
            ["logged_by_id"],
            ["staff_user.id"],
            name=op.f("fk_paper_return_logged_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_return")),
    )
    op.create_index(op.f("ix_paper_return_questionnaire_id"), "paper_return", ["questionnaire_id"])
    op.create_table(
        "paper_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=20), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("keyer_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.Column("lock_version", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["serial"], ["paper_copy.serial"], name=op.f("fk_paper_entry_serial_paper_copy")
        ),
        sa.ForeignKeyConstraint(
            ["keyer_id"], ["staff_user.id"], name=op.f("fk_paper_entry_keyer_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_entry")),
        sa.UniqueConstraint("serial", "round", name=op.f("uq_paper_entry_serial")),
        sa.UniqueConstraint("serial", "keyer_id", name="uq_paper_entry_serial_keyer_id"),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(length=320), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("serial", sa.String(length=20), nullable=True),
        sa.Column("response_id", sa.String(length=32), nullable=True),
        sa.Column("field", sa.String(length=100), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(op.f("ix_audit_event_at"), "audit_event", ["at"])
    op.create_index(op.f("ix_audit_event_serial"), "audit_event", ["serial"])
    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    op.drop_table("audit_event")
    op.drop_table("paper_entry")
    op.drop_table("paper_return")
    op.drop_table("paper_copy")
    op.drop_table("paper_batch")
    with op.batch_alter_table("questionnaire") as batch:
        batch.drop_constraint(batch.f("uq_questionnaire_paper_prefix"), type_="unique")
        batch.drop_column("double_entry")
        batch.drop_column("paper_prefix")
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("session_version")
