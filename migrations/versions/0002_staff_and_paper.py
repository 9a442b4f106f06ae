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


def upgrade():
    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("session_version")
