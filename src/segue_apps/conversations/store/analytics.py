"""Analytics aggregated in SQL.

Every figure counts *events inside the period* (both ends inclusive): a conversation
counts when it was created in the period, a message (and its tokens) when it was appended
in the period. The averages are ``total_messages / total_conversations`` and
``total_tokens / total_conversations`` (0 when no conversation), rounded to 2 decimals.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from segue_apps.common.db import Database
from segue_apps.conversations import buckets
from segue_apps.conversations.store.tables import conversation_tags, conversations, messages

c = conversations.c
m = messages.c
t = conversation_tags.c


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 2) if denominator else 0.0


async def summary(db: Database, project_id: str, start: int, end: int) -> dict[str, Any]:
    """Return totals and averages over the period."""
    conv = sa.select(sa.func.count()).where(
        c.project_id == project_id, c.created_at.between(start, end)
    )
    msgs = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(m.token_count), 0)).where(
        m.project_id == project_id, m.created_at.between(start, end)
    )
    async with db.engine.connect() as conn:
        total_conversations = (await conn.execute(conv)).scalar_one()
        total_messages, total_tokens = (await conn.execute(msgs)).one()
    return {
        "total_conversations": total_conversations,
        "total_messages": total_messages,
        "total_tokens": int(total_tokens),
        "avg_messages_per_conversation": _ratio(total_messages, total_conversations),
        "avg_tokens_per_conversation": _ratio(int(total_tokens), total_conversations),
    }


def _source(metric: str, project_id: str, start: int, end: int) -> tuple[Any, Any, list[Any]]:
    """Return (timestamp column, aggregate, where clauses) for ``metric``."""
    if metric == "conversations":
        return (
            c.created_at,
            sa.func.count(),
            [c.project_id == project_id, c.created_at.between(start, end)],
        )
    value = (
        sa.func.count() if metric == "messages" else sa.func.coalesce(sa.func.sum(m.token_count), 0)
    )
    return m.created_at, value, [m.project_id == project_id, m.created_at.between(start, end)]


def _month_label(dialect: str, ts: Any) -> Any:
    if dialect == "postgresql":
        utc = sa.func.timezone("UTC", sa.func.to_timestamp(ts / 1000.0))
        return sa.func.to_char(utc, "YYYY-MM")
    return sa.func.strftime("%Y-%m", ts // 1000, "unixepoch")


async def timeseries(
    db: Database, project_id: str, metric: str, granularity: str, start: int, end: int
) -> list[dict[str, Any]]:
    """Return ``[{bucket, value}]`` for every bucket of the period, zeros included."""
    ts, value, where = _source(metric, project_id, start, end)
    if granularity == "month":
        key = _month_label(db.dialect, ts).label("k")
    else:
        size, offset = buckets.FIXED[granularity]
        key = ((ts + offset) // size).label("k")
    query = sa.select(key, value).where(*where).group_by(key)
    async with db.engine.connect() as conn:
        found = {row[0]: int(row[1]) for row in await conn.execute(query)}
    if granularity == "month":
        labels = buckets.month_labels(start, end)
        return [{"bucket": label, "value": found.get(label, 0)} for label in labels]
    return [
        {"bucket": buckets.fixed_label(granularity, index), "value": found.get(index, 0)}
        for index in buckets.fixed_range(granularity, start, end)
    ]


async def tags(
    db: Database, project_id: str, start: int, end: int, limit: int
) -> list[dict[str, Any]]:
    """Return per tag: tagged conversations created, and messages/tokens appended, in the period."""
    per_conversation = (
        sa.select(
            m.conversation_id.label("conversation_id"),
            sa.func.count().label("messages"),
            sa.func.sum(m.token_count).label("tokens"),
        )
        .where(m.project_id == project_id, m.created_at.between(start, end))
        .group_by(m.conversation_id)
        .subquery()
    )
    created = sa.case((c.created_at.between(start, end), 1), else_=0)
    conversation_count = sa.func.sum(created).label("conversation_count")
    message_count = sa.func.coalesce(sa.func.sum(per_conversation.c.messages), 0)
    query = (
        sa.select(
            t.tag,
            conversation_count,
            message_count.label("message_count"),
            sa.func.coalesce(sa.func.sum(per_conversation.c.tokens), 0),
        )
        .select_from(
            conversation_tags.join(conversations, c.id == t.conversation_id).outerjoin(
                per_conversation, per_conversation.c.conversation_id == t.conversation_id
            )
        )
        .where(
            t.project_id == project_id,
            sa.or_(c.created_at.between(start, end), per_conversation.c.messages.is_not(None)),
        )
        .group_by(t.tag)
        .order_by(conversation_count.desc(), message_count.desc(), t.tag)
        .limit(limit)
    )
    async with db.engine.connect() as conn:
        rows = await conn.execute(query)
        return [
            {
                "tag": row[0],
                "conversation_count": int(row[1]),
                "message_count": int(row[2]),
                "token_count": int(row[3]),
            }
            for row in rows
        ]
