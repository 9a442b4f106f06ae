"""Codebook editing and two coders: who made each codebook version and what changed, the hash
of the file last synced, and samples coded blind by two people with their settled decisions.

Columns are added without foreign keys or table rebuilds (SQLite would have to copy
codebook_version, which other tables reference); the new tables are plain.

Revision ID: 0007_codebook_agreement
Revises: 0006_workspace
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_codebook_agreement"
down_revision = "0006_workspace"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("codebook", sa.Column("file_hash", sa.String(length=64), nullable=True))
    for column in (
        sa.Column("origin", sa.String(length=10), server_default="file", nullable=False),
        sa.Column("change", sa.Text(), server_default="", nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=True),
        sa.Column("made_by_email", sa.String(length=320), nullable=True),
        sa.Column("made_at", sa.DateTime(), nullable=True),
    ):
        op.add_column("codebook_version", column)
    # Every version so far came from a file: the current one's content is the file last synced.
    op.execute(
        "UPDATE codebook SET file_hash = (SELECT content_hash FROM codebook_version "
        "WHERE codebook_version.id = codebook.current_version_id)"
    )
    op.create_table(
        "coding_sample",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(length=20), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("coder_a_id", sa.Integer(), nullable=False),
        sa.Column("coder_b_id", sa.Integer(), nullable=False),
        sa.Column("a_done_at", sa.DateTime(), nullable=True),
        sa.Column("b_done_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaire.id"],
            name=op.f("fk_coding_sample_questionnaire_id_questionnaire"),
        ),
        sa.ForeignKeyConstraint(
            ["coder_a_id"], ["staff_user.id"], name=op.f("fk_coding_sample_coder_a_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["coder_b_id"], ["staff_user.id"], name=op.f("fk_coding_sample_coder_b_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_coding_sample_created_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coding_sample")),
    )
    op.create_table(
        "sample_segment",
        sa.Column("sample_id", sa.String(length=32), nullable=False),
        sa.Column("segment_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["coding_sample.id"],
            name=op.f("fk_sample_segment_sample_id_coding_sample"),
        ),
        sa.PrimaryKeyConstraint("sample_id", "segment_id", name=op.f("pk_sample_segment")),
    )
    op.create_table(
        "sample_decision",
        sa.Column("sample_id", sa.String(length=32), nullable=False),
        sa.Column("segment_id", sa.String(length=32), nullable=False),
        sa.Column("theme", sa.String(length=100), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("a_said", sa.Boolean(), nullable=False),
        sa.Column("b_said", sa.Boolean(), nullable=False),
        sa.Column("settled_by_id", sa.Integer(), nullable=True),
        sa.Column("settled_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["coding_sample.id"],
            name=op.f("fk_sample_decision_sample_id_coding_sample"),
        ),
        sa.ForeignKeyConstraint(
            ["settled_by_id"],
            ["staff_user.id"],
            name=op.f("fk_sample_decision_settled_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint(
            "sample_id", "segment_id", "theme", name=op.f("pk_sample_decision")
        ),
    )


def downgrade():
    op.drop_table("sample_decision")
    op.drop_table("sample_segment")
    op.drop_table("coding_sample")
    # Plain DROP COLUMN (SQLite 3.35+): no table rebuild, which codebook_version's references
    # would make hard; none of these columns is in a constraint or index.
    for name in ("made_at", "made_by_email", "made_by_id", "change", "origin"):
        op.drop_column("codebook_version", name)
    op.drop_column("codebook", "file_hash")
