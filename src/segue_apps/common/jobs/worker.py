""":class:`Worker`: claims jobs of the kinds it has handlers for and runs them, in asyncio."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Mapping
from types import TracebackType
from typing import NamedTuple

from sqlalchemy.engine import Connection

from segue_apps.common.ids import new_id
from segue_apps.common.jobs import ops
from segue_apps.common.jobs.backoff import Backoff
from segue_apps.common.jobs.context import Handler, JobCancelled, JobContext, JobFailed
from segue_apps.common.jobs.job import JSON, Job, dumps
from segue_apps.common.jobs.ops import Claimant
from segue_apps.common.jobs.queue import JobQueue
from segue_apps.common.jobs.table import RUNNING

TIMED_OUT = "timed_out"
"""The error code of a job whose handler ran over its kind's time limit."""
HANDLER_ERROR = "handler_error"
"""The error code of a job whose handler raised (the exception's type and text follow)."""
_CANCELLED: JSON = {"code": "cancelled", "message": "the job was cancelled"}
_log = logging.getLogger(__name__)


class _Outcome(NamedTuple):
    result: JSON = None
    error: JSON = None
    retry_in_ms: int | None = None


class Worker:
    """Runs the queue's jobs of the kinds in ``handlers``, up to ``concurrency`` at a time.

    Start it from a service's lifespan (``async with Worker(...):``, or :meth:`start` and
    :meth:`stop`). It claims due jobs in batches, renews each lease every third of
    ``lease_ms`` while its handler runs, and records the outcome. When nothing is due it
    polls every ``poll_ms``, doubling up to ``max_poll_ms`` while the queue stays empty;
    :meth:`wake` makes it poll after ``gather_ms`` (after an enqueue in this process), so
    that jobs enqueued together are claimed together. Outcomes of jobs that finish together
    are recorded in one transaction: claims and outcomes are write transactions, and
    one per job would cost more than running a short job.

    Args:
        queue: the service's queue.
        handlers: the handler of each kind of job this worker runs.
        concurrency: jobs run at once.
        lease_ms: how long a claim holds without renewal; a killed worker's jobs are taken
            again this long after its last renewal.
        poll_ms: the wait between polls after the queue was found empty.
        max_poll_ms: the longest wait between polls.
        gather_ms: how long a woken worker waits for more enqueues before it claims.
        backoff: the wait before a job whose handler raised is tried again.
        time_limits_ms: per kind, how long one attempt may run (loop time, not ``clock``);
            past it the job fails with :data:`TIMED_OUT`, without retry.
        grace_ms: how long :meth:`stop` waits for running jobs before it abandons them to
            lease expiry.
        name: the worker's name in the jobs it claims (default: host, pid and a random id).

    Example:
        >>> async def deliver(job: Job, context: JobContext) -> JSON:  # doctest: +SKIP
        ...     return {"status": await post(job.payload["url"])}
        >>> async with Worker(queue, {"deliver": deliver}, concurrency=8):  # doctest: +SKIP
        ...     yield
    """

    def __init__(
        self,
        queue: JobQueue,
        handlers: Mapping[str, Handler],
        *,
        concurrency: int = 4,
        lease_ms: int = 30_000,
        poll_ms: int = 250,
        max_poll_ms: int = 5_000,
        backoff: Backoff = Backoff(),  # noqa: B008 - frozen, so one shared default is safe
        time_limits_ms: Mapping[str, int] | None = None,
        grace_ms: int = 10_000,
        name: str | None = None,
        gather_ms: int = 2,
    ) -> None:
        if not handlers or concurrency < 1 or lease_ms < 3 or not 0 < poll_ms <= max_poll_ms:
            raise ValueError("a worker needs handlers, concurrency >= 1, lease_ms >= 3 and "
                             "0 < poll_ms <= max_poll_ms")  # fmt: skip
        unknown = set(time_limits_ms or {}) - set(handlers)
        if unknown:
            raise ValueError(f"time limits for kinds without a handler: {sorted(unknown)}")
        self.queue = queue
        self.handlers = dict(handlers)
        self.concurrency = concurrency
        self.lease_ms = lease_ms
        self.poll_ms = poll_ms
        self.max_poll_ms = max_poll_ms
        self.backoff = backoff
        self.time_limits_ms = dict(time_limits_ms or {})
        self.grace_ms = grace_ms
        self.gather_ms = gather_ms
        self.name = name or f"{socket.gethostname()[:80]}:{os.getpid()}:{new_id(8)}"
        self._kinds = sorted(self.handlers)
        self._refill = max(1, concurrency // 4)
        self._running: set[asyncio.Task[None]] = set()
        self._wakeup = asyncio.Event()  # poll now: wake(), stop()
        self._slot_freed = asyncio.Event()  # a job finished while every slot was taken
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._outcomes: list[tuple[Job, _Outcome]] = []  # to record in the next transaction
        self._recorder: asyncio.Task[None] | None = None
        self._reserved = 0  # slots promised to jobs being enqueued claimed (reserve())

    async def __aenter__(self) -> Worker:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Start claiming and running jobs."""
        if self._loop_task is not None:
            raise RuntimeError(f"worker {self.name} was already started")
        self._loop_task = asyncio.create_task(self._poll(), name=f"jobs worker {self.name}")

    async def stop(self, grace_ms: int | None = None) -> None:
        """Claim no more; wait up to ``grace_ms`` (default: the worker's) for running jobs,
        then cancel their handlers, leaving those jobs to be taken again after their lease."""
        self._stopping = True
        self._wakeup.set()
        self._slot_freed.set()
        if self._loop_task is not None:
            await self._loop_task
        if self._running:
            grace = self.grace_ms if grace_ms is None else grace_ms
            _, pending = await asyncio.wait(self._running, timeout=grace / 1000)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)

    def wake(self) -> None:
        """Poll for jobs now rather than at the next poll."""
        self._wakeup.set()

    def reserve(self) -> Claimant | None:
        """Reserve a slot for a job this process is about to enqueue, or None when every
        slot is taken (or the worker is stopping).

        Pass the claimant to :func:`~segue_apps.common.jobs.ops.enqueue` so the job is
        inserted already claimed, then hand the job to :meth:`adopt`; or call
        :meth:`adopt` with None to give the slot back (the transaction failed). The job
        skips the queue: no claim transaction, no wait for a poll.
        """
        if self._stopping or self.concurrency - len(self._running) - self._reserved < 1:
            return None
        self._reserved += 1
        return Claimant(self.name, self.lease_ms)

    def adopt(self, job: Job | None) -> None:
        """Run ``job``, enqueued claimed by this worker's :meth:`reserve`; None gives the
        reserved slot back."""
        self._reserved -= 1
        if job is None or job.worker != self.name or job.status != RUNNING or self._stopping:
            self._slot_freed.set()  # (stopping: the job is left to its lease's expiry)
            return
        task = asyncio.create_task(self._execute(job), name=f"job {job.kind} {job.id}")
        self._running.add(task)
        task.add_done_callback(self._finished)

    async def _poll(self) -> None:
        idle_ms, backlog = self.poll_ms, False
        while not self._stopping:
            free = self.concurrency - len(self._running) - self._reserved
            # With jobs waiting, claim once a quarter of the slots are free rather than once
            # per finished job: a claim is a write transaction (a commit to wait for).
            if free == 0 or (backlog and free < self._refill):
                self._slot_freed.clear()
                await self._slot_freed.wait()
                continue
            self._wakeup.clear()
            claimed = await self._claim(free)
            for job in claimed:
                task = asyncio.create_task(self._execute(job), name=f"job {job.kind} {job.id}")
                self._running.add(task)
                task.add_done_callback(self._finished)
            backlog = len(claimed) == free  # there may be more: claim again once slots free
            if backlog:
                idle_ms = self.poll_ms
                continue
            woken = False
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(idle_ms / 1000):
                    woken = await self._wakeup.wait()
            idle_ms = self.poll_ms if claimed or woken else min(idle_ms * 2, self.max_poll_ms)
            if woken and not self._stopping:
                await asyncio.sleep(self.gather_ms / 1000)

    async def _claim(self, limit: int) -> list[Job]:
        try:
            return await self.queue.claim(
                self._kinds, self.name, lease_ms=self.lease_ms, limit=limit
            )
        except Exception:  # the database is away: try again at the next poll
            _log.warning("worker %s could not claim jobs", self.name, exc_info=True)
            return []

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._slot_freed.set()

    async def _execute(self, job: Job) -> None:
        context = JobContext(job, self.queue, self.lease_ms)
        handler = asyncio.create_task(self.handlers[job.kind](job, context))
        renewer = asyncio.create_task(self._keep_lease(context, handler))
        try:
            outcome = await self._outcome(job, context, handler)
        finally:  # on stop() past its grace too: the job is left to its lease's expiry
            renewer.cancel()
            handler.cancel()
            await asyncio.wait({renewer, handler})
        self._outcomes.append((job, outcome))
        if self._recorder is None:
            self._recorder = asyncio.create_task(self._record())
        await asyncio.shield(self._recorder)

    async def _record(self) -> None:
        """Record every waiting outcome, one transaction per batch, until none is left.

        The jobs whose outcomes arrive while a batch is written make the next batch. A
        batch that fails is unrecorded: its jobs run again once their leases expire.
        """
        try:
            while self._outcomes:
                await asyncio.sleep(0)  # let the jobs finishing in this same turn join
                batch, self._outcomes = self._outcomes, []
                try:
                    await self.queue.db.run(self._record_batch, batch, write=True)
                except Exception:
                    ids = ", ".join(job.id for job, _ in batch)
                    _log.warning("worker %s could not record jobs %s", self.name, ids,
                                 exc_info=True)  # fmt: skip
        finally:
            self._recorder = None

    def _record_batch(self, conn: Connection, batch: list[tuple[Job, _Outcome]]) -> None:
        now, table = self.queue.clock(), self.queue.table
        for job, outcome in batch:
            if outcome.error is None:
                ops.succeed(conn, table, job, outcome.result, now=now)
            else:
                ops.fail(conn, table, job, outcome.error, now=now,
                         retry_in_ms=outcome.retry_in_ms)  # fmt: skip

    async def _outcome(
        self, job: Job, context: JobContext, handler: asyncio.Task[JSON]
    ) -> _Outcome:
        limit_ms = self.time_limits_ms.get(job.kind)
        done, _ = await asyncio.wait({handler}, timeout=limit_ms and limit_ms / 1000)
        if not done and not context.cancelled:
            message = f"the handler ran past its time limit of {limit_ms} ms"
            return _Outcome(error={"code": TIMED_OUT, "message": message})
        if not done or handler.cancelled() or isinstance(handler.exception(), JobCancelled):
            return _Outcome(error=_CANCELLED)
        error = handler.exception()
        if isinstance(error, JobFailed):
            retry = self.backoff.delay_ms(job.attempts) if error.retry else None
            return _Outcome(error=error.as_json(), retry_in_ms=retry)
        if error is None:
            try:
                dumps(result := handler.result())
            except TypeError as unstorable:
                error = unstorable
            else:
                return _Outcome(result=result)
        _log.warning("job %s (%s) failed", job.id, job.kind, exc_info=error)
        failure = {"code": HANDLER_ERROR, "type": type(error).__name__, "message": str(error)}
        return _Outcome(error=failure, retry_in_ms=self.backoff.delay_ms(job.attempts))

    async def _keep_lease(self, context: JobContext, handler: asyncio.Task[JSON]) -> None:
        """Renew every third of the lease; cancel the handler once the job is cancelled."""
        while True:
            await asyncio.sleep(self.lease_ms / 3 / 1000)
            try:
                await context.checkpoint()
            except JobCancelled:
                handler.cancel()
                return
            except Exception:  # one missed renewal still leaves two thirds of the lease
                _log.warning("worker %s could not renew job %s", self.name, context.job.id,
                             exc_info=True)  # fmt: skip
