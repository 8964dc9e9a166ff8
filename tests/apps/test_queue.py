"""The durable job queue (``segue_apps.common.jobs``), on a SQLite file and PostgreSQL.

Two workers on two ``Database`` objects stand in for two processes. A settable clock drives
leases and backoff: frozen, a lease never expires under a slow test machine; moved on, it
expires at once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

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
    HANDLER_ERROR,
    JSON,
    LEASE_EXPIRED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    TIMED_OUT,
    Backoff,
    Claimant,
    Handler,
    Job,
    JobCancelled,
    JobContext,
    JobFailed,
    JobQueue,
    Worker,
    create_job_table,
    job_table,
    ops,
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

    def worker(self, handlers: dict[str, Handler], **options: Any) -> Worker:
        """A worker on a queue of its own that polls often (tests wait on it)."""
        options = {"poll_ms": 5, "max_poll_ms": 20, "lease_ms": 1_000, **options}
        return Worker(self.queue(), handlers, **options)


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


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10) -> None:
    """Wait until ``check()`` is true (``TimeoutError`` after ``seconds``)."""
    async with asyncio.timeout(seconds):  # the state is in the database: poll it
        while True:
            if await check():
                return
            await asyncio.sleep(0.01)


async def finished(queue: JobQueue, job_id: str) -> Job:
    """The job once it has reached a final status."""
    found: list[Job] = []

    async def check() -> bool:
        job = await queue.get(job_id)
        found[:] = [job] if job else []
        return job is not None and job.finished

    await eventually(check)
    return found[0]


async def test_two_workers_run_each_of_200_jobs_exactly_once(env: Env) -> None:
    """200 jobs, two workers on separate databases: each runs once and succeeds once."""
    runs: Counter[str] = Counter()

    async def handle(job: Job, context: JobContext) -> JSON:
        runs[job.id] += 1
        await asyncio.sleep(0.001)
        return {"double": job.payload["n"] * 2}

    queue = env.queue()
    ids = [(await queue.enqueue("double", {"n": n})).id for n in range(200)]
    one, two = env.worker({"double": handle}), env.worker({"double": handle})
    async with one, two:

        async def all_done() -> bool:
            return len(await queue.list(statuses=[SUCCEEDED], limit=500)) == 200

        await eventually(all_done, seconds=20)
    done = {job.id: job for job in await queue.list(limit=500)}
    assert runs == Counter(ids)
    assert all(done[i].result == {"double": n * 2} for n, i in enumerate(ids))
    assert {job.attempts for job in done.values()} == {1}
    assert {job.worker for job in done.values()} == {one.name, two.name}


async def test_a_dead_workers_job_is_taken_again_after_its_lease(env: Env) -> None:
    """A job claimed by a worker that never finishes runs elsewhere once its lease expires."""
    runs: Counter[str] = Counter()

    async def handle(job: Job, context: JobContext) -> JSON:
        runs[job.id] += 1
        return "done"

    queue = env.queue()
    job = await queue.enqueue("k")
    (dead,) = await queue.claim(["k"], "dead", lease_ms=1_000)
    async with env.worker({"k": handle}) as alive:
        await asyncio.sleep(0.05)  # polls, but the lease still holds
        assert (await queue.get(job.id)) == dead
        env.clock.advance(1_000)
        alive.wake()
        done = await finished(queue, job.id)
    assert (done.status, done.result, done.attempts, done.worker) == (
        SUCCEEDED, "done", 2, alive.name,
    )  # fmt: skip
    assert runs == {job.id: 1}
    assert await queue.succeed(dead, "late") is None  # the dead claim can record nothing
    assert (await queue.get(job.id)) == done


async def test_a_job_enqueued_claimed_runs_on_its_worker_without_a_claim(env: Env) -> None:
    """``reserve`` + ``enqueue(claimant=…)`` + ``adopt``: the job is inserted running, attempt
    1, leased to the worker, which runs it though it never polls in the meantime."""

    async def handle(job: Job, context: JobContext) -> JSON:
        return job.payload["n"] + 1

    worker = env.worker({"k": handle}, poll_ms=60_000, max_poll_ms=60_000)
    async with worker:
        await asyncio.sleep(0.05)  # its first poll is over: the next is a minute away
        claimant = worker.reserve()
        assert claimant is not None
        enqueue = partial(ops.enqueue, now=env.clock(), claimant=claimant)
        job = await worker.queue.db.run(enqueue, env.table, "k", {"n": 1}, write=True)
        stored = await worker.queue.get(job.id)
        assert stored == job
        assert (job.status, job.attempts, job.worker, job.lease_until) == (
            RUNNING, 1, worker.name, env.clock() + worker.lease_ms,
        )  # fmt: skip
        worker.adopt(job)
        done = await finished(worker.queue, job.id)
    assert (done.status, done.result, done.attempts) == (SUCCEEDED, 2, 1)


async def test_reserve_counts_slots_and_adopt_none_gives_one_back(env: Env) -> None:
    """A worker reserves no more slots than its concurrency; a failed enqueue's slot returns."""

    async def handle(job: Job, context: JobContext) -> JSON:
        return None

    worker = env.worker({"k": handle}, concurrency=2)
    async with worker:
        first, second = worker.reserve(), worker.reserve()
        assert first is not None
        assert second is not None
        assert worker.reserve() is None  # both slots are promised
        worker.adopt(None)  # the enqueue failed
        assert worker.reserve() is not None
        worker.adopt(None)
        worker.adopt(None)
    assert worker.reserve() is None  # stopped: nothing is reserved any more


