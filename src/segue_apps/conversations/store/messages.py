"""Messages: atomic append and ordered, cursor-paged listing.

Appending first increments the conversation's counters with one ``UPDATE … RETURNING``:
that statement takes the row lock on PostgreSQL (and the database write lock on SQLite,
``BEGIN IMMEDIATE``), so concurrent appends serialise and each gets its own range of
``seq`` numbers. ``message_count`` is therefore exact under concurrency and ``seq`` gives
a total order inside a conversation that does not depend on clocks; ``created_at`` never
decreases along it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from segue_apps.common.db import Database
from segue_apps.common.errors import APIError, not_found
from segue_apps.common.ids import new_id
from segue_apps.conversations.schemas import MessageIn
from segue_apps.conversations.store import _rows
from segue_apps.conversations.store.tables import conversations, messages
from segue_apps.conversations.tokens import message_tokens

m = messages.c
c = conversations.c


def message_rows(
    items: Sequence[MessageIn], conversation_id: str, project_id: str, first_seq: int, now: int
) -> list[dict[str, Any]]:
    """Return insertable rows for ``items`` numbered from ``first_seq``."""
    return [
        {
            "id": new_id(),
            "conversation_id": conversation_id,
            "project_id": project_id,
            "seq": first_seq + i,
            "role": item.role,
            "content": item.content,
            "metadata": _rows.dump_metadata(item.metadata),
            "token_count": message_tokens(item.content, item.token_count),
            "created_at": now,
        }
        for i, item in enumerate(items)
    ]


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return _rows.message([row[col.name] for col in _rows.MESSAGE_COLUMNS])


async def append(
    db: Database, project_id: str, conversation_id: str, items: Sequence[MessageIn], now: int
) -> list[dict[str, Any]]:
    """Append ``items`` and update the conversation's counters and ``updated_at`` atomically."""
    rows = message_rows(items, conversation_id, project_id, 0, now)
    tokens = sum(row["token_count"] for row in rows)
    bump = (
        sa.update(conversations)
        .where(c.id == conversation_id, c.project_id == project_id)
        .values(
            message_count=c.message_count + len(rows),
            token_count=c.token_count + tokens,
            updated_at=now,
        )
        .returning(c.message_count)
    )
    await db.run(_append, bump, rows, write=True)
    return [_public(row) for row in rows]


def _append(conn: sa.Connection, bump: sa.Update, rows: list[dict[str, Any]]) -> None:
    count = conn.execute(bump).scalar_one_or_none()
    if count is None:
        raise not_found("Conversation")
    first = count - len(rows)
    # Clocks of several server processes (and one process's requests) interleave: a
    # message never claims to be older than the one before it, so paging by ``created_at``
    # follows ``seq``. The conversation row is locked here, so the previous one is final.
    before = conn.execute(
        sa.select(m.created_at).where(
            m.conversation_id == rows[0]["conversation_id"], m.seq == first - 1
        )
    ).scalar_one_or_none()
    for i, row in enumerate(rows):
        row["seq"] = first + i
        if before is not None and before > row["created_at"]:
            row["created_at"] = before
    conn.execute(sa.insert(messages), rows)


async def page(
    db: Database, project_id: str, conversation_id: str, *, limit: int, after: str | None
) -> dict[str, Any]:
    """Return ``{data, pagination: {limit, next_cursor}}``, oldest first.

    ``after`` is a message id of this conversation (continue after it) or a timestamp in
    ms (messages created later); ``next_cursor`` is the id of the page's last message.
    """
    return await db.run(_page, project_id, conversation_id, limit, after)


def _page(
    conn: sa.Connection, project_id: str, conversation_id: str, limit: int, after: str | None
) -> dict[str, Any]:
    query = sa.select(*_rows.MESSAGE_COLUMNS).where(m.conversation_id == conversation_id)
    found = conn.execute(sa.select(c.id).where(c.id == conversation_id, c.project_id == project_id))
    if found.first() is None:
        raise not_found("Conversation")
    if after:
        seq = conn.execute(
            sa.select(m.seq).where(m.id == after, m.conversation_id == conversation_id)
        ).scalar_one_or_none()
        if seq is not None:
            query = query.where(m.seq > seq)
        elif after.isdigit() and len(after) <= 18:
            query = query.where(m.created_at > int(after))
        else:
            raise APIError(
                400,
                "INVALID_CURSOR",
                "after must be a message id of this conversation or a timestamp in ms",
            )
    rows = conn.execute(query.order_by(m.seq).limit(limit + 1)).all()
    has_more = len(rows) > limit
    data = [_rows.message(row) for row in rows[:limit]]
    cursor = data[-1]["id"] if has_more else None
    return {"data": data, "pagination": {"limit": limit, "next_cursor": cursor}}
