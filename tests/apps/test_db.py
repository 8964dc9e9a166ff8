"""``Database.run``: one transaction per call, on SQLite files, in memory and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from segue_apps.common.db import Database, create_database

PG_URL = os.environ.get("SEGUE_TEST_PG_URL")
BACKENDS = ["sqlite", "memory", *(["postgresql"] if PG_URL else [])]
_items = sa.table("items", sa.column("n", sa.Integer))


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[Database]:
    """A database with an empty ``items(n)`` table."""
    name = f"segue_test_{uuid.uuid4().hex[:16]}"
    admin: Any = None
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
            await conn.execute(sa.text("CREATE TABLE items (n INTEGER NOT NULL)"))
        yield made
    finally:
        await made.dispose()
        if admin is not None:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


def _count(conn: sa.Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(_items)).scalar_one())


def _increment(conn: sa.Connection) -> None:
    """Read-modify-write: exact only if writers are serialised."""
    conn.execute(sa.insert(_items).values(n=_count(conn)))


def _insert_then_fail(conn: sa.Connection, n: int) -> None:
    conn.execute(sa.insert(_items).values(n=n))
    raise ValueError("boom")


async def test_run_reads_and_writes(db: Database) -> None:
    await db.run(_increment, write=True)
    assert await db.run(_count) == 1
    async with db.engine.connect() as conn:  # the async engines still see the same data
        assert (await conn.execute(sa.text("SELECT n FROM items"))).scalar_one() == 0


async def test_run_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(ValueError, match="boom"):
        await db.run(_insert_then_fail, 7, write=True)
    assert await db.run(_count) == 0


def _now_moves(conn: sa.Connection) -> bool:
    first = conn.exec_driver_sql("SELECT now(), pg_sleep(0.002)").one()[0]
    return bool(first != conn.exec_driver_sql("SELECT now()").scalar_one())


async def test_read_one_reads_and_leaves_transactions_as_they_were(db: Database) -> None:
    """``read_one`` answers like ``run``; on PostgreSQL it runs without a transaction, and
    the pooled connection it used still rolls a failed ``run`` back afterwards."""
    await db.run(_increment, write=True)
    for _ in range(12):  # more than the pool's connections: each has served read_one
        assert await db.read_one(_count) == 1
    if db.dialect == "postgresql":  # now() is the transaction's start: it moves only outside one
        assert await db.run(_now_moves) is False
        assert await db.read_one(_now_moves) is True
    for n in range(12):
        with pytest.raises(ValueError, match="boom"):
            await db.run(_insert_then_fail, n, write=True)
    assert await db.run(_count) == 1


async def test_concurrent_writes_are_serialised(db: Database) -> None:
    if db.dialect == "postgresql":
        pytest.skip("read-committed PostgreSQL does not serialise a count-then-insert")
    if db.engine.url.database == ":memory:":
        pytest.skip("in memory, every transaction shares one connection (never concurrent)")
    await asyncio.gather(*(db.run(_increment, write=True) for _ in range(30)))
    assert await db.run(_count) == 30
    assert sorted(await db.run(lambda c: [r[0] for r in c.execute(sa.select(_items.c.n))])) == (
        list(range(30))
    )


async def test_sqlite_file_runs_off_the_event_loop(tmp_path: Any) -> None:
    db = create_database(f"sqlite+aiosqlite:///{tmp_path}/db.db")
    try:
        names = {
            await db.run(lambda _: threading.current_thread().name),
            await db.run(lambda _: threading.current_thread().name, write=True),
        }
        assert all(name.startswith("segue-db-") for name in names)
        assert len(names) == 2
    finally:
        await db.dispose()


def _in_file_alone(path: Any) -> list[Any]:
    """The ``items`` rows in the database file itself, not counting the WAL."""
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return conn.execute("SELECT n FROM items").fetchall()
    except sqlite3.DatabaseError:  # no such table yet, or a page the checkpoint is writing
        return []
    finally:
        conn.close()


async def test_sqlite_file_is_checkpointed_in_the_background(tmp_path: Any) -> None:
    """A small write reaches the database file soon, not at the 1,000-page WAL threshold."""
    path = tmp_path / "db.db"
    db = create_database(f"sqlite+aiosqlite:///{path}")
    try:
        await db.run(lambda c: c.execute(sa.text("CREATE TABLE items (n INTEGER)")), write=True)
        await db.run(lambda c: c.execute(sa.text("INSERT INTO items VALUES (7)")), write=True)
        for _ in range(100):
            if _in_file_alone(path):
                break
            await asyncio.sleep(0.02)
        assert _in_file_alone(path) == [(7,)]
    finally:
        await db.dispose()
