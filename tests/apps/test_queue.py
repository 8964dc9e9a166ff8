"""The durable job queue (``segue_apps.common.jobs``), on a SQLite file and PostgreSQL.

Two workers on two ``Database`` objects stand in for two processes. A settable clock drives
leases and backoff: frozen, a lease never expires under a slow test machine; moved on, it
expires at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations

import segue_apps.common.jobs as jobs_module
from segue_apps.common.db import Database, create_database
from segue_apps.common.jobs import (
    CANCELLED,
    FAILED,
    LEASE_EXPIRED,
    SUCCEEDED,
    JobQueue,
    create_job_table,
    job_table,
)

T0 = 1_800_000_000_000


class Clock:
    """Milliseconds that move only when told to."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: int) -> None:
        self.now += ms


@dataclass
class Env:
    """A jobs table on a fresh database, and a way to open it as another process would."""

    url: str
    metadata: sa.MetaData
    table: sa.Table
    clock: Clock
    opened: list[Database]

    def queue(self) -> JobQueue:
        """A queue on a ``Database`` of its own (a separate pool, as in another process)."""
        db = create_database(self.url)
        self.opened.append(db)
        return JobQueue(db, self.table, clock=self.clock)


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    """A database holding an empty ``jobs`` table, made from the metadata."""
    metadata = sa.MetaData()
    made = Env(db_url, metadata, job_table(metadata), Clock(), [])
    first = made.queue()
    async with first.db.writer.begin() as conn:
        await conn.run_sync(metadata.create_all)
    try:
        yield made
    finally:
        for db in made.opened:
            await db.dispose()


async def test_an_expired_job_without_attempts_left_fails(env: Env) -> None:
    """A job whose last attempt's worker vanished ends failed, not running for ever."""
    queue = env.queue()
    job = await queue.enqueue("k", max_attempts=1)
    await queue.claim(["k"], "dead", lease_ms=1_000)
    env.clock.advance(1_000)
    assert await queue.claim(["k"], "alive", lease_ms=1_000) == []
    ended = await queue.get(job.id)
    assert ended is not None
    assert (ended.status, ended.error["code"]) == (FAILED, LEASE_EXPIRED)


async def test_a_queued_job_is_cancelled_at_once(env: Env) -> None:
    """Cancelling a queued job ends it; no worker takes it afterwards."""
    queue = env.queue()
    job = await queue.enqueue("k", tenant="t1")
    assert await queue.cancel(job.id, tenant="t2") is None  # another tenant's: not found
    cancelled = await queue.cancel(job.id, tenant="t1")
    assert cancelled is not None
    assert cancelled.status == CANCELLED
    assert await queue.claim(["k"], "w", lease_ms=1_000) == []
    assert (await queue.cancel(job.id)) == cancelled  # a finished job is left as it is


async def test_a_dedupe_key_enqueues_once_under_a_race(env: Env) -> None:
    """Racing enqueues of one key from two databases make one job and all return it."""
    one, two = env.queue(), env.queue()
    made = await asyncio.gather(
        *(
            queue.enqueue("fire", {"n": n}, dedupe_key="schedule:s1:1800000000000")
            for n in range(10)
            for queue in (one, two)
        )
    )
    assert len({job.id for job in made}) == 1
    assert len(await one.list(kind="fire")) == 1


async def test_listing_filters_by_tenant_kind_and_status(env: Env) -> None:
    """``list`` returns the newest jobs matching every filter given."""
    queue = env.queue()
    a = await queue.enqueue("a", tenant="t1")
    env.clock.advance(1)
    b = await queue.enqueue("b", tenant="t1")
    await queue.enqueue("a", tenant="t2")
    assert [j.id for j in await queue.list(tenant="t1")] == [b.id, a.id]
    assert [j.id for j in await queue.list(tenant="t1", kind="a")] == [a.id]
    assert await queue.list(tenant="t1", statuses=[SUCCEEDED]) == []
    assert await queue.get(a.id, tenant="t2") is None


def _migrate_and_compare(conn: sa.Connection) -> list[object]:
    context = MigrationContext.configure(conn)
    with Operations.context(context):
        create_job_table("ws_jobs")
    expected = sa.MetaData()
    job_table(expected, "ws_jobs")
    return list(compare_metadata(context, expected))


async def test_the_migration_helper_creates_what_the_metadata_describes(db_url: str) -> None:
    """``create_job_table`` in a migration makes the table, indexes and constraints that
    ``job_table`` declares (Alembic's autogenerate finds no difference)."""
    db = create_database(db_url)
    try:
        async with db.writer.begin() as conn:
            assert await conn.run_sync(_migrate_and_compare) == []
    finally:
        await db.dispose()


def test_the_public_names_are_sorted_and_importable() -> None:
    """``__all__`` is sorted and every name in it exists."""
    names = jobs_module.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), n))
    assert all(hasattr(jobs_module, name) for name in names)
