"""The researchers' workspace: search_text (redacted text and sentiment of each segment, with
the database's full-text index), memos, and the learned coder's per-theme quality.

On SQLite the full-text index is an FTS5 table `search_fts` over search_text (external content,
rowid = search_text.doc, a random number, so the index keeps no insertion order); on PostgreSQL a
GIN index on a stored tsvector column `tsv` (to_tsvector('simple', redacted)), PostgreSQL only
and so not in the model. Triggers on segment drop a segment's search_text
row when its text changes or it is deleted; the workspace service makes it again when needed.

Revision ID: 0006_workspace
Revises: 0005_focus_groups
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_workspace"
down_revision = "0005_focus_groups"
branch_labels = None
depends_on = None

SQLITE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(redacted, content='search_text', "
    "content_rowid='doc', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_text_ai AFTER INSERT ON search_text BEGIN "
    "INSERT INTO search_fts(rowid, redacted) VALUES (new.doc, new.redacted); END",
    "CREATE TRIGGER search_text_ad AFTER DELETE ON search_text BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, redacted) VALUES ('delete', old.doc, old.redacted); "
    "END",
    "CREATE TRIGGER segment_text_changed AFTER UPDATE OF text ON segment BEGIN "
    "DELETE FROM search_text WHERE segment_id = old.id; END",
    "CREATE TRIGGER segment_deleted AFTER DELETE ON segment BEGIN "
    "DELETE FROM search_text WHERE segment_id = old.id; END",
)
SQLITE_DOWN = (
    "DROP TRIGGER segment_deleted",
    "DROP TRIGGER segment_text_changed",
    "DROP TRIGGER search_text_ad",
    "DROP TRIGGER search_text_ai",
    "DROP TABLE search_fts",
)
POSTGRESQL = (
    # Stored, so that a filter on it (when the planner walks rows in `doc` order for a common
    # word) does not parse every text again.
    "ALTER TABLE search_text ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, redacted)) STORED",
    "CREATE INDEX ix_search_text_tsv ON search_text USING gin (tsv)",
    """CREATE FUNCTION segment_search_stale() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN DELETE FROM search_text WHERE segment_id = OLD.id; RETURN NULL; END $$""",
    "CREATE TRIGGER segment_text_changed AFTER UPDATE OF text ON segment "
    "FOR EACH ROW EXECUTE FUNCTION segment_search_stale()",
    "CREATE TRIGGER segment_deleted AFTER DELETE ON segment "
    "FOR EACH ROW EXECUTE FUNCTION segment_search_stale()",
)
POSTGRESQL_DOWN = (
    "DROP TRIGGER segment_deleted ON segment",
    "DROP TRIGGER segment_text_changed ON segment",
    "DROP FUNCTION segment_search_stale()",
    "DROP INDEX ix_search_text_tsv",
)


def upgrade():
    op.create_table(
        "search_text",
        sa.Column("segment_id", sa.String(length=32), nullable=False),
        sa.Column("doc", sa.BigInteger(), nullable=False),
        sa.Column("redacted", sa.Text(), nullable=False),
        sa.Column("sentiment", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("segment_id", name=op.f("pk_search_text")),
        sa.UniqueConstraint("doc", name=op.f("uq_search_text_doc")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "memo",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("segment_id", sa.String(length=32), nullable=True),
        sa.Column("theme", sa.String(length=100), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["staff_user.id"], name=op.f("fk_memo_author_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memo")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_memo_segment_id"), "memo", ["segment_id"])
    op.create_index(op.f("ix_memo_theme"), "memo", ["theme"])
    op.create_table(
        "theme_quality",
        sa.Column("theme", sa.String(length=100), nullable=False),
        sa.Column("precision", sa.Float(), nullable=False),
        sa.Column("recall", sa.Float(), nullable=False),
        sa.Column("support", sa.Integer(), nullable=False),
        sa.Column("coder", sa.String(length=200), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("theme", name=op.f("pk_theme_quality")),
    )
    # Segment filters used by the workspace (stage and source are few-valued; area helps).
    op.create_index("ix_segment_stage_question", "segment", ["stage", "question", "id"])
    op.create_index("ix_coding_theme_status", "coding", ["theme", "status", "segment_id"])
    # The review queue: pending suggestions by how far their confidence is from 0.5.
    op.execute(
        "CREATE INDEX ix_coding_uncertainty ON coding (abs(confidence - 0.5)) "
        "WHERE status = 'suggested' AND user_id IS NULL"
    )
    statements = SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL
    for statement in statements:
        op.execute(statement)


def downgrade():
    statements = SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_DOWN
    for statement in statements:
        op.execute(statement)
    op.drop_index("ix_coding_uncertainty", table_name="coding")
    op.drop_index("ix_coding_theme_status", table_name="coding")
    op.drop_index("ix_segment_stage_question", table_name="segment")
    op.drop_table("theme_quality")
    op.drop_index(op.f("ix_memo_theme"), table_name="memo")
    op.drop_index(op.f("ix_memo_segment_id"), table_name="memo")
    op.drop_table("memo")
    op.drop_table("search_text")
