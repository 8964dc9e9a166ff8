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

from collections.abc import Collection
from typing import Any, NamedTuple

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


class Claimant(NamedTuple):
    """A worker taking a job as it is enqueued (see :meth:`Worker.reserve
    <segue_apps.common.jobs.Worker.reserve>`)."""

    worker: str
    lease_ms: int


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
    claimant: Claimant | None = None,
) -> Job:
    """Insert a queued job and return it; for a known ``dedupe_key``, return that job.

    With a ``claimant`` (and no ``dedupe_key`` or ``run_after``) the job is inserted
    already claimed by it, as if its first claim had happened in the same transaction:
    ``running``, attempt 1, leased for ``claimant.lease_ms``. The claimant's worker then
    runs it without a claim of its own (and, should that worker die first, the lease
    expires and any worker takes the job again).

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
    if claimant is not None and (dedupe_key is not None or run_after is not None):
        raise ValueError("a job enqueued claimed takes neither a dedupe key nor a delay")
    values = {
        "id": new_id(),
        "kind": kind,
        "tenant": tenant,
        "payload": dumps(payload),
        "status": QUEUED if claimant is None else RUNNING,
        "attempts": 0 if claimant is None else 1,
        "max_attempts": max_attempts,
        "run_after": now if run_after is None else run_after,
        "lease_until": None if claimant is None else now + claimant.lease_ms,
        "worker": None if claimant is None else claimant.worker,
        "cancel_requested": False,
        "progress": None,
        "result": None,
        "error": None,
        "dedupe_key": dedupe_key,
        "created_at": now,
        "updated_at": now,
    }
    built = _statements(conn, table)
    if dedupe_key is None:  # every value is ours: no need to read the row back
        conn.execute(built.insert, values)
        return Job.from_values(values)
    row = conn.execute(built.insert_once, values).first()
    if row is None:  # the key is known: the first enqueue's job (committed, or ours to wait on)
        row = conn.execute(built.by_dedupe_key, {"p_dedupe_key": dedupe_key}).one()
    return Job.from_row(row)


class _Statements:
    """The insert, claim, renew and completion statements of one jobs table, built once.

    Building a Core statement on each call (coercing every clause) cost more CPU than
    running it: these take their values as bound parameters instead, so a call skips the
    building and finds the compiled form in SQLAlchemy's statement cache.
    """

    def __init__(self, table: sa.Table, dialect: str) -> None:
        c = table.c
        self.insert = table.insert()
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.insert_once = (
            insert(table).on_conflict_do_nothing(index_elements=[c.dedupe_key]).returning(*c)
        )
        self.by_dedupe_key = sa.select(table).where(
            c.dedupe_key == sa.bindparam("p_dedupe_key", type_=c.dedupe_key.type)
        )
        now = sa.bindparam("p_now", type_=sa.BigInteger())
        due = sa.or_(
            sa.and_(c.status == QUEUED, c.run_after <= now),
            sa.and_(c.status == RUNNING, c.lease_until <= now),
        )
        ids = (
            sa.select(c.id)
            .where(due, c.kind.in_(sa.bindparam("p_kinds", expanding=True)))
            .order_by(c.run_after)
            .limit(sa.bindparam("p_limit", type_=sa.Integer()))
        )
        if dialect == "postgresql":  # PostgreSQL: pass over the rows a concurrent claim holds
            ids = ids.with_for_update(skip_locked=True)
        # Only an expired running job can be flagged or out of attempts: a queued one is
        # cancelled at once, and fail() queues a job again only while it has attempts left.
        flagged, spent = c.cancel_requested, c.attempts >= c.max_attempts
        ends = sa.or_(flagged, spent)
        lease_until = sa.bindparam("p_lease_until", type_=sa.BigInteger())
        worker = sa.bindparam("p_worker", type_=c.worker.type)
        self.claim = (
            table.update()
            .where(c.id.in_(ids.scalar_subquery()))
            .values(
                status=sa.case((flagged, CANCELLED), (spent, FAILED), else_=sa.literal(RUNNING)),
                attempts=sa.case((ends, c.attempts), else_=c.attempts + 1),
                worker=sa.case((ends, c.worker), else_=worker),
                lease_until=sa.case((ends, sa.null()), else_=lease_until),
                error=sa.case((flagged, c.error), (spent, sa.literal(_EXPIRED)), else_=c.error),
                updated_at=now,
            )
            .returning(*table.c)
        )
        held = (  # the claim the job came from still holds (its fencing token)
            c.id == sa.bindparam("p_job_id", type_=c.id.type),
            c.status == RUNNING,
            c.worker == sa.bindparam("p_job_worker", type_=c.worker.type),
            c.attempts == sa.bindparam("p_job_attempts", type_=c.attempts.type),
        )
        renew = table.update().where(*held, sa.not_(c.cancel_requested))
        self.renew = renew.values(lease_until=lease_until, updated_at=now)
        self.renew_progress = renew.values(
            lease_until=lease_until,
            updated_at=now,
            progress=sa.bindparam("p_progress", type_=c.progress.type),
        )
        cancelled = c.cancel_requested
        finish = table.update().where(*held).returning(*table.c)
        result = sa.bindparam("p_result", type_=c.result.type)
        self.succeed = finish.values(
            status=sa.case((cancelled, CANCELLED), else_=sa.literal(SUCCEEDED)),
            result=sa.case((cancelled, sa.null()), else_=result),
            lease_until=None,
            updated_at=now,
        )
        error = sa.bindparam("p_error", type_=c.error.type)
        self.fail = finish.values(
            status=sa.case((cancelled, CANCELLED), else_=sa.literal(FAILED)),
            error=error,
            lease_until=None,
            updated_at=now,
        )
        run_after = sa.bindparam("p_run_after", type_=sa.BigInteger())
        self.retry = finish.values(
            status=sa.case((cancelled, CANCELLED), else_=sa.literal(QUEUED)),
            error=error,
            lease_until=None,
            updated_at=now,
            run_after=sa.case((cancelled, c.run_after), else_=run_after),
            worker=sa.case((cancelled, c.worker), else_=sa.null()),
        )


_EXPIRED = dumps({"code": LEASE_EXPIRED, "message": "its worker stopped renewing the lease"})
_built: dict[tuple[sa.Table, str], _Statements] = {}


def _statements(conn: Connection, table: sa.Table) -> _Statements:
    """The statements of ``table`` for ``conn``'s dialect, built at the first call."""
    key = (table, conn.dialect.name)
    found = _built.get(key)
    if found is None:
        found = _built[key] = _Statements(table, key[1])
    return found


