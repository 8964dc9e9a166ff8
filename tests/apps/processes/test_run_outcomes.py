"""Runs that fail, time out or are cancelled while running, over HTTP (v2 and v1).

The service runs with :mod:`tests.apps.processes.executors` plugged in through the
``executors`` service option, a 1 s run time limit and a 300 ms lease (a cancel reaches a
running run within 100 ms).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from tests.apps.processes.conftest import Env, Tenant
from tests.apps.processes.executors import PATH

from segue.tooling import ServiceOptions
from segue_apps.common.db import create_database
from segue_apps.processes import store
from segue_apps.processes.service import create_newest_app, versioned

FINAL = {"Succeeded", "Failed", "Cancelled", "TimedOut"}
LIMIT_MS = 1000


@pytest.fixture
async def env(db_url: str, tmp_path: Path) -> AsyncIterator[Env]:
    """The service with test executors, a short time limit and a short lease."""
    extra = {"executors": PATH, "run_time_limit_ms": LIMIT_MS, "lease_ms": 300, "poll_ms": 20,
             "upload_dir": str(tmp_path / "files")}  # fmt: skip
    app = create_newest_app(ServiceOptions(db_url=db_url, extra=extra))
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    made = Env(versioned(app), db_url, tmp_path / "files")
    try:
        yield made
    finally:
        for client in made.clients:
            await client.aclose()
        await lifespan.__aexit__(None, None, None)


def _run(tenant: Tenant, inputs: Any) -> dict[str, Any]:
    return {"agent_id": tenant.agent_id, "process_id": tenant.process_id, "name": "Scripted",
            "stage": "Published", "inputs": inputs}  # fmt: skip


async def _status(client: httpx.AsyncClient, run_id: str, wanted: set[str]) -> dict[str, Any]:
    for _ in range(300):
        answer = await client.get(f"/v2/runs/{run_id}")
        assert answer.status_code == 200, answer.text
        if answer.json()["status"] in wanted:
            return dict(answer.json())
        await asyncio.sleep(0.02)
    raise AssertionError(f"run {run_id} never reached {wanted}")


async def _job(db_url: str, run_id: str) -> Any:
    db = create_database(db_url)
    try:
        query = (
            sa.select(store.jobs.c.status, store.jobs.c.attempts, store.jobs.c.error)
            .join(store.runs, store.runs.c.job_id == store.jobs.c.id)
            .where(store.runs.c.id == run_id)
        )
        return await db.run(lambda conn: conn.execute(query).one())
    finally:
        await db.dispose()


async def _v1_state(client: httpx.AsyncClient, run_id: str) -> Any:
    answer = await client.get(f"/v1/run/{run_id}")
    assert answer.status_code == 200
    return answer.json()


async def test_a_raising_executor_fails_the_run_once(env: Env, tenant: Tenant) -> None:
    created = await tenant.client.post("/v2/runs", json=_run(tenant, {"raise": "boom"}))
    assert created.status_code == 201
    run = created.json()
    done = await _status(tenant.client, run["id"], FINAL)
    error = {"code": "executor_error", "message": "RuntimeError: boom"}
    assert done == run | {"status": "Failed", "error": error}
    assert await _v1_state(tenant.client, run["id"]) == {"state": "error", "answer": None}
    job = await _job(env.db_url, run["id"])
    assert (job.status, job.attempts) == ("failed", 1)  # not retried: it would raise again


async def test_a_run_past_its_time_limit_times_out(env: Env, tenant: Tenant) -> None:
    created = await tenant.client.post("/v2/runs", json=_run(tenant, {"sleep": 30}))
    run = created.json()
    await _status(tenant.client, run["id"], {"Running"})
    done = await _status(tenant.client, run["id"], FINAL)
    message = f"the handler ran past its time limit of {LIMIT_MS} ms"
    assert done == run | {"status": "TimedOut", "error": {"code": "timed_out", "message": message}}
    assert await _v1_state(tenant.client, run["id"]) == {"state": "error", "answer": None}


async def test_cancelling_a_running_run(env: Env, tenant: Tenant) -> None:
    created = await tenant.client.post("/v2/runs", json=_run(tenant, {"sleep": 30}))
    run = created.json()
    await _status(tenant.client, run["id"], {"Running"})
    cancelled = await tenant.client.post(f"/v2/runs/{run['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json() == run | {"status": "Cancelled"}
    await asyncio.sleep(LIMIT_MS * 1.5 / 1000)  # past the time limit: still cancelled
    assert (await tenant.client.get(f"/v2/runs/{run['id']}")).json() == cancelled.json()
    job = await _job(env.db_url, run["id"])
    assert (job.status, job.attempts) == ("cancelled", 1)
    assert await _v1_state(tenant.client, run["id"]) == {"state": "error", "answer": None}
    again = await tenant.client.post(f"/v2/runs/{run['id']}/cancel")
    assert again.status_code == 409
