"""Conversations: create, read, list (cursor on ``updated_at``), patch, delete."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from segue_apps.common.db import Database
from segue_apps.common.errors import APIError, not_found
from segue_apps.common.ids import new_id
from segue_apps.common.pagination import Cursor, next_cursor
from segue_apps.conversations.schemas import ConversationCreate, ConversationPatch
from segue_apps.conversations.store import _rows
from segue_apps.conversations.store.messages import message_rows
from segue_apps.conversations.store.tables import conversations, messages

c = conversations.c


def _conflict(external_id: str | None) -> APIError:
    return APIError(
        409, "CONFLICT", f"A conversation with external_id {external_id!r} already exists"
    )


def after_cursor(cursor: Cursor, descending: bool) -> sa.ColumnElement[bool]:
    """Return the condition "strictly after ``cursor``" on ``(updated_at, id)``."""
    if descending:
        if cursor.id is None:
            return c.updated_at < cursor.ms
        return sa.or_(
            c.updated_at < cursor.ms, sa.and_(c.updated_at == cursor.ms, c.id < cursor.id)
        )
    if cursor.id is None:
        return c.updated_at > cursor.ms
    return sa.or_(c.updated_at > cursor.ms, sa.and_(c.updated_at == cursor.ms, c.id > cursor.id))


def _insert(conn: sa.Connection, values: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    conn.execute(sa.insert(conversations).values(values))
    if rows:
        conn.execute(sa.insert(messages), rows)


async def create(
    db: Database, project_id: str, body: ConversationCreate, now: int
) -> dict[str, Any]:
    """Insert a conversation and its first messages atomically (409 on a taken external_id)."""
    conversation_id = new_id()
    rows = message_rows(body.messages, conversation_id, project_id, 0, now)
    values = {
        "id": conversation_id,
        "project_id": project_id,
        "external_id": body.external_id,
        "title": body.title,
        "metadata": _rows.dump_metadata(body.metadata),
        "message_count": len(rows),
        "token_count": sum(row["token_count"] for row in rows),
        "created_at": now,
        "updated_at": now,
    }
    try:
        await db.run(_insert, values, rows, write=True)
    except IntegrityError:
        raise _conflict(body.external_id) from None
    return _rows.conversation([values[col.name] for col in _rows.CONVERSATION_COLUMNS])


def _get(
    conn: sa.Connection, project_id: str, conversation_id: str, with_messages: bool
) -> dict[str, Any]:
    row = conn.execute(
        sa.select(*_rows.CONVERSATION_COLUMNS).where(
            c.id == conversation_id, c.project_id == project_id
        )
    ).first()
    if row is None:
        raise not_found("Conversation")
    result = _rows.conversation(row)
    if with_messages:
        found = conn.execute(
            sa.select(*_rows.MESSAGE_COLUMNS)
            .where(messages.c.conversation_id == conversation_id)
            .order_by(messages.c.seq)
        )
        result["messages"] = [_rows.message(m) for m in found]
    return result


async def get(
    db: Database, project_id: str, conversation_id: str, *, with_messages: bool
) -> dict[str, Any]:
    """Return one conversation of the project, optionally with all its messages in order."""
    return await db.run(_get, project_id, conversation_id, with_messages)


def _page(
    conn: sa.Connection, project_id: str, limit: int, cursor: Cursor | None, descending: bool
) -> dict[str, Any]:
    order = (c.updated_at.desc(), c.id.desc()) if descending else (c.updated_at, c.id)
    query = sa.select(*_rows.CONVERSATION_COLUMNS).where(c.project_id == project_id)
    if cursor is not None:
        query = query.where(after_cursor(cursor, descending))
    rows = conn.execute(query.order_by(*order).limit(limit + 1)).all()
    total = conn.execute(
        sa.select(sa.func.count()).select_from(conversations).where(c.project_id == project_id)
    ).scalar_one()
    has_more = len(rows) > limit
    keys = [(row[8], row[0]) for row in rows]
    return {
        "data": [_rows.conversation(row) for row in rows[:limit]],
        "pagination": {"limit": limit, "next_cursor": next_cursor(keys, has_more), "total": total},
    }


async def page(
    db: Database, project_id: str, *, limit: int, cursor: Cursor | None, descending: bool
) -> dict[str, Any]:
    """Return ``{data, pagination: {limit, next_cursor, total}}`` ordered by ``updated_at``."""
    return await db.run(_page, project_id, limit, cursor, descending)


def _first(conn: sa.Connection, statement: sa.Update) -> sa.Row[*tuple[Any, ...]] | None:
    return conn.execute(statement).first()


def _rowcount(conn: sa.Connection, statement: sa.Delete) -> int:
    return conn.execute(statement).rowcount


async def patch(
    db: Database, project_id: str, conversation_id: str, body: ConversationPatch, now: int
) -> dict[str, Any]:
    """Change the fields sent in ``body``, bump ``updated_at`` (409 on a taken external_id)."""
    values: dict[str, Any] = {}
    fields = body.model_fields_set
    if "title" in fields:
        values["title"] = body.title
    if "external_id" in fields:
        values["external_id"] = body.external_id
    if "metadata" in fields:
        values["metadata"] = _rows.dump_metadata(body.metadata)
    if not values:
        return await get(db, project_id, conversation_id, with_messages=False)
    values["updated_at"] = now
    statement = (
        sa.update(conversations)
        .where(c.id == conversation_id, c.project_id == project_id)
        .values(values)
        .returning(*_rows.CONVERSATION_COLUMNS)
    )
    try:
        row = await db.run(_first, statement, write=True)
    except IntegrityError:
        raise _conflict(body.external_id) from None
    if row is None:
        raise not_found("Conversation")
    return _rows.conversation(row)


async def delete(db: Database, project_id: str, conversation_id: str) -> None:
    """Delete a conversation; its messages and tags go with it (foreign-key cascade)."""
    statement = sa.delete(conversations).where(c.id == conversation_id, c.project_id == project_id)
    if await db.run(_rowcount, statement, write=True) == 0:
        raise not_found("Conversation")
