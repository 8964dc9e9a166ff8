"""Core statements built once and, on SQLite, run straight through the DBAPI driver.

On SQLite a small statement runs in a few µs, and SQLAlchemy's work around each execution
(execution context, per-row parameter processing, result wrapping) costs several times
that: ~15 µs for a one-row update, ~300 µs for an expanding ``IN`` of 100 keys. A hot
path that runs a handful of statements per request declares each as :class:`Prepared`,
compiled for SQLite once; on SQLite it executes with plain tuples on the connection's
DBAPI cursor, inside the same transaction. Elsewhere it goes through ``conn.execute``.

Only for statements whose parameters and results need no type processing (strings,
integers, booleans as stored): nothing converts them on the direct path.

:class:`Bulk` goes one step further for statements run once per row of a batch. On
SQLite it runs as a few statements that each take many rows (``VALUES (?, ?), (?, ?)…``)
rather than ``executemany``'s one step per row: SQLite parses, plans and finishes a
statement once for many rows, and the driver, which gives up the GIL around every step and
has to take it back after, hands it off a few times rather than once per row.
"""

from __future__ import annotations

import sqlite3
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


_BULK_SIZES = (64, 32, 16, 8, 4, 2, 1)
_MAX_BULK_PARAMS = 999  # SQLite's least limit on the parameters of a statement


@dataclass(frozen=True, eq=False)
class Bulk:
    """A :class:`Prepared` statement run once per tuple of a batch; on SQLite, in chunks.

    ``sqlite_sql`` has a ``{rows}`` placeholder for a ``VALUES`` list of tuples (``(?, ?),
    (?, ?)…``, in the order of ``prepared.names``); it must do for each tuple what
    ``prepared`` does, in their order. A batch runs as chunks of 64, 32, … 1 tuples, so a
    statement has one of a few texts (the driver caches their compiled form).
    """

    prepared: Prepared
    sqlite_sql: str
    min_sqlite: tuple[int, int, int] = (3, 7, 11)
    """Oldest SQLite library that runs ``sqlite_sql`` (multi-row ``VALUES``: 3.7.11;
    ``UPDATE … FROM``: 3.33.0); with an older one the batch goes through
    :func:`executemany`."""
    _chunks: dict[int, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        width = len(self.prepared.names)
        one = "(" + ", ".join("?" * width) + ")"
        sizes = [n for n in _BULK_SIZES if n * width <= _MAX_BULK_PARAMS]
        chunks = {n: self.sqlite_sql.format(rows=", ".join([one] * n)) for n in sizes}
        object.__setattr__(self, "_chunks", chunks)

    @classmethod
    def insert(cls, table: sa.TableClause, names: tuple[str, ...]) -> Bulk:
        """``INSERT INTO table (names…)`` of the tuples, in their order."""
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES {{rows}}"
        return cls(Prepared(table.insert(), names), sql)

    def sqlite_chunks(self, count: int) -> Iterator[tuple[int, int, str]]:
        """``(start, end, sql)`` of each chunk of a batch of ``count`` tuples, in order."""
        start = 0
        for size, sql in self._chunks.items():
            while count - start >= size:
                yield start, start + size, sql
                start += size


def execute_bulk(conn: sa.Connection, bulk: Bulk, params: Sequence[tuple[Any, ...]]) -> None:
    """Run ``bulk`` once per tuple of ``params``: in chunks on SQLite, else
    :func:`executemany`."""
    if conn.dialect.name != "sqlite" or sqlite3.sqlite_version_info < bulk.min_sqlite:
        executemany(conn, bulk.prepared, params)
        return
    cursor = _cursor(conn)
    for start, end, sql in bulk.sqlite_chunks(len(params)):
        with _sqlalchemy_errors(conn, sql):
            cursor.execute(sql, [value for row in params[start:end] for value in row])


def executemany(conn: sa.Connection, prepared: Prepared, params: Sequence[tuple[Any, ...]]) -> None:
    """Run ``prepared`` once per tuple of ``params``.

    Elsewhere than SQLite this is one ``conn.execute`` with a list of dicts, which on
    PostgreSQL sends an insert as one multi-row statement.
    """
    if conn.dialect.name == "sqlite":
        with _sqlalchemy_errors(conn, prepared.sqlite_sql):
            _cursor(conn).executemany(prepared.sqlite_sql, params)
        return
    names = prepared.names
    conn.execute(prepared.statement, [dict(zip(names, p, strict=True)) for p in params])


def fetchall(conn: sa.Connection, prepared: Prepared, params: tuple[Any, ...]) -> list[Any]:
    """Run ``prepared`` with ``params``; return its rows (as tuples on SQLite)."""
    if conn.dialect.name == "sqlite":
        with _sqlalchemy_errors(conn, prepared.sqlite_sql):
            cursor = _cursor(conn)
            cursor.execute(prepared.sqlite_sql, params)
            return list(cursor.fetchall())
    found = conn.execute(prepared.statement, dict(zip(prepared.names, params, strict=True)))
    return list(found)


def fetchone_sqlite(conn: sa.Connection, sql: str, params: tuple[Any, ...]) -> Any:
    """Run SQLite ``sql`` on the driver; return its first row (``None`` without one)."""
    with _sqlalchemy_errors(conn, sql):
        cursor = _cursor(conn)
        cursor.execute(sql, params)
        return cursor.fetchone()


def _cursor(conn: sa.Connection) -> Any:
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


@contextmanager
def _sqlalchemy_errors(conn: sa.Connection, sql: str) -> Iterator[None]:
    """Raise the driver's errors as SQLAlchemy's (``sa.exc.IntegrityError``…), as
    ``conn.execute`` would, so callers catch the same exceptions on every dialect."""
    error = conn.dialect.loaded_dbapi.Error
    try:
        yield
    except error as exc:
        raise sa.exc.DBAPIError.instance(sql, None, exc, error) from exc
