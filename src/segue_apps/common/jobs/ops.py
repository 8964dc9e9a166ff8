"""The queue's operations as synchronous Core functions over one connection.

Each runs inside the caller's transaction: through :meth:`Database.run` (what
:class:`~segue_apps.common.jobs.JobQueue` does), or inside a service's own transaction so
that a job is enqueued, or cancelled, atomically with the service's rows (a run and its job
commit together or not at all). Writes need the write path (``write=True``).

Claims take rows that no one else can take at the same time: on PostgreSQL the candidate
rows are locked with ``FOR UPDATE SKIP LOCKED`` (a concurrent claim passes over them); on
SQLite the whole transaction holds the database's write lock (``BEGIN IMMEDIATE``). A claim
stamps the job with the worker's name and a new attempt number; :func:`renew`,
:func:`succeed` and :func:`fail` act only while both still match, so a worker whose lease
expired and was taken over can no longer touch the job.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from segue_apps.common.ids import new_id
from segue_apps.common.jobs.job import JSON, Job, dumps
from segue_apps.common.jobs.table import CANCELLED, FAILED, QUEUED, RUNNING, SUCCEEDED

LEASE_EXPIRED = "lease_expired"
"""The error code of a job whose last attempt's worker vanished with no attempt left."""
UNCHANGED: Any = object()
"""The default of :func:`renew`'s ``progress``: leave the recorded progress as it is."""


def enqueue(
    conn: Connection,
    table: sa.Table,
    kind: str,
    payload: JSON = None,
    *,
    now: int,
    tenant: str | None = None,
    run_after: int | None = None,
    max_attempts: int = 3,
    dedupe_key: str | None = None,
) -> Job:
    """Insert a queued job and return it; for a known ``dedupe_key``, return that job.

    ``run_after`` (ms since the epoch) defaults to ``now``. A dedupe key is unique for the
    life of the row, finished or not: enqueueing ``schedule:<id>:<due time>`` from every
    process makes one job (``INSERT … ON CONFLICT DO NOTHING``, then a read of the winner).
    Keys are unique across the whole table, whatever the kind or tenant: a key built from
    client input must include the tenant, or one tenant could be handed another's job.
    """
    if not kind:
        raise ValueError("a job needs a kind")
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be at least 1, not {max_attempts}")
    values = {
        "id": new_id(),
        "kind": kind,
        "tenant": tenant,
        "payload": dumps(payload),
        "status": QUEUED,
        "attempts": 0,
        "max_attempts": max_attempts,
        "run_after": now if run_after is None else run_after,
        "cancel_requested": False,
        "dedupe_key": dedupe_key,
        "created_at": now,
        "updated_at": now,
    }
    if dedupe_key is None:
        return Job.from_row(conn.execute(table.insert().values(values).returning(*table.c)).one())
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(values)
        .on_conflict_do_nothing(index_elements=[table.c.dedupe_key])
        .returning(*table.c)
    )
    row = conn.execute(statement).first()
    if row is None:  # the key is known: the first enqueue's job (committed, or ours to wait on)
        row = conn.execute(sa.select(table).where(table.c.dedupe_key == dedupe_key)).one()
    return Job.from_row(row)


def _pick(conn: Connection, table: sa.Table, *where: Any, limit: int | None = None) -> Any:
    """``id IN (…)``: the ids matching ``where`` that no concurrent claim holds."""
    ids = sa.select(table.c.id).where(*where).order_by(table.c.run_after).limit(limit)
    if conn.dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    return table.c.id.in_(ids.scalar_subquery())


def claim(
    conn: Connection,
    table: sa.Table,
    kinds: Collection[str],
    worker: str,
    *,
    now: int,
    lease_ms: int,
    limit: int = 1,
) -> list[Job]:
    """Take up to ``limit`` jobs of ``kinds`` for ``worker``, leased until ``now + lease_ms``.

    Claimable are queued jobs whose ``run_after`` has come and running jobs whose lease has
    expired (their worker was killed, or lost the database for longer than the lease). Each
    claim counts as an attempt. Oldest ``run_after`` first.

    An expired job that must not run again is ended by the same statement instead: one
    cancelled while it ran is ``cancelled``, one with no attempt left is ``failed`` with
    :data:`LEASE_EXPIRED` (it killed its worker, or was stuck, ``max_attempts`` times).
    """
    if not kinds or limit < 1:
        return []
    c = table.c
    due = sa.or_(
        sa.and_(c.status == QUEUED, c.run_after <= now),
        sa.and_(c.status == RUNNING, c.lease_until <= now),
    )
    # Only an expired running job can be flagged or out of attempts: a queued one is
    # cancelled at once, and fail() queues a job again only while it has attempts left.
    flagged, spent = c.cancel_requested, c.attempts >= c.max_attempts
    ends = sa.or_(flagged, spent)
    error = {"code": LEASE_EXPIRED, "message": "its worker stopped renewing the lease"}
    statement = (
        table.update()
        .where(_pick(conn, table, due, c.kind.in_(kinds), limit=limit))
        .values(
            status=sa.case((flagged, CANCELLED), (spent, FAILED), else_=sa.literal(RUNNING)),
            attempts=sa.case((ends, c.attempts), else_=c.attempts + 1),
            worker=sa.case((ends, c.worker), else_=sa.literal(worker)),
            lease_until=sa.case((ends, sa.null()), else_=sa.literal(now + lease_ms)),
            error=sa.case((flagged, c.error), (spent, sa.literal(dumps(error))), else_=c.error),
            updated_at=now,
        )
        .returning(*table.c)
    )
    rows = [Job.from_row(row) for row in conn.execute(statement)]
    jobs = [job for job in rows if job.status == RUNNING]
    return sorted(jobs, key=lambda job: (job.run_after, job.created_at))


