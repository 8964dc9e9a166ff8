"""Core statements built once and, on SQLite, run straight through the DBAPI driver.

On SQLite a small statement runs in a few µs, and SQLAlchemy's work around each execution
(execution context, per-row parameter processing, result wrapping) costs several times
that: ~15 µs for a one-row update, ~300 µs for an expanding ``IN`` of 100 keys. A hot
path that runs a handful of statements per request declares each as :class:`Prepared`,
compiled for SQLite once; on SQLite it executes with plain tuples on the connection's
DBAPI cursor, inside the same transaction. Elsewhere it goes through ``conn.execute``.

Only for statements whose parameters and results need no type processing (strings,
integers, booleans as stored): nothing converts them on the direct path.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

_SQLITE = sqlite.dialect()


@dataclass(frozen=True, eq=False)
class Prepared:
    """A Core statement with its parameter names in the order its SQL takes them.

    Raises:
        ValueError: ``names`` are not the statement's parameters in SQL order.
    """

    statement: Any
    names: tuple[str, ...]
    sqlite_sql: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        compiled = self.statement.compile(dialect=_SQLITE, column_keys=list(self.names))
        order = tuple(compiled.positiontup or ())
        if order != self.names:
            raise ValueError(f"parameters {self.names} are not in SQL order {order}")
        object.__setattr__(self, "sqlite_sql", compiled.string)


def executemany(conn: sa.Connection, prepared: Prepared, params: Sequence[tuple[Any, ...]]) -> None:
    """Run ``prepared`` once per tuple of ``params``.

    Elsewhere than SQLite this is one ``conn.execute`` with a list of dicts, which on
    PostgreSQL sends an insert as one multi-row statement.
    """
    if conn.dialect.name == "sqlite":
        with _sqlalchemy_errors(conn, prepared):
            _cursor(conn).executemany(prepared.sqlite_sql, params)
        return
    names = prepared.names
    conn.execute(prepared.statement, [dict(zip(names, p, strict=True)) for p in params])


def fetchall(conn: sa.Connection, prepared: Prepared, params: tuple[Any, ...]) -> list[Any]:
    """Run ``prepared`` with ``params``; return its rows (as tuples on SQLite)."""
    if conn.dialect.name == "sqlite":
        with _sqlalchemy_errors(conn, prepared):
            cursor = _cursor(conn)
            cursor.execute(prepared.sqlite_sql, params)
            return list(cursor.fetchall())
    found = conn.execute(prepared.statement, dict(zip(prepared.names, params, strict=True)))
    return list(found)


def _cursor(conn: sa.Connection) -> Any:
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


@contextmanager
def _sqlalchemy_errors(conn: sa.Connection, prepared: Prepared) -> Iterator[None]:
    """Raise the driver's errors as SQLAlchemy's (``sa.exc.IntegrityError``…), as
    ``conn.execute`` would, so callers catch the same exceptions on every dialect."""
    error = conn.dialect.loaded_dbapi.Error
    try:
        yield
    except error as exc:
        raise sa.exc.DBAPIError.instance(prepared.sqlite_sql, None, exc, error) from exc
