"""Tags on conversations: add (idempotent), list, remove, and the project's tag counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from segue_apps.common.db import Database
from segue_apps.common.errors import not_found
from segue_apps.conversations.store.tables import conversation_tags, conversations

t = conversation_tags.c


async def _require_conversation(
    conn: AsyncConnection, project_id: str, conversation_id: str
) -> None:
    found = await conn.execute(
        sa.select(conversations.c.id).where(
            conversations.c.id == conversation_id, conversations.c.project_id == project_id
        )
    )
    if found.first() is None:
        raise not_found("Conversation")


async def _tags_of(conn: AsyncConnection, conversation_id: str) -> list[str]:
    rows = await conn.execute(
        sa.select(t.tag).where(t.conversation_id == conversation_id).order_by(t.tag)
    )
    return [row[0] for row in rows]


async def of_conversation(db: Database, project_id: str, conversation_id: str) -> list[str]:
    """Return the sorted tags of a conversation of the project."""
    async with db.engine.connect() as conn:
        await _require_conversation(conn, project_id, conversation_id)
        return await _tags_of(conn, conversation_id)


async def add(
    db: Database, project_id: str, conversation_id: str, tags: Sequence[str], now: int
) -> list[str]:
    """Add ``tags`` (already present ones are ignored) and return all tags, sorted."""
    rows = [
        {
            "conversation_id": conversation_id,
            "project_id": project_id,
            "tag": tag,
            "created_at": now,
        }
        for tag in dict.fromkeys(tags)
    ]
    insert = (postgresql.insert if db.dialect == "postgresql" else sqlite.insert)(conversation_tags)
    async with db.writer.begin() as conn:
        await _require_conversation(conn, project_id, conversation_id)
        await conn.execute(insert.on_conflict_do_nothing(), rows)
        return await _tags_of(conn, conversation_id)


async def remove(db: Database, project_id: str, conversation_id: str, tag: str) -> None:
    """Remove ``tag`` from a conversation of the project (absent tags are fine)."""
    async with db.writer.begin() as conn:
        await _require_conversation(conn, project_id, conversation_id)
        await conn.execute(
            sa.delete(conversation_tags).where(t.conversation_id == conversation_id, t.tag == tag)
        )


async def counts(db: Database, project_id: str, limit: int) -> list[dict[str, Any]]:
    """Return the project's tags with how many conversations carry each, most used first."""
    count = sa.func.count().label("n")
    query = (
        sa.select(t.tag, count)
        .where(t.project_id == project_id)
        .group_by(t.tag)
        .order_by(count.desc(), t.tag)
        .limit(limit)
    )
    async with db.engine.connect() as conn:
        rows = await conn.execute(query)
        return [{"tag": row[0], "conversation_count": row[1]} for row in rows]
