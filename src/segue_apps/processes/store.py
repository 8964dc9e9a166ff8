"""The processes schema and every query on it (synchronous Core, run through ``db.run``).

Tenants are organisations. An organisation has agents; an agent has processes; a share
id names one process at a stage (what v1's ``/invoke/{share_id}`` runs). A run is a row
of ``processes_runs`` plus a job of the durable queue (``processes_jobs``): the run row
keeps what the caller sent, the job keeps where the work stands and its outcome.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from segue_apps.common.ids import new_id
from segue_apps.common.jobs import QUEUED, Claimant, job_table
from segue_apps.common.jobs import ops as job_ops
from segue_apps.common.jobs.job import Job, dumps
from segue_apps.common.keys import generate_key

JOBS_TABLE = "processes_jobs"
RUN_KIND = "process_run"
ECHO = "echo"
"""The built-in executor: a run's outputs are its inputs."""

metadata = sa.MetaData()
_MS = sa.BigInteger()

orgs = sa.Table(
    "processes_orgs",
    metadata,
    sa.Column("id", sa.String(21), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
)
api_keys = sa.Table(
    "processes_api_keys",
    metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("org_id", sa.String(21), sa.ForeignKey("processes_orgs.id"), nullable=False),
    sa.Column("key_prefix", sa.String(12), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
)
agents = sa.Table(
    "processes_agents",
    metadata,
    sa.Column("id", sa.String(26), primary_key=True),
    sa.Column("org_id", sa.String(21), sa.ForeignKey("processes_orgs.id"), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
)
processes = sa.Table(
    "processes_processes",
    metadata,
    sa.Column("id", sa.String(26), primary_key=True),
    sa.Column("org_id", sa.String(21), nullable=False),
    sa.Column("agent_id", sa.String(26), sa.ForeignKey("processes_agents.id"), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("executor", sa.String(64), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
    sa.Index("processes_processes_org", "org_id", "agent_id", "created_at", "id"),
)
shares = sa.Table(
    "processes_shares",
    metadata,
    sa.Column("id", sa.String(26), primary_key=True),
    sa.Column("org_id", sa.String(21), nullable=False),
    sa.Column("process_id", sa.String(26), sa.ForeignKey("processes_processes.id"), nullable=False),
    sa.Column("stage", sa.String(16), nullable=False),
)
runs = sa.Table(
    "processes_runs",
    metadata,
    sa.Column("id", sa.String(21), primary_key=True),
    sa.Column("org_id", sa.String(21), nullable=False),
    sa.Column("agent_id", sa.String(26), nullable=False),
    sa.Column("process_id", sa.String(26), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("inputs", sa.Text(), nullable=False),
    sa.Column("file_ids", sa.Text(), nullable=False),
    sa.Column("job_id", sa.String(21), nullable=False, unique=True),
    sa.Column("created_at", _MS, nullable=False),
    sa.Index("processes_runs_list", "org_id", "process_id", "agent_id", "created_at", "id"),
)
files = sa.Table(
    "processes_files",
    metadata,
    sa.Column("id", sa.String(21), primary_key=True),
    sa.Column("org_id", sa.String(21), nullable=False),
    sa.Column("agent_id", sa.String(26), nullable=True),
    sa.Column("file_name", sa.String(256), nullable=False),
    sa.Column("size", _MS, nullable=True),
    sa.Column("uploaded_at", _MS, nullable=True),
    sa.Column("created_at", _MS, nullable=False),
)
"""Revision 0003: a file is created by ``POST /v2/files``; ``uploaded_at`` and ``size``
are set once, by the one upload its signed URL allows."""
secrets = sa.Table(
    "processes_secrets",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(128), nullable=False),
)
"""Revision 0003: the service's own secrets (the upload-signing key), shared by every
server process on the database."""
SCHEMA_TABLES = [orgs, api_keys, agents, processes, shares, runs]
"""The tables of revision 0001 (the jobs table comes from 0002)."""
jobs = job_table(metadata, JOBS_TABLE)


# --------------------------------------------------------------------------- tenants


def create_tenant(conn: Connection, now: int) -> dict[str, str]:
    """A new organisation with an agent, a published demo process, its share id and a key."""
    org_id, agent_id, process_id, share_id = new_id(), new_id(), new_id(), new_id()
    key = generate_key()
    conn.execute(orgs.insert().values(id=org_id, name="Default", created_at=now))
    conn.execute(
        api_keys.insert().values(
            key_hash=key.key_hash, org_id=org_id, key_prefix=key.key_prefix, created_at=now
        )
    )
    conn.execute(
        agents.insert().values(id=agent_id, org_id=org_id, name="Demo agent", created_at=now)
    )
    conn.execute(
        processes.insert().values(
            id=process_id,
            org_id=org_id,
            agent_id=agent_id,
            name="Echo inputs",
            stage="Published",
            executor=ECHO,
            created_at=now,
        )
    )
    conn.execute(
        shares.insert().values(id=share_id, org_id=org_id, process_id=process_id, stage="Published")
    )
    return {
        "api_key": key.key,
        "agent_id": agent_id,
        "process_id": process_id,
        "share_id": share_id,
    }


# The statements every run's create and poll take, built once with bound parameters:
# building a Core statement per call cost more CPU than the database spent running it.
_KEY_OWNER = sa.select(api_keys.c.key_hash, api_keys.c.org_id).where(
    api_keys.c.key_hash == sa.bindparam("key_hash")
)
_GET_PROCESS = sa.select(processes).where(
    processes.c.org_id == sa.bindparam("org_id"), processes.c.id == sa.bindparam("process_id")
)
_INSERT_RUN = runs.insert()


def key_owner(conn: Connection, key_hash: str) -> Any:
    """``(key_hash, org_id)`` of a stored key, or None."""
    return conn.execute(_KEY_OWNER, {"key_hash": key_hash}).first()


# --------------------------------------------------------------------------- processes


def _process(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "agent_id": row.agent_id, "stage": row.stage}


def get_process(conn: Connection, org_id: str, process_id: str) -> Any:
    """The process row, or None (also for another organisation's)."""
    return conn.execute(_GET_PROCESS, {"org_id": org_id, "process_id": process_id}).first()


def process_body(row: Any) -> dict[str, Any]:
    """A process as the API shows it."""
    return _process(row)


def agent_exists(conn: Connection, org_id: str, agent_id: str) -> bool:
    """Whether ``agent_id`` is an agent of ``org_id``."""
    query = sa.select(agents.c.id).where(agents.c.org_id == org_id, agents.c.id == agent_id)
    return conn.execute(query).first() is not None


def list_processes(
    conn: Connection, org_id: str, agent_id: str | None, after: tuple[int, str] | None, limit: int
) -> tuple[list[dict[str, Any]], tuple[int, str] | None]:
    """A page of processes, oldest first, and the sort key to continue after (or None)."""
    query = sa.select(processes).where(processes.c.org_id == org_id)
    if agent_id is not None:
        query = query.where(processes.c.agent_id == agent_id)
    if after is not None:
        query = query.where(sa.tuple_(processes.c.created_at, processes.c.id) > sa.tuple_(*after))
    query = query.order_by(processes.c.created_at, processes.c.id).limit(limit + 1)
    found = conn.execute(query).all()
    more = len(found) > limit
    page = found[:limit]
    return [_process(r) for r in page], (page[-1].created_at, page[-1].id) if more else None


def find_share(conn: Connection, org_id: str, share_id: str) -> Any:
    """``(id, process_id, stage, agent_id, name)`` of a share, or None."""
    query = (
        sa.select(shares.c.id, shares.c.process_id, shares.c.stage)
        .add_columns(processes.c.agent_id, processes.c.name)
        .join(processes, processes.c.id == shares.c.process_id)
        .where(shares.c.org_id == org_id, shares.c.id == share_id)
    )
    return conn.execute(query).first()


# --------------------------------------------------------------------------- runs

_RUN_COLUMNS = (
    runs.c.id,
    runs.c.agent_id,
    runs.c.process_id,
    runs.c.name,
    runs.c.stage,
    runs.c.file_ids,
    runs.c.created_at,
    jobs.c.status,
    jobs.c.attempts,
    jobs.c.cancel_requested,
    jobs.c.result,
    jobs.c.error,
)


def _run_query() -> sa.Select[Any]:
    return sa.select(*_RUN_COLUMNS).join(jobs, jobs.c.id == runs.c.job_id)


_GET_RUN = _run_query().where(
    runs.c.org_id == sa.bindparam("org_id"), runs.c.id == sa.bindparam("run_id")
)


def create_run(
    conn: Connection,
    org_id: str,
    process: Any,
    name: str,
    stage: str,
    inputs: list[dict[str, Any]],
    attached: list[dict[str, Any]],
    now: int,
    claimant: Claimant | None = None,
) -> tuple[Any, Job]:
    """Insert a run and queue its job in one transaction; return the run's row and job.

    ``attached`` is the run's files as :func:`attachable_files` gives them. With a
    ``claimant`` the job is inserted claimed by that worker (see
    :meth:`~segue_apps.common.jobs.Worker.reserve`).
    """
    run_id = new_id()
    payload = {
        "run_id": run_id,
        "executor": process.executor,
        "inputs": inputs,
        "files": attached,
    }
    job = job_ops.enqueue(conn, jobs, RUN_KIND, payload, now=now, tenant=org_id,
                          claimant=claimant)  # fmt: skip
    values = {
        "id": run_id,
        "org_id": org_id,
        "agent_id": process.agent_id,
        "process_id": process.id,
        "name": name,
        "stage": stage,
        "inputs": dumps(inputs),
        "file_ids": dumps([f["id"] for f in attached]),
        "job_id": job.id,
        "created_at": now,
    }
    conn.execute(_INSERT_RUN, values)
    row = {
        **values,
        # The create answer says Created (as the seed shows), whether or not this
        # process's worker took the job in the same transaction.
        "status": QUEUED,
        "attempts": 0,
        "cancel_requested": False,
        "result": None,
        "error": None,
    }
    return SimpleNamespace(**row), job


def get_run(conn: Connection, org_id: str, run_id: str) -> Any:
    """The run's row (with its job's state), or None (also for another organisation's)."""
    return conn.execute(_GET_RUN, {"org_id": org_id, "run_id": run_id}).first()


def cancel_run(conn: Connection, org_id: str, run_id: str, now: int) -> Any:
    """Cancel the run's job (a finished one is left as is) and return the run's row."""
    found = conn.execute(
        sa.select(runs.c.job_id).where(runs.c.org_id == org_id, runs.c.id == run_id)
    ).first()
    if found is None:
        return None
    job_ops.cancel(conn, jobs, found.job_id, now=now, tenant=org_id)
    return get_run(conn, org_id, run_id)


def list_runs(
    conn: Connection,
    org_id: str,
    process_id: str,
    agent_id: str,
    stage: str | None,
    before: tuple[int, str] | None,
    limit: int,
) -> tuple[list[Any], tuple[int, str] | None]:
    """A page of runs, newest first, and the sort key to continue before (or None)."""
    query = _run_query().where(
        runs.c.org_id == org_id, runs.c.process_id == process_id, runs.c.agent_id == agent_id
    )
    if stage is not None:
        query = query.where(runs.c.stage == stage)
    if before is not None:
        query = query.where(sa.tuple_(runs.c.created_at, runs.c.id) < sa.tuple_(*before))
    query = query.order_by(runs.c.created_at.desc(), runs.c.id.desc()).limit(limit + 1)
    found = conn.execute(query).all()
    more = len(found) > limit
    page = found[:limit]
    return list(page), (page[-1].created_at, page[-1].id) if more else None


def ping(conn: Connection) -> None:
    """Read from the database (for the health check)."""
    conn.execute(sa.select(sa.func.count()).select_from(orgs).limit(1)).scalar_one()


# --------------------------------------------------------------------------- files

UPLOAD_SECRET = "upload_signing_key"


def upload_secret(conn: Connection, fresh: str) -> str:
    """The upload-signing secret, stored as ``fresh`` the first time it is asked for."""
    query = sa.select(secrets.c.value).where(secrets.c.name == UPLOAD_SECRET)
    found = conn.execute(query).scalar_one_or_none()
    if found is not None:
        return str(found)
    conn.execute(secrets.insert().values(name=UPLOAD_SECRET, value=fresh))
    return fresh


def create_file(
    conn: Connection, org_id: str, agent_id: str | None, file_name: str, now: int
) -> str:
    """A file waiting for its upload; returns its id."""
    file_id = new_id()
    conn.execute(
        files.insert().values(
            id=file_id, org_id=org_id, agent_id=agent_id, file_name=file_name, created_at=now
        )
    )
    return file_id


def claim_upload(conn: Connection, file_id: str, size: int) -> bool:
    """Claim the file for the upload of ``size`` bytes staged now; False if another upload
    has claimed it already (its URL works once).

    The file is not attachable until :func:`finish_upload`: its bytes are moved into place
    between the two. :func:`release_upload` gives the claim up when that move fails.
    """
    claimed = conn.execute(
        files.update()
        .where(files.c.id == file_id, files.c.uploaded_at.is_(None), files.c.size.is_(None))
        .values(size=size)
    )
    return claimed.rowcount == 1


def finish_upload(conn: Connection, file_id: str, now: int) -> None:
    """Mark a claimed file uploaded: runs may now attach it."""
    conn.execute(files.update().where(files.c.id == file_id).values(uploaded_at=now))


def release_upload(conn: Connection, file_id: str) -> None:
    """Give up a claim whose bytes could not be stored: the URL works again."""
    conn.execute(
        files.update().where(files.c.id == file_id, files.c.uploaded_at.is_(None)).values(size=None)
    )


def attachable_files(conn: Connection, org_id: str, file_ids: list[str]) -> list[dict[str, Any]]:
    """``[{id, file_name, size}]`` of ``file_ids`` in order (no query for none).

    Raises:
        LookupError: a file is unknown or another organisation's (its id the argument).
        ValueError: a file was never uploaded (its id the argument).
    """
    if not file_ids:
        return []
    query = sa.select(files).where(files.c.org_id == org_id, files.c.id.in_(set(file_ids)))
    found = {row.id: row for row in conn.execute(query)}
    out = []
    for file_id in file_ids:
        row = found.get(file_id)
        if row is None:
            raise LookupError(file_id)
        if row.uploaded_at is None:
            raise ValueError(file_id)
        out.append({"id": row.id, "file_name": row.file_name, "size": row.size})
    return out
