"""Stream runs: a row of ``leads_runs`` plus a job of the durable queue (``leads_jobs``).

The run row keeps what to run (the stream, the pairs, the kind); the job keeps where the
work stands and its outcome (``{profilesScanned, leadsCreated}``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from segue_apps.common.ids import new_id
from segue_apps.common.jobs import FAILED, QUEUED, RUNNING, SUCCEEDED
from segue_apps.common.jobs import ops as job_ops
from segue_apps.leads.store.catalog import stream_pairs
from segue_apps.leads.store.common import dumps, iso, loads
from segue_apps.leads.store.tables import jobs, runs

RUN_KIND = "stream_run"
SYNC, RETEST, SCHEDULED = "sync", "retest", "scheduled"
_STATUS = {QUEUED: "queued", RUNNING: "running", SUCCEEDED: "completed", FAILED: "failed"}

_COLUMNS = (
    runs.c.id,
    runs.c.user_id,
    runs.c.stream_id,
    runs.c.kind,
    runs.c.pair_ids,
    runs.c.scope,
    runs.c.created_at,
    jobs.c.status,
    jobs.c.progress,
    jobs.c.result,
    jobs.c.error,
    jobs.c.updated_at,
)


def _query() -> sa.Select[Any]:
    return sa.select(*_COLUMNS).join(jobs, jobs.c.id == runs.c.job_id)


def create_run(
    conn: Connection,
    user_id: str,
    stream_id: str,
    kind: str,
    pair_ids: list[str],
    scope: dict[str, Any] | None,
    now: int,
    dedupe_key: str | None = None,
) -> Any:
    """Insert a run and queue its job in one transaction; the run's row, or None when
    ``dedupe_key`` was queued already (a schedule fired by another process)."""
    run_id = new_id()
    job = job_ops.enqueue(conn, jobs, RUN_KIND, {"run_id": run_id}, now=now, tenant=user_id,
                          dedupe_key=dedupe_key)  # fmt: skip
    if job.payload["run_id"] != run_id:
        return None
    conn.execute(runs.insert().values(id=run_id, user_id=user_id, stream_id=stream_id, kind=kind,
                                      pair_ids=dumps(pair_ids), scope=dumps(scope),
                                      job_id=job.id, created_at=now))  # fmt: skip
    return conn.execute(_query().where(runs.c.id == run_id)).one()


def get_run(conn: Connection, user_id: str, run_id: str, stream_id: str | None = None) -> Any:
    """The user's run (of ``stream_id`` when given), or None."""
    query = _query().where(runs.c.user_id == user_id, runs.c.id == run_id)
    if stream_id is not None:
        query = query.where(runs.c.stream_id == stream_id)
    return conn.execute(query).first()


def run_row(conn: Connection, run_id: str) -> Any:
    """The run's row, whoever's."""
    return conn.execute(_query().where(runs.c.id == run_id)).first()


def list_runs(conn: Connection, user_id: str, stream_id: str | None, limit: int) -> list[Any]:
    """The user's newest runs (of one stream when given)."""
    query = _query().where(runs.c.user_id == user_id)
    if stream_id is not None:
        query = query.where(runs.c.stream_id == stream_id)
    query = query.order_by(runs.c.created_at.desc(), runs.c.id.desc()).limit(limit)
    return list(conn.execute(query))


def run_body(row: Any) -> dict[str, Any]:
    """A run as the API shows it."""
    status = _STATUS.get(row.status, "failed")
    result = loads(row.result) or {}
    progress = loads(row.progress) or {}
    error = None
    if status == "failed":
        found = loads(row.error) or {}
        error = {"code": str(found.get("code", "failed")), "message": str(found.get("message", ""))}
    return {
        "id": row.id,
        "streamId": row.stream_id,
        "kind": row.kind,
        "status": status,
        "pairIds": loads(row.pair_ids),
        "scope": loads(row.scope),
        "profilesScanned": int(result.get("profilesScanned", 0)),
        "leadsCreated": int(result.get("leadsCreated", 0)),
        "createdAt": iso(row.created_at),
        "startedAt": iso(progress.get("startedAt") or result.get("startedAt")),
        "finishedAt": iso(row.updated_at) if status in ("completed", "failed") else None,
        "error": error,
    }


def run_work(conn: Connection, run_id: str) -> tuple[Any, list[Any]] | None:
    """What a run does: its row and its stream's pairs among the run's ``pair_ids`` (a
    pair removed since is skipped), each with its account and segment."""
    row = run_row(conn, run_id)
    if row is None:
        return None
    wanted = set(loads(row.pair_ids))
    return row, [p for p in stream_pairs(conn, [row.stream_id]) if p.id in wanted]