def _held(table: sa.Table, job: Job) -> tuple[Any, ...]:
    """The job is still running under the claim ``job`` came from."""
    c = table.c
    return (
        c.id == job.id,
        c.status == RUNNING,
        c.worker == job.worker,
        c.attempts == job.attempts,
    )


def renew(
    conn: Connection,
    table: sa.Table,
    job: Job,
    *,
    now: int,
    lease_ms: int,
    progress: JSON = UNCHANGED,
) -> bool:
    """Extend the lease of the claimed ``job`` to ``now + lease_ms``, recording ``progress``
    when given; False (and nothing written) if it was cancelled or is no longer held."""
    values: dict[str, Any] = {"lease_until": now + lease_ms, "updated_at": now}
    if progress is not UNCHANGED:
        values["progress"] = dumps(progress)
    statement = (
        table.update().where(*_held(table, job), sa.not_(table.c.cancel_requested)).values(values)
    )
    return bool(conn.execute(statement).rowcount == 1)


def _finish(conn: Connection, table: sa.Table, job: Job, values: Mapping[str, Any]) -> Job | None:
    statement = table.update().where(*_held(table, job)).values(values).returning(*table.c)
    row = conn.execute(statement).first()
    return None if row is None else Job.from_row(row)


def succeed(
    conn: Connection, table: sa.Table, job: Job, result: JSON = None, *, now: int
) -> Job | None:
    """Record the claimed ``job`` as succeeded with ``result`` and return it.

    If a cancel arrived meanwhile the job ends cancelled instead (and keeps no result).
    None, with nothing written, when the claim no longer holds (another worker took the
    job after this one's lease expired: that worker's outcome is the one that counts).
    """
    cancelled = table.c.cancel_requested
    return _finish(
        conn,
        table,
        job,
        {
            "status": sa.case((cancelled, CANCELLED), else_=sa.literal(SUCCEEDED)),
            "result": sa.case((cancelled, sa.null()), else_=sa.literal(dumps(result))),
            "lease_until": None,
            "updated_at": now,
        },
    )


def fail(
    conn: Connection,
    table: sa.Table,
    job: Job,
    error: JSON,
    *,
    now: int,
    retry_in_ms: int | None,
) -> Job | None:
    """Record ``error`` on the claimed ``job``: queued again ``retry_in_ms`` from ``now`` while
    it has attempts left (``retry_in_ms=None``: never), else failed. Returns the job.

    A job whose cancel arrived meanwhile ends cancelled. None, with nothing written, when
    the claim no longer holds (see :func:`succeed`).
    """
    c = table.c
    retry = retry_in_ms is not None and job.attempts < job.max_attempts
    values: dict[str, Any] = {
        "status": sa.case((c.cancel_requested, CANCELLED), else_=sa.literal(FAILED)),
        "error": dumps(error),
        "lease_until": None,
        "updated_at": now,
    }
    if retry:
        assert retry_in_ms is not None
        values["status"] = sa.case((c.cancel_requested, CANCELLED), else_=sa.literal(QUEUED))
        values["run_after"] = sa.case(
            (c.cancel_requested, c.run_after), else_=sa.literal(now + retry_in_ms)
        )
        values["worker"] = sa.case((c.cancel_requested, c.worker), else_=sa.null())
    return _finish(conn, table, job, values)


def cancel(
    conn: Connection, table: sa.Table, job_id: str, *, now: int, tenant: str | None = None
) -> Job | None:
    """Cancel a job and return it (None if there is no such job, or not ``tenant``'s).

    A queued job, or a running one whose lease has already expired, is cancelled at once. A
    running job is flagged: its worker learns at its next renewal (within a third of the
    lease) or completion, stops the handler, and the job ends cancelled; should the worker
    be gone, the next claim after the lease expires ends it. A finished job is unchanged.
    """
    c = table.c
    at_once = sa.or_(c.status == QUEUED, c.lease_until <= now)
    statement = (
        table.update()
        .where(*_owned(table, job_id, tenant), c.status.in_([QUEUED, RUNNING]))
        .values(
            status=sa.case((at_once, CANCELLED), else_=c.status),
            lease_until=sa.case((at_once, sa.null()), else_=c.lease_until),
            cancel_requested=True,
            updated_at=now,
        )
        .returning(*table.c)
    )
    row = conn.execute(statement).first()
    return get(conn, table, job_id, tenant=tenant) if row is None else Job.from_row(row)


def _owned(table: sa.Table, job_id: str, tenant: str | None) -> tuple[Any, ...]:
    where = (table.c.id == job_id,)
    return where if tenant is None else (*where, table.c.tenant == tenant)


def get(conn: Connection, table: sa.Table, job_id: str, *, tenant: str | None = None) -> Job | None:
    """The job ``job_id`` (None if there is none, or, given ``tenant``, not that tenant's)."""
    row = conn.execute(sa.select(table).where(*_owned(table, job_id, tenant))).first()
    return None if row is None else Job.from_row(row)


def list_jobs(
    conn: Connection,
    table: sa.Table,
    *,
    tenant: str | None = None,
    kind: str | None = None,
    statuses: Collection[str] | None = None,
    limit: int = 100,
) -> list[Job]:
    """The newest ``limit`` jobs, filtered by whichever of ``tenant``, ``kind`` and
    ``statuses`` are given."""
    c = table.c
    where = [
        *([] if tenant is None else [c.tenant == tenant]),
        *([] if kind is None else [c.kind == kind]),
        *([] if statuses is None else [c.status.in_(statuses)]),
    ]
    statement = (
        sa.select(table).where(*where).order_by(c.created_at.desc(), c.id.desc()).limit(limit)
    )
    return [Job.from_row(row) for row in conn.execute(statement)]
