"""Row → JSON-ready dict converters shared by the store modules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from segue_apps.conversations.store.tables import conversations, messages

CONVERSATION_COLUMNS = (
    conversations.c.id,
    conversations.c.project_id,
    conversations.c.external_id,
    conversations.c.title,
    conversations.c.metadata,
    conversations.c.message_count,
    conversations.c.token_count,
    conversations.c.created_at,
    conversations.c.updated_at,
)

MESSAGE_COLUMNS = (
    messages.c.id,
    messages.c.role,
    messages.c.content,
    messages.c.metadata,
    messages.c.token_count,
    messages.c.created_at,
)


def dump_metadata(value: dict[str, Any] | None) -> str:
    """Serialise metadata for storage (``{}`` when absent)."""
    return orjson.dumps(value or {}).decode()


def conversation(row: Sequence[Any]) -> dict[str, Any]:
    """Build a conversation object from a row of :data:`CONVERSATION_COLUMNS`."""
    return {
        "conversation_id": row[0],
        "project_id": row[1],
        "external_id": row[2],
        "title": row[3],
        "metadata": orjson.Fragment(row[4]),
        "message_count": row[5],
        "token_count": row[6],
        "created_at": row[7],
        "updated_at": row[8],
    }


def message(row: Sequence[Any]) -> dict[str, Any]:
    """Build a message object from a row of :data:`MESSAGE_COLUMNS`."""
    return {
        "id": row[0],
        "role": row[1],
        "content": row[2],
        "metadata": orjson.Fragment(row[3]),
        "token_count": row[4],
        "created_at": row[5],
    }