async def test_a_job_enqueued_claimed_by_a_dead_worker_runs_after_its_lease(env: Env) -> None:
    """The process that enqueued a job claimed died before running it: once the lease
    expires another worker takes it, as its second attempt."""

    async def handle(job: Job, context: JobContext) -> JSON:
        return "done"

    queue = env.queue()
    dead = Claimant("dead", 1_000)
    job = await queue.db.run(partial(ops.enqueue, now=env.clock(), claimant=dead),
                             env.table, "k", write=True)  # fmt: skip
    async with env.worker({"k": handle}) as alive:
        await asyncio.sleep(0.05)
        assert (await queue.get(job.id)) == job  # the lease still holds
        env.clock.advance(1_000)
        alive.wake()
        done = await finished(queue, job.id)
    assert (done.status, done.attempts, done.worker) == (SUCCEEDED, 2, alive.name)


def test_a_job_enqueued_claimed_takes_no_dedupe_key_or_delay() -> None:
    """A claimed job runs now and once: a dedupe key or a delay would contradict that."""
    table = job_table(sa.MetaData())
    claimant = Claimant("w", 1_000)
    for extra in ({"dedupe_key": "x"}, {"run_after": T0 + 1}):
        with pytest.raises(ValueError, match="claimed"):
            ops.enqueue(None, table, "k", now=T0, claimant=claimant, **extra)  # type: ignore[arg-type]


