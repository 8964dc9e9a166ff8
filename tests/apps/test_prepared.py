"""``Prepared`` statements: the same rows through the driver (SQLite) or SQLAlchemy."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from segue_apps.common import prepared
from segue_apps.common.db import Database, create_database
from segue_apps.common.prepared import Bulk, Prepared, execute_bulk, executemany, fetchall

PG_URL = os.environ.get("SEGUE_TEST_PG_URL")
_items = sa.table("items", sa.column("n", sa.Integer), sa.column("s", sa.String))
_INSERT = Prepared(sa.insert(_items), ("n", "s"))
_ABOVE = Prepared(
    sa.select(_items.c.n, _items.c.s).where(_items.c.n > sa.bindparam("m")).order_by(_items.c.n),
    ("m",),
)
_RENAME = Prepared(
    sa.update(_items).where(_items.c.n == sa.bindparam("k")).values(s=sa.bindparam("v")),
    ("v", "k"),
)


@pytest.fixture(params=["sqlite", "memory", *(["postgresql"] if PG_URL else [])])
async def db(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[Database]:
    """A database with an empty ``items(n, s)`` table."""
    admin: Any = None
    name = f"segue_test_{uuid.uuid4().hex[:16]}"
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/db.db"
    elif request.param == "memory":
        url = "sqlite+aiosqlite:///:memory:"
    else:
        assert PG_URL is not None
        dsn = make_url(PG_URL).set(drivername="postgresql")
        admin = await asyncpg.connect(dsn.render_as_string(hide_password=False))
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    made = create_database(url)
    try:
        async with made.writer.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE items (n INTEGER NOT NULL, s TEXT)"))
        yield made
    finally:
        await made.dispose()
        if admin is not None:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


_BULK_INSERT = Bulk.insert(_items, ("n", "s"))
_BULK_RENAME = Bulk(
    _RENAME,
    "UPDATE items SET s = v.column1 FROM (VALUES {rows}) AS v WHERE items.n = v.column2",
    min_sqlite=(3, 33, 0),
)


def _write(conn: sa.Connection) -> None:
    executemany(conn, _INSERT, [(1, "a"), (2, "b"), (3, "c")])
    executemany(conn, _RENAME, [("B", 2)])


async def test_prepared_round_trip(db: Database) -> None:
    await db.run(_write, write=True)
    found = await db.run(lambda c: fetchall(c, _ABOVE, (1,)))
    assert [tuple(row) for row in found] == [(2, "B"), (3, "c")]


async def test_driver_errors_are_sqlalchemy_errors(db: Database) -> None:
    """A constraint violation raises ``sa.exc.IntegrityError`` on every dialect."""
    async with db.writer.begin() as conn:
        await conn.execute(sa.text("CREATE UNIQUE INDEX items_n ON items (n)"))
    with pytest.raises(sa.exc.IntegrityError):
        await db.run(lambda c: executemany(c, _INSERT, [(1, "a"), (1, "b")]), write=True)
    assert await db.run(lambda c: fetchall(c, _ABOVE, (0,))) == []


def _bulk_write(conn: sa.Connection, count: int) -> None:
    execute_bulk(conn, _BULK_INSERT, [(n, f"s{n}") for n in range(count)])
    execute_bulk(conn, _BULK_RENAME, [(f"t{n}", n) for n in range(0, count, 3)])


@pytest.mark.parametrize("count", [1, 7, 64, 100, 333])
async def test_bulk_runs_once_per_tuple_in_order(db: Database, count: int) -> None:
    """Any batch size (chunks of 64, 32, … 1 on SQLite) inserts every tuple in order."""
    await db.run(_bulk_write, count, write=True)
    found = await db.run(
        lambda c: (
            list(c.execute(sa.text("SELECT n, s FROM items ORDER BY rowid")))
            if c.dialect.name == "sqlite"
            else list(c.execute(sa.text("SELECT n, s FROM items ORDER BY n")))
        )
    )
    assert [tuple(row) for row in found] == [
        (n, f"t{n}" if n % 3 == 0 else f"s{n}") for n in range(count)
    ]


async def test_bulk_on_an_older_sqlite_runs_per_tuple(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SQLite library older than the bulk statement needs falls back to executemany."""
    monkeypatch.setattr(prepared.sqlite3, "sqlite_version_info", (3, 31, 1))
    await db.run(_bulk_write, 10, write=True)
    found = await db.run(lambda c: fetchall(c, _ABOVE, (-1,)))
    assert [tuple(row) for row in found] == [
        (n, f"t{n}" if n % 3 == 0 else f"s{n}") for n in range(10)
    ]


async def test_bulk_errors_are_sqlalchemy_errors(db: Database) -> None:
    async with db.writer.begin() as conn:
        await conn.execute(sa.text("CREATE UNIQUE INDEX items_n ON items (n)"))
    with pytest.raises(sa.exc.IntegrityError):
        await db.run(lambda c: execute_bulk(c, _BULK_INSERT, [(1, "a"), (1, "b")]), write=True)
    assert await db.run(lambda c: fetchall(c, _ABOVE, (0,))) == []


def test_names_must_follow_the_sql() -> None:
    with pytest.raises(ValueError, match="not in SQL order"):
        Prepared(_RENAME.statement, ("k", "v"))
