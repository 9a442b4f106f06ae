"""Each segment's sentiment score (VADER compound, -1 to 1), stored when the segment is made or
its text changes, so that the summary and the workspace's index read it instead of scoring
every segment again. Existing segments are scored here.

The score is a function of the text alone: it adds no time and nothing that could order or
identify respondents. Nullable: a row written around the services has none, and readers score
such a segment themselves.

Revision ID: 0008_segment_sentiment
Revises: 0007_codebook_agreement
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_segment_sentiment"
down_revision = "0007_codebook_agreement"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade():
    op.add_column("segment", sa.Column("sentiment", sa.Float(), nullable=True))
    from analysis.sentiment import sentiment_score

    bind = op.get_bind()
    todo = bind.execute(sa.text("SELECT id, text FROM segment WHERE sentiment IS NULL")).all()
    update = sa.text("UPDATE segment SET sentiment = :score WHERE id = :id")
    for start in range(0, len(todo), BATCH):
        rows = [
            {"id": sid, "score": sentiment_score(text)} for sid, text in todo[start : start + BATCH]
        ]
        bind.execute(update, rows)


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+): no table rebuild; the column is in no index.
    op.drop_column("segment", "sentiment")
