"""Run a block of synchronous Core work as one transaction, in as few driver hops as possible.

With aiosqlite every statement is several round-trips to the driver's thread (cursor,
execute, fetch), each a thread hand-off that costs far more than the statement itself
under load. :func:`run` hands the whole transaction (``BEGIN`` … ``COMMIT``) to that thread
as one call instead: the work runs there on a synchronous SQLAlchemy connection over the
same sqlite3 connection. On PostgreSQL it runs through ``AsyncConnection.run_sync`` (one
network round-trip per statement either way).

``fn(conn, *args)`` must only touch the database through ``conn`` and must not commit.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from segue_apps.common.db import Database

T = TypeVar("T")
_SYNC = "segue_workspace_sync_connection"
_COMPILED: dict[tuple[Any, tuple[str, ...]], tuple[str, Callable[[Any], tuple[Any, ...]]]] = {}


def executemany(conn: sa.Connection, statement: Any, params: list[dict[str, Any]]) -> None:
    """Run ``statement`` once per dict of ``params``.

    On SQLite, for write statements whose parameters need no type processing (strings,
    integers): compiled once, the rows go to the driver's ``executemany`` as tuples, which
    skips SQLAlchemy's per-row parameter processing (most of an executemany's cost there).
    Elsewhere it is a plain ``conn.execute``, which on PostgreSQL sends an insert as one
    multi-row statement (so the statement-level row-count trigger fires once).
    """
    if conn.dialect.name != "sqlite":
        conn.execute(statement, params)
        return
    names = tuple(params[0])
    key = (statement, names)
    found = _COMPILED.get(key)
    if found is None:
        compiled = statement.compile(dialect=conn.dialect, column_keys=list(names))
        order = compiled.positiontup
        if not order:  # pragma: no cover - pysqlite is positional (qmark)
            raise ValueError("expected positional parameters")
        getter = itemgetter(*order) if len(order) > 1 else lambda p: (p[order[0]],)
        found = _COMPILED[key] = (compiled.string, getter)
    sql, getter = found
    conn.exec_driver_sql(sql, [getter(p) for p in params])


def _sync_connection(dbapi_connection: Any) -> sa.Connection:
    """A synchronous connection over ``dbapi_connection`` (never reset, never closed by us)."""
    engine = sa.create_engine(
        "sqlite://",
        creator=lambda: dbapi_connection,
        poolclass=StaticPool,
        pool_reset_on_return=None,
    )
    return engine.connect()


def _in_transaction(conn: sa.Connection, write: bool, fn: Callable[..., T], args: Any) -> T:
    # The connection runs in driver-level autocommit (see segue_apps.common.db): the
    # transaction is ours to open; commit() / rollback() end it on the sqlite3 level.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
    try:
        out = fn(conn, *args)
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    return out


async def run(db: Database, write: bool, fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(conn, *args)`` in one transaction (``BEGIN IMMEDIATE`` when ``write``)."""
    if db.dialect != "sqlite":
        async with (db.writer if write else db.engine).begin() as conn:
            return await conn.run_sync(fn, *args)
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection  # aiosqlite.Connection
        dbapi_connection = driver._conn  # the sqlite3 connection (only used on its thread)
        cached = raw.info.get(_SYNC)
        if cached is None or cached[0] is not dbapi_connection:
            # Once per pooled connection (the pool clears info when it replaces one); made
            # on the driver's thread, the only one that may touch the sqlite3 connection.
            sync = await driver._execute(_sync_connection, dbapi_connection)
            cached = raw.info[_SYNC] = (dbapi_connection, sync)
        # aiosqlite runs callables queued with _execute on its own thread, in order.
        out: T = await driver._execute(_in_transaction, cached[1], write, fn, args)
        return out
