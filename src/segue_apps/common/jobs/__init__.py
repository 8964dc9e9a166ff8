"""A durable work queue in the service's own database.

Background work (agent runs, process runs, stream runs, scheduled firings, webhook
deliveries) is never fire-and-forget in one process: it is a row in the service's jobs
table (:func:`job_table`, created by :func:`create_job_table` from a migration), claimed
by :class:`Worker` instances in any number of processes sharing the database.

The life of a job::

    enqueue ──► queued ──claim──► running ──► succeeded
                  ▲  │               │ │  └──► failed     (no attempts left, JobFailed,
                  │  │ cancel        │ │                   or timed_out)
                  │  ▼               │ └──cancel──► cancelled (at the next renewal)
                  │ cancelled        │
                  └── retry after backoff (an exception, attempts left)
                      or lease expired (worker killed): claimed again

- **enqueue** inserts a ``queued`` row with ``run_after`` (now, or later for a delay or a
  schedule) and an optional ``dedupe_key``: enqueueing a known key returns the existing
  job, so N processes firing one schedule make one job.
- **claim** (a worker polling) takes due jobs: queued ones whose ``run_after`` has come
  and running ones whose lease has expired. On PostgreSQL the candidates are locked with
  ``FOR UPDATE SKIP LOCKED``, so concurrent claims never take the same row and never wait
  on each other; on SQLite claims run under the database's write lock. A claim sets
  ``status=running``, the worker's name, ``attempts + 1`` and ``lease_until``.
- **While the handler runs**, the worker renews the lease every third of ``lease_ms``.
  A worker that is killed stops renewing; once its lease expires, another claim takes the
  job again (a new attempt), or ends it ``failed`` with ``lease_expired`` when no attempt
  is left, so nothing stays ``running`` for ever.
- **The outcome**: a result → ``succeeded``; an exception → queued again after
  :class:`Backoff` while ``attempts < max_attempts``, else ``failed`` with the last error;
  :class:`JobFailed` → ``failed`` at once; past the kind's time limit → ``failed`` with
  :data:`TIMED_OUT`. ``error`` is a JSON object with a ``code``.
- **cancel**: a queued job is ``cancelled`` at once; a running one is flagged, and its
  worker learns at the next renewal (or its completion), cancels the handler and records
  ``cancelled``.

What "exactly once" means here. Delivery is *at least once*: a job whose worker dies
after doing the work but before recording it runs again once the lease expires. What is
exactly once is the *outcome*: renewals and completions carry the claim's fencing token
(worker name and attempt number), so only the current claim can record a result, and a
job is recorded finished once. Handlers must therefore be **idempotent in their side
effects**: write their results keyed by the job (or the service's run id) with upserts, or
in one transaction guarded by the job's state, and send outside effects (webhooks) with an
id the receiver can deduplicate (the job id). The window for a second run is a worker's
death between the work and the record, or a pause longer than the lease.
"""

from segue_apps.common.jobs.backoff import Backoff
from segue_apps.common.jobs.context import Handler, JobCancelled, JobContext, JobFailed
from segue_apps.common.jobs.job import JSON, Job
from segue_apps.common.jobs.ops import LEASE_EXPIRED, Claimant
from segue_apps.common.jobs.queue import JobQueue
from segue_apps.common.jobs.table import (
    CANCELLED,
    FAILED,
    FINAL_STATUSES,
    QUEUED,
    RUNNING,
    STATUSES,
    SUCCEEDED,
    create_job_table,
    drop_job_table,
    job_table,
)
from segue_apps.common.jobs.worker import HANDLER_ERROR, TIMED_OUT, Worker

__all__ = [
    "CANCELLED",
    "FAILED",
    "FINAL_STATUSES",
    "HANDLER_ERROR",
    "JSON",
    "LEASE_EXPIRED",
    "QUEUED",
    "RUNNING",
    "STATUSES",
    "SUCCEEDED",
    "TIMED_OUT",
    "Backoff",
    "Claimant",
    "Handler",
    "Job",
    "JobCancelled",
    "JobContext",
    "JobFailed",
    "JobQueue",
    "Worker",
    "create_job_table",
    "drop_job_table",
    "job_table",
]