def _held(job: Job) -> dict[str, Any]:
    """The parameters naming the claim ``job`` came from (its fencing token)."""
    return {"p_job_id": job.id, "p_job_worker": job.worker, "p_job_attempts": job.attempts}


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
    parameters = {
        "p_now": now,
        "p_kinds": list(kinds),
        "p_limit": limit,
        "p_worker": worker,
        "p_lease_until": now + lease_ms,
    }
    claimed = conn.execute(_statements(conn, table).claim, parameters)
    jobs = [job for job in map(Job.from_row, claimed) if job.status == RUNNING]
    return sorted(jobs, key=lambda job: (job.run_after, job.created_at))


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
    built = _statements(conn, table)
    parameters = {**_held(job), "p_now": now, "p_lease_until": now + lease_ms}
    if progress is UNCHANGED:
        return bool(conn.execute(built.renew, parameters).rowcount == 1)
    parameters["p_progress"] = dumps(progress)
    return bool(conn.execute(built.renew_progress, parameters).rowcount == 1)


def _finish(conn: Connection, statement: Any, job: Job, parameters: dict[str, Any]) -> Job | None:
    row = conn.execute(statement, {**_held(job), **parameters}).first()
    return None if row is None else Job.from_row(row)


def succeed(
    conn: Connection, table: sa.Table, job: Job, result: JSON = None, *, now: int
) -> Job | None:
    """Record the claimed ``job`` as succeeded with ``result`` and return it.

    If a cancel arrived meanwhile the job ends cancelled instead (and keeps no result).
    None, with nothing written, when the claim no longer holds (another worker took the
    job after this one's lease expired: that worker's outcome is the one that counts).
    """
    statement = _statements(conn, table).succeed
    return _finish(conn, statement, job, {"p_now": now, "p_result": dumps(result)})


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
    built = _statements(conn, table)
    parameters = {"p_now": now, "p_error": dumps(error)}
    if retry_in_ms is None or job.attempts >= job.max_attempts:
        return _finish(conn, built.fail, job, parameters)
    return _finish(conn, built.retry, job, {**parameters, "p_run_after": now + retry_in_ms})


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
