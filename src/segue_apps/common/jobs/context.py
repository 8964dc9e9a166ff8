"""What a handler gets besides its job, and the exceptions it raises or receives."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeAlias

from segue_apps.common.jobs.job import JSON, Job
from segue_apps.common.jobs.ops import UNCHANGED
from segue_apps.common.jobs.queue import JobQueue


class JobCancelled(Exception):
    """The job was cancelled, or another worker took it over after this one's lease expired:
    stop working on it. :meth:`JobContext.checkpoint` raises it."""


class JobFailed(Exception):
    """Raise from a handler to fail the job with ``{"code": code, "message": message}``.

    Unlike any other exception, it is not retried unless ``retry`` is true: for errors that
    another attempt cannot mend (a bad payload, a refused request).
    """

    def __init__(self, code: str, message: str, *, retry: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry = retry

    def as_json(self) -> JSON:
        """The job's ``error``."""
        return {"code": self.code, "message": self.message}


class JobContext:
    """A handler's line to the queue while it runs one claimed job.

    The worker renews the lease in the background (every third of the lease); a handler
    that wants to record progress, or to learn of a cancel at a point of its choosing,
    calls :meth:`checkpoint`. Either way, once the job is cancelled the handler is
    cancelled too (``asyncio.CancelledError`` at its next ``await``).
    """

    def __init__(self, job: Job, queue: JobQueue, lease_ms: int) -> None:
        self.job = job
        self._queue = queue
        self._lease_ms = lease_ms
        self._stopped = False

    @property
    def cancelled(self) -> bool:
        """True once a renewal found the job cancelled or taken over."""
        return self._stopped

    async def checkpoint(self, progress: JSON = UNCHANGED) -> None:
        """Renew the lease now, recording ``progress`` (any JSON value) when given.

        Raises:
            JobCancelled: the job was cancelled, or is no longer this worker's.
        """
        if not self._stopped:
            held = await self._queue.renew(self.job, lease_ms=self._lease_ms, progress=progress)
            self._stopped = not held
        if self._stopped:
            raise JobCancelled(self.job.id)


Handler: TypeAlias = Callable[[Job, JobContext], Coroutine[Any, Any, JSON]]
"""``async def handle(job, context) -> result``: the work of one kind of job.

The result (any JSON value) is stored as the job's ``result``. An exception fails the
attempt (retried with backoff while attempts remain); :class:`JobFailed` fails the job.
"""