async def test_outcomes_finishing_together_are_recorded_in_one_transaction(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twenty jobs that end in the same turn of the loop take one write transaction (not
    twenty); each outcome is its own: results and failures both recorded."""
    release = asyncio.Event()

    async def handle(job: Job, context: JobContext) -> JSON:
        await release.wait()
        if job.payload["n"] % 2:
            raise JobFailed("odd", "odd numbers fail")
        return job.payload["n"]

    queue = env.queue()
    ids = [(await queue.enqueue("k", {"n": n})).id for n in range(20)]
    worker = env.worker({"k": handle}, concurrency=20)
    batches: list[int] = []
    record_batch = worker._record_batch  # one call: one transaction

    def counting(conn: Any, batch: list[Any]) -> None:
        batches.append(len(batch))
        record_batch(conn, batch)

    async with worker:

        async def all_running() -> bool:
            return len(await queue.list(statuses=[RUNNING])) == 20

        await eventually(all_running)
        monkeypatch.setattr(worker, "_record_batch", counting)
        release.set()

        async def all_final() -> bool:
            return len(await queue.list(statuses=[SUCCEEDED, FAILED])) == 20

        await eventually(all_final)
    assert batches == [20]
    done = [await queue.get(i) for i in ids]
    assert [(j.status, j.result) for j in done if j] == [
        (SUCCEEDED, n) if n % 2 == 0 else (FAILED, None) for n in range(20)
    ]


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


async def test_a_stopped_worker_leaves_its_running_job_to_the_lease(env: Env) -> None:
    """``stop`` past its grace cancels the handler and records nothing: the job runs again."""
    started = asyncio.Event()

    async def hang(job: Job, context: JobContext) -> JSON:
        started.set()
        await asyncio.sleep(60)

    async def quick(job: Job, context: JobContext) -> JSON:
        return job.attempts

    queue = env.queue()
    job = await queue.enqueue("k")
    first = env.worker({"k": hang})
    await first.start()
    await started.wait()
    await first.stop(grace_ms=10)
    left = await queue.get(job.id)
    assert left is not None
    assert (left.status, left.worker) == (RUNNING, first.name)
    env.clock.advance(1_000)
    async with env.worker({"k": quick}):
        done = await finished(queue, job.id)
    assert (done.status, done.result) == (SUCCEEDED, 2)


async def test_a_failing_job_is_retried_with_backoff_then_succeeds(env: Env) -> None:
    """Each failure queues the job again after 1 s, then 2 s; the third attempt succeeds."""

    async def flaky(job: Job, context: JobContext) -> JSON:
        if job.attempts < 3:
            raise ConnectionError(f"refused on attempt {job.attempts}")
        return "delivered"

    queue = env.queue()
    job = await queue.enqueue("deliver", max_attempts=5)
    async with env.worker({"deliver": flaky}, backoff=Backoff(base_ms=1_000)) as worker:
        for attempt, wait_ms in ((1, 1_000), (2, 2_000)):

            async def requeued(attempt: int = attempt) -> bool:
                found = await queue.get(job.id)
                return found is not None and (found.status, found.attempts) == (QUEUED, attempt)

            await eventually(requeued)
            waiting = await queue.get(job.id)
            assert waiting is not None
            assert waiting.run_after == env.clock.now + wait_ms
            assert waiting.error == {
                "code": HANDLER_ERROR,
                "type": "ConnectionError",
                "message": f"refused on attempt {attempt}",
            }
            await asyncio.sleep(0.03)  # not due yet: polls leave it queued
            assert (await queue.get(job.id)) == waiting
            env.clock.advance(wait_ms)
            worker.wake()
        done = await finished(queue, job.id)
    assert (done.status, done.result, done.attempts) == (SUCCEEDED, "delivered", 3)


async def test_a_job_out_of_attempts_fails_with_the_last_error(env: Env) -> None:
    """After ``max_attempts`` failures the job is failed and keeps the last error."""

    async def broken(job: Job, context: JobContext) -> JSON:
        raise ValueError(f"bad {job.attempts}")

    queue = env.queue()
    job = await queue.enqueue("k", max_attempts=2)
    async with env.worker({"k": broken}, backoff=Backoff(base_ms=0, cap_ms=0)):
        done = await finished(queue, job.id)
    assert (done.status, done.attempts, done.error["message"]) == (FAILED, 2, "bad 2")


async def test_job_failed_fails_at_once(env: Env) -> None:
    """A handler raising ``JobFailed`` fails the job without another attempt."""

    async def refuse(job: Job, context: JobContext) -> JSON:
        raise JobFailed("bad_payload", "no url")

    queue = env.queue()
    job = await queue.enqueue("k", max_attempts=5)
    async with env.worker({"k": refuse}):
        done = await finished(queue, job.id)
    assert (done.status, done.attempts) == (FAILED, 1)
    assert done.error == {"code": "bad_payload", "message": "no url"}


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


async def test_a_running_job_is_cancelled_and_its_handler_learns(env: Env) -> None:
    """Cancelling a running job flags it; the renewal cancels the handler; it ends cancelled."""
    started, seen = asyncio.Event(), asyncio.Event()

    async def long(job: Job, context: JobContext) -> JSON:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            seen.set()
            raise

    queue = env.queue()
    job = await queue.enqueue("k")
    async with env.worker({"k": long}, lease_ms=30):  # renews every 10 ms
        await started.wait()
        flagged = await queue.cancel(job.id)
        assert flagged is not None
        assert (flagged.status, flagged.cancel_requested) == (RUNNING, True)
        done = await finished(queue, job.id)
    assert seen.is_set()
    assert (done.status, done.result) == (CANCELLED, None)


async def test_checkpoint_records_progress_and_raises_once_cancelled(env: Env) -> None:
    """``checkpoint(progress)`` stores progress; after a cancel it raises ``JobCancelled``."""
    step = asyncio.Event()
    outcome: list[str] = []

    async def stepper(job: Job, context: JobContext) -> JSON:
        try:
            for n in range(1, 1_000):
                await context.checkpoint({"step": n})
                step.set()
                await asyncio.sleep(0.005)
        except JobCancelled:
            outcome.append("cancelled")
            raise
        return None

    queue = env.queue()
    job = await queue.enqueue("k")
    async with env.worker({"k": stepper}, lease_ms=60_000):  # no background renewal here
        await step.wait()
        running = await queue.get(job.id)
        assert running is not None
        assert running.progress["step"] >= 1
        await queue.cancel(job.id)
        done = await finished(queue, job.id)
    assert outcome == ["cancelled"]
    assert done.status == CANCELLED


async def test_a_handler_over_its_time_limit_fails_timed_out(env: Env) -> None:
    """A handler that overruns its kind's time limit fails ``timed_out``, without retry."""

    async def slow(job: Job, context: JobContext) -> JSON:
        await asyncio.sleep(60)

    queue = env.queue()
    job = await queue.enqueue("slow", max_attempts=3)
    async with env.worker({"slow": slow}, time_limits_ms={"slow": 50}):
        done = await finished(queue, job.id)
    assert (done.status, done.attempts, done.error["code"]) == (FAILED, 1, TIMED_OUT)


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
