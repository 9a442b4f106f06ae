"""The audit trail's `field` holds up to 400 characters: an account is named there by its email
(up to 320 characters) and id, and PostgreSQL refused an account with an email longer than about
90 characters (a server error on creating it; found by the hostile-input tests). SQLite does not
enforce lengths, so only PostgreSQL changes.

Revision ID: 0009_audit_field_length
Revises: 0008_segment_sentiment
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_audit_field_length"
down_revision = "0008_segment_sentiment"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "audit_event",
            "field",
            existing_type=sa.String(length=100),
            type_=sa.String(length=400),
            existing_nullable=True,
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        # Longer names are cut, not refused: the rest of the event stays.
        op.alter_column(
            "audit_event",
            "field",
            existing_type=sa.String(length=400),
            type_=sa.String(length=100),
            existing_nullable=True,
            postgresql_using="left(field, 100)",
        )
