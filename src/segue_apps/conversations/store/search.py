"""Case-insensitive substring search over titles and message content, through an index.

SQLite: the FTS5 ``trigram`` tables (see the initial migration) answer a quoted phrase
query, which for the trigram tokenizer is a case-insensitive substring match. Trigrams need
at least three characters, so 1-2 character queries fall back to ``LIKE`` (ASCII
case-insensitive) over the project's messages, reached through the
``(project_id, created_at)`` index. PostgreSQL: ``ILIKE '%q%'`` served by ``pg_trgm`` GIN
indexes (the planner falls back to the project index for very short queries).

Results are newest-updated first with the compound ``updated_at`` cursor of the list
route; the snippet comes from the title when it matches, else from the conversation's
first matching message.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from segue_apps.common.db import Database
from segue_apps.common.pagination import Cursor, next_cursor
from segue_apps.conversations.snippets import find, snippet

_TRIGRAM = 3


def _like_pattern(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _predicates(dialect: str, query: str) -> tuple[str, str, str, dict[str, Any]]:
    """Return SQL for "title matches" (alias ``t``), "content matches" (alias ``m``), the
    prefix that pins the project filter, and the parameters.

    With FTS the project filter is written ``+x.project_id``: the unary plus keeps SQLite
    from driving the query through the project index (a scan of the whole project) instead
    of the FTS match (only the matching rows).
    """
    if dialect == "postgresql":
        return (
            r"t.title ILIKE :pattern ESCAPE '\'",
            r"m.content ILIKE :pattern ESCAPE '\'",
            "",
            {"pattern": _like_pattern(query)},
        )
    if len(query) >= _TRIGRAM:
        return (
            "t.pk IN (SELECT rowid FROM conversations_fts WHERE conversations_fts MATCH :match)",
            "m.pk IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH :match)",
            "+",
            {"match": '"' + query.replace('"', '""') + '"'},
        )
    return (
        r"t.title LIKE :pattern ESCAPE '\'",
        r"m.content LIKE :pattern ESCAPE '\'",
        "",
        {"pattern": _like_pattern(query)},
    )


async def search(
    db: Database, project_id: str, query: str, *, limit: int, cursor: Cursor | None
) -> dict[str, Any]:
    """Return ``{data: [hit…], pagination: {limit, next_cursor}}`` for ``query``."""
    title_match, content_match, pin, params = _predicates(db.dialect, query)
    params |= {"project_id": project_id, "limit": limit + 1}
    after = ""
    if cursor is not None:
        params["cursor_ms"] = cursor.ms
        after = "AND c.updated_at < :cursor_ms"
        if cursor.id is not None:
            params["cursor_id"] = cursor.id
            after = (
                "AND (c.updated_at < :cursor_ms "
                "OR (c.updated_at = :cursor_ms AND c.id < :cursor_id))"
            )
    hits_sql = sa.text(
        "SELECT c.id, c.title, c.message_count, c.created_at, c.updated_at "
        "FROM conversations c WHERE c.id IN ("
        f"SELECT t.id FROM conversations t WHERE {title_match} "
        f"AND {pin}t.project_id = :project_id UNION "
        f"SELECT m.conversation_id FROM messages m WHERE {content_match} "
        f"AND {pin}m.project_id = :project_id) "
        f"AND {pin}c.project_id = :project_id {after} "
        "ORDER BY c.updated_at DESC, c.id DESC LIMIT :limit"
    )
    first_message_sql = sa.text(
        "SELECT conversation_id, content FROM ("
        "SELECT m.conversation_id, m.content, ROW_NUMBER() OVER "
        "(PARTITION BY m.conversation_id ORDER BY m.seq) AS rn FROM messages m "
        f"WHERE m.conversation_id IN :ids AND {content_match}) AS firsts WHERE rn = 1"
    ).bindparams(sa.bindparam("ids", expanding=True))
    async with db.engine.connect() as conn:
        rows = (await conn.execute(hits_sql, params)).all()
        page = rows[:limit]
        need_content = [row[0] for row in page if row[1] is None or find(row[1], query) < 0]
        contents: dict[str, str] = {}
        if need_content:
            found = await conn.execute(
                first_message_sql,
                {k: v for k, v in params.items() if k in ("match", "pattern")}
                | {"ids": need_content},
            )
            contents = {row[0]: row[1] for row in found}
    data = [
        {
            "conversation_id": row[0],
            "title": row[1],
            "snippet": snippet(contents.get(row[0], row[1] or ""), query),
            "message_count": row[2],
            "created_at": row[3],
            "updated_at": row[4],
        }
        for row in page
    ]
    keys = [(row[4], row[0]) for row in rows]
    return {
        "data": data,
        "pagination": {"limit": limit, "next_cursor": next_cursor(keys, len(rows) > limit)},
    }
