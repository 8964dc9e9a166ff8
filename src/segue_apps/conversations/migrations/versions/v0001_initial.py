"""Initial schema: orgs, projects, keys, conversations, messages, tags, search indexes.

Revision ID: 0001
Revises:
Create Date: 2026-03-18

Search indexes are dialect-specific: SQLite gets external-content FTS5 tables with the
``trigram`` tokenizer kept in sync by triggers; PostgreSQL gets ``pg_trgm`` GIN indexes
that serve ``ILIKE '%q%'``. Both give case-insensitive substring search through an index.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# An integer surrogate key is the SQLite rowid (stable, unlike the implicit one) that the
# FTS5 external-content tables point at; the public id stays the 21-character string.
_SURROGATE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MS = sa.BigInteger()

_SQLITE_FTS = [
    "CREATE VIRTUAL TABLE messages_fts USING fts5("
    "content, content='messages', content_rowid='pk', tokenize='trigram')",
    "CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN "
    "INSERT INTO messages_fts(rowid, content) VALUES (new.pk, new.content); END",
    "CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, content) "
    "VALUES ('delete', old.pk, old.content); END",
    "CREATE TRIGGER messages_fts_au AFTER UPDATE OF content ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, content) "
    "VALUES ('delete', old.pk, old.content); "
    "INSERT INTO messages_fts(rowid, content) VALUES (new.pk, new.content); END",
    "CREATE VIRTUAL TABLE conversations_fts USING fts5("
    "title, content='conversations', content_rowid='pk', tokenize='trigram')",
    "CREATE TRIGGER conversations_fts_ai AFTER INSERT ON conversations BEGIN "
    "INSERT INTO conversations_fts(rowid, title) VALUES (new.pk, new.title); END",
    "CREATE TRIGGER conversations_fts_ad AFTER DELETE ON conversations BEGIN "
    "INSERT INTO conversations_fts(conversations_fts, rowid, title) "
    "VALUES ('delete', old.pk, old.title); END",
    "CREATE TRIGGER conversations_fts_au AFTER UPDATE OF title ON conversations BEGIN "
    "INSERT INTO conversations_fts(conversations_fts, rowid, title) "
    "VALUES ('delete', old.pk, old.title); "
    "INSERT INTO conversations_fts(rowid, title) VALUES (new.pk, new.title); END",
]

_POSTGRES_TRGM = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_messages_content_trgm ON messages USING gin (content gin_trgm_ops)",
    "CREATE INDEX ix_conversations_title_trgm ON conversations USING gin (title gin_trgm_ops)",
]


def _fk(column: str, target: str) -> sa.Column[str]:
    return sa.Column(
        column, sa.String(21), sa.ForeignKey(target, ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "orgs",
        sa.Column("id", sa.String(21), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("created_at", _MS, nullable=False),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.String(21), primary_key=True),
        _fk("org_id", "orgs.id"),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("created_at", _MS, nullable=False),
        sa.Column("updated_at", _MS, nullable=False),
        sa.UniqueConstraint("org_id", "slug", name="uq_projects_org_slug"),
    )
    op.create_index("ix_projects_org_created", "projects", ["org_id", "created_at", "id"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(21), primary_key=True),
        _fk("project_id", "projects.id"),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("key_prefix", sa.String(12), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _MS, nullable=False),
        sa.Column("last_used_at", _MS, nullable=True),
        sa.Column("revoked_at", _MS, nullable=True),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_hash"),
    )
    op.create_index("ix_api_keys_project", "api_keys", ["project_id", "created_at"])
    op.create_table(
        "conversations",
        sa.Column("pk", _SURROGATE, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(21), nullable=False),
        _fk("project_id", "projects.id"),
        sa.Column("external_id", sa.String(255), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("metadata", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("message_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("token_count", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("created_at", _MS, nullable=False),
        sa.Column("updated_at", _MS, nullable=False),
        sa.UniqueConstraint("id", name="uq_conversations_id"),
        sa.UniqueConstraint("project_id", "external_id", name="uq_conversations_external"),
    )
    op.create_index(
        "ix_conversations_project_updated", "conversations", ["project_id", "updated_at", "id"]
    )
    op.create_index(
        "ix_conversations_project_created", "conversations", ["project_id", "created_at"]
    )
    op.create_table(
        "messages",
        sa.Column("pk", _SURROGATE, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(21), nullable=False),
        _fk("conversation_id", "conversations.id"),
        sa.Column("project_id", sa.String(21), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("metadata", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("token_count", sa.Integer(), nullable=False),
        sa.Column("created_at", _MS, nullable=False),
        sa.UniqueConstraint("id", name="uq_messages_id"),
        sa.UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
    )
    op.create_index("ix_messages_project_created", "messages", ["project_id", "created_at"])
    op.create_table(
        "conversation_tags",
        _fk("conversation_id", "conversations.id"),
        sa.Column("project_id", sa.String(21), nullable=False),
        sa.Column("tag", sa.String(64), nullable=False),
        sa.Column("created_at", _MS, nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", "tag", name="pk_conversation_tags"),
    )
    op.create_index("ix_conversation_tags_project_tag", "conversation_tags", ["project_id", "tag"])

    dialect = op.get_bind().dialect.name
    statements = _SQLITE_FTS if dialect == "sqlite" else _POSTGRES_TRGM
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS messages_fts")
        op.execute("DROP TABLE IF EXISTS conversations_fts")
    for table in ("conversation_tags", "messages", "conversations", "api_keys", "projects", "orgs"):
        op.drop_table(table)
