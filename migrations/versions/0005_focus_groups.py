"""Focus groups and workshops: topic-guide versions, sessions with their facilitators, and
transcripts pending review (between upload and confirm).

Revision ID: 0005_focus_groups
Revises: 0004_research_data
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_focus_groups"
down_revision = "0004_research_data"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "topic_guide_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("loaded_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_guide_version")),
        sa.UniqueConstraint("name", "content_hash", name=op.f("uq_topic_guide_version_name")),
    )
    op.create_index(op.f("ix_topic_guide_version_name"), "topic_guide_version", ["name"])
    # A session's turns are read by session (the session page, re-staging after an edit).
    op.create_index(op.f("ix_segment_session_ref"), "segment", ["session_ref"])
    op.create_table(
        "focus_session",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("area", sa.String(length=100), nullable=False),
        sa.Column("crime_types", sa.JSON(), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=True),
        sa.Column("topic_guide_id", sa.Integer(), nullable=False),
        sa.Column("consent_obtained", sa.Boolean(), nullable=False),
        sa.Column("consent_method", sa.String(length=30), nullable=True),
        sa.Column("consent_recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("transcript_imported_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["topic_guide_id"],
            ["topic_guide_version.id"],
            name=op.f("fk_focus_session_topic_guide_id_topic_guide_version"),
        ),
        sa.ForeignKeyConstraint(
            ["consent_recorded_by_id"],
            ["staff_user.id"],
            name=op.f("fk_focus_session_consent_recorded_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_focus_session_created_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_focus_session")),
    )
    op.create_table(
        "focus_session_facilitator",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["focus_session.id"],
            name=op.f("fk_focus_session_facilitator_session_id_focus_session"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_user.id"],
            name=op.f("fk_focus_session_facilitator_user_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("session_id", "user_id", name=op.f("pk_focus_session_facilitator")),
    )
    op.create_table(
        "pending_import",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("file_format", sa.String(length=10), nullable=False),
        sa.Column("turns", sa.JSON(), nullable=False),
        sa.Column("register", sa.JSON(), nullable=False),
        sa.Column("added", sa.JSON(), nullable=False),
        sa.Column("kept", sa.JSON(), nullable=False),
        sa.Column("marks", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["focus_session.id"],
            name=op.f("fk_pending_import_session_id_focus_session"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_user.id"], name=op.f("fk_pending_import_user_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_import")),
    )
    op.create_index(op.f("ix_pending_import_session_id"), "pending_import", ["session_id"])
    op.create_index(op.f("ix_pending_import_expires_at"), "pending_import", ["expires_at"])


def downgrade():
    op.drop_table("pending_import")
    op.drop_table("focus_session_facilitator")
    op.drop_table("focus_session")
    op.drop_table("topic_guide_version")
    op.drop_index(op.f("ix_segment_session_ref"), table_name="segment")
