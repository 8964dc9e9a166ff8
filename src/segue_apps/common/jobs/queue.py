""":class:`JobQueue`: the queue's operations on one service database, from async code."""

from __future__ import annotations

from collections.abc import Collection
from functools import partial

import sqlalchemy as sa

from segue_apps.common.clock import Clock, now_ms
from segue_apps.common.db import Database
from segue_apps.common.jobs import ops
from segue_apps.common.jobs.job import JSON, Job


class JobQueue:
    """The jobs table ``table`` of ``db``, read and written one transaction per call.

    Each method runs the function of the same name in :mod:`~segue_apps.common.jobs.ops`
    through :meth:`Database.run`, with ``now`` read from ``clock``. To enqueue or cancel
    in the same transaction as a service's own writes, call those functions directly
    inside that transaction instead.

    Args:
        db: the service database.
        table: the service's jobs table (see :func:`~segue_apps.common.jobs.job_table`).
        clock: milliseconds since the epoch; tests pass a settable one.

    Example:
        >>> queue = JobQueue(db, jobs)  # doctest: +SKIP
        >>> job = await queue.enqueue("deliver", {"url": url}, tenant=org)  # doctest: +SKIP
    """

    def __init__(self, db: Database, table: sa.Table, *, clock: Clock = now_ms) -> None:
        self.db = db
        self.table = table
        self.clock = clock

    async def enqueue(
        self,
        kind: str,
        payload: JSON = None,
        *,
        tenant: str | None = None,
        run_after: int | None = None,
        max_attempts: int = 3,
        dedupe_key: str | None = None,
    ) -> Job:
        """Queue a job of ``kind``; see :func:`~segue_apps.common.jobs.ops.enqueue`."""
        enqueue = partial(
            ops.enqueue,
            now=self.clock(),
            tenant=tenant,
            run_after=run_after,
            max_attempts=max_attempts,
            dedupe_key=dedupe_key,
        )
        return await self.db.run(enqueue, self.table, kind, payload, write=True)

    async def claim(
        self, kinds: Collection[str], worker: str, *, lease_ms: int, limit: int = 1
    ) -> list[Job]:
        """Take up to ``limit`` due jobs of ``kinds``; see :func:`~.ops.claim`."""
        claim = partial(ops.claim, now=self.clock(), lease_ms=lease_ms, limit=limit)
        return await self.db.run(claim, self.table, kinds, worker, write=True)

    async def renew(self, job: Job, *, lease_ms: int, progress: JSON = ops.UNCHANGED) -> bool:
        """Extend a claimed job's lease (recording ``progress`` if given); False once the
        job is cancelled or lost."""
        renew = partial(ops.renew, now=self.clock(), lease_ms=lease_ms, progress=progress)
        return await self.db.run(renew, self.table, job, write=True)

    async def succeed(self, job: Job, result: JSON = None) -> Job | None:
        """Record a claimed job's result; see :func:`~.ops.succeed`."""
        succeed = partial(ops.succeed, now=self.clock())
        return await self.db.run(succeed, self.table, job, result, write=True)

    async def fail(self, job: Job, error: JSON, *, retry_in_ms: int | None) -> Job | None:
        """Record a claimed job's error, queued again if it may retry; see :func:`~.ops.fail`."""
        fail = partial(ops.fail, now=self.clock(), retry_in_ms=retry_in_ms)
        return await self.db.run(fail, self.table, job, error, write=True)

    async def cancel(self, job_id: str, *, tenant: str | None = None) -> Job | None:
        """Cancel a job (at once if queued, at its worker's next renewal if running)."""
        cancel = partial(ops.cancel, now=self.clock(), tenant=tenant)
        return await self.db.run(cancel, self.table, job_id, write=True)

    async def get(self, job_id: str, *, tenant: str | None = None) -> Job | None:
        """The job ``job_id``, or None (also for another tenant's, given ``tenant``)."""
        return await self.db.run(partial(ops.get, tenant=tenant), self.table, job_id)

    async def list(
        self,
        *,
        tenant: str | None = None,
        kind: str | None = None,
        statuses: Collection[str] | None = None,
        limit: int = 100,
    ) -> list[Job]:
        """The newest jobs matching the filters given; see :func:`~.ops.list_jobs`."""
        list_jobs = partial(ops.list_jobs, tenant=tenant, kind=kind, statuses=statuses, limit=limit)
        return await self.db.run(list_jobs, self.table)
