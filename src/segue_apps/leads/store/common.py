"""What the store modules share: JSON columns, times, dialect-aware upserts."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import lru_cache
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
    """``2026-12-04T12:00:00.000Z`` (``None`` stays ``None``).

    Example:
        >>> iso(1796472000123)
        '2026-12-05T12:00:00.123Z'
    """
    if ms is None:
        return None
    seconds, milli = divmod(ms, 1000)
    return f"{_second(seconds)}.{milli:03d}Z"


@lru_cache(maxsize=4096)
def _second(seconds: int) -> str:
    # A page of leads shares a few discovery instants (a run writes its leads at once).
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


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
