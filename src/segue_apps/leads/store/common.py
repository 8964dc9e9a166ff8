"""What the store modules share: JSON columns, times, dialect-aware upserts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def dumps(value: Any) -> str:
    """JSON text of ``value``."""
    return orjson.dumps(value).decode()


def loads(text: str | None) -> Any:
    """The value of JSON text (``None`` for NULL)."""
    return None if text is None else orjson.loads(text)


def iso(ms: int | None) -> str | None:
    """``2026-12-04T12:00:00.000Z`` (``None`` stays ``None``)."""
    if ms is None:
        return None
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def day(ms: int) -> str:
    """The UTC day of ``ms``: the period of daily sync slots."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")


def month(ms: int) -> str:
    """The UTC month of ``ms``: the period of monthly re-tests."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m")


def next_month_ms(ms: int) -> int:
    """The first instant of the UTC month after ``ms``'s."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    year, mon = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return int(datetime(year, mon, 1, tzinfo=UTC).timestamp() * 1000)


def insert(conn: Connection, table: sa.Table) -> Any:
    """The dialect's ``INSERT`` with ``ON CONFLICT`` support."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
