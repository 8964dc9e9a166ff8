"""Async SQLAlchemy engines for the embedded (SQLite) and shared (PostgreSQL) set-ups.

SQLite runs in WAL mode with ``synchronous=NORMAL`` (durable across application crashes,
fast), ``foreign_keys=ON`` (cascades) and a busy timeout. The pysqlite driver's own
transaction handling is switched off so we emit ``BEGIN`` ourselves: reads use a deferred
``BEGIN``, writes go through :attr:`Database.writer`, whose transactions start with
``BEGIN IMMEDIATE``. Taking the write lock up front means a writer waits (busy timeout)
instead of failing with ``SQLITE_BUSY`` when it upgrades a read snapshot. On PostgreSQL
the two engines are the same pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

SQLITE_BUSY_TIMEOUT_MS = 15_000
_WRITE_OPTION = "segue_write"


@dataclass(frozen=True)
class Database:
    """The engines of one service database.

    Args:
        engine: for reads (and anything that does not need the SQLite write lock first).
        writer: for transactions that write; ``BEGIN IMMEDIATE`` on SQLite.
    """

    engine: AsyncEngine
    writer: AsyncEngine

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def _sqlite_file(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _on_sqlite_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see module docstring
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=NORMAL",
        "PRAGMA foreign_keys=ON",
        f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    ):
        cursor.execute(pragma)
    cursor.close()


def _on_sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get(_WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def create_database(url: str, **engine_kwargs: Any) -> Database:
    """Build the engines for ``url`` (``sqlite+aiosqlite://`` or ``postgresql+asyncpg://``).

    The parent folder of a SQLite file is created when missing.

    Example:
        >>> db = create_database("sqlite+aiosqlite:///./data/app.db")  # doctest: +SKIP
    """
    dialect = make_url(url).get_backend_name()
    if dialect == "sqlite":
        path = _sqlite_file(url)
        if path is None:
            engine_kwargs.setdefault("poolclass", StaticPool)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **engine_kwargs)
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
        return Database(engine, engine.execution_options(**{_WRITE_OPTION: True}))
    engine_kwargs.setdefault("pool_size", 10)
    engine_kwargs.setdefault("max_overflow", 20)
    engine = create_async_engine(url, **engine_kwargs)
    return Database(engine, engine)
