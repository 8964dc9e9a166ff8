"""Core table objects mirroring the Alembic schema (the migrations are the source of truth)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
_MS = sa.BigInteger()
_SURROGATE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

orgs = sa.Table(
    "orgs",
    metadata,
    sa.Column("id", sa.String(21), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
)

projects = sa.Table(
    "projects",
    metadata,
    sa.Column("id", sa.String(21), primary_key=True),
    sa.Column("org_id", sa.String(21), sa.ForeignKey("orgs.id"), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("slug", sa.String(100), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
    sa.Column("updated_at", _MS, nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(21), primary_key=True),
    sa.Column("project_id", sa.String(21), sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("key_prefix", sa.String(12), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
    sa.Column("last_used_at", _MS),
    sa.Column("revoked_at", _MS),
)

conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("pk", _SURROGATE, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(21), nullable=False, unique=True),
    sa.Column("project_id", sa.String(21), sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("external_id", sa.String(255)),
    sa.Column("title", sa.Text()),
    sa.Column("metadata", sa.Text(), nullable=False),
    sa.Column("message_count", sa.Integer(), nullable=False),
    sa.Column("token_count", sa.BigInteger(), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
    sa.Column("updated_at", _MS, nullable=False),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("pk", _SURROGATE, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(21), nullable=False, unique=True),
    sa.Column("conversation_id", sa.String(21), sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("project_id", sa.String(21), nullable=False),
    sa.Column("seq", sa.Integer(), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("content", sa.Text(), nullable=False),
    sa.Column("metadata", sa.Text(), nullable=False),
    sa.Column("token_count", sa.Integer(), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
)

conversation_tags = sa.Table(
    "conversation_tags",
    metadata,
    sa.Column(
        "conversation_id", sa.String(21), sa.ForeignKey("conversations.id"), primary_key=True
    ),
    sa.Column("project_id", sa.String(21), nullable=False),
    sa.Column("tag", sa.String(64), primary_key=True),
    sa.Column("created_at", _MS, nullable=False),
)

rate_limit_hits = sa.Table(
    "rate_limit_hits",
    metadata,
    sa.Column("caller", sa.String(64), primary_key=True),
    sa.Column("window", sa.BigInteger(), primary_key=True),
    sa.Column("hits", sa.Integer(), nullable=False),
)
