"""Runs as durable work, with real ``segue serve processes`` servers on 127.0.0.1.

- A server SIGKILLed while a run executes, restarted on the same database: the run is
  taken again once its lease (1 s here) expires and succeeds; nothing stays ``Running``.
- Two servers on one PostgreSQL database: 50 runs created across both each execute
  exactly once (counted by the executor itself, and by the job's attempts).

The servers run :mod:`tests.apps.processes.executors` (``--executors``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from tests.apps.conftest import PG_URL, fresh_pg_database
from tests.apps.processes.executors import LOG, PATH
from tests.apps.processes.test_runs import NO_FILES
from tests.apps.servers import server

from segue.tooling import ServiceOptions
from segue_apps.common.db import create_database
from segue_apps.processes import store
from segue_apps.processes.service import bootstrap

ROOT = str(Path(__file__).resolve().parents[3])
FINAL = {"Succeeded", "Failed", "Cancelled", "TimedOut"}


FLAGS = ("--executors", PATH, "--lease-ms", "1000", "--poll-ms", "50")


def _env(**more: str) -> dict[str, str]:
    return {"PYTHONPATH": ROOT, **more}


def _run(made: dict[str, str], inputs: Any) -> dict[str, Any]:
    return {"agent_id": made["agent_id"], "process_id": made["process_id"], "name": "Scripted",
            "stage": "Published", "inputs": inputs}  # fmt: skip


async def _settled(client: httpx.AsyncClient, run_id: str, seconds: float) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        body = dict((await client.get(f"/v2/runs/{run_id}")).json())
        if body["status"] in FINAL:
            return body
        assert asyncio.get_running_loop().time() < deadline, f"stuck: {body}"
        await asyncio.sleep(0.05)


async def _jobs(db_url: str) -> list[Any]:
    db = create_database(db_url)
    try:
        query = sa.select(store.jobs.c.status, store.jobs.c.attempts, store.jobs.c.worker)
        return await db.run(lambda conn: list(conn.execute(query)))
    finally:
        await db.dispose()


async def test_a_run_killed_mid_execution_is_taken_again(db_url: str) -> None:
    made = await bootstrap(ServiceOptions(db_url=db_url))
    headers = {"x-api-key": made["api_key"]}
    inputs = [{"name": "sleep", "value": 1}, {"name": "k", "value": "v"}]
    with server("processes", db_url, *FLAGS, env=_env()) as first:
        async with httpx.AsyncClient(base_url=first.url, headers=headers) as client:
            created = await client.post("/v2/runs", json=_run(made, inputs))
            assert created.status_code == 201, created.text
            run = created.json()
            for _ in range(100):
                if (await client.get(f"/v2/runs/{run['id']}")).json()["status"] == "Running":
                    break
                await asyncio.sleep(0.02)
            else:
                raise AssertionError("the run never started")
        first.kill()
    with server("processes", db_url, *FLAGS, env=_env()) as second:
        async with httpx.AsyncClient(base_url=second.url, headers=headers) as client:
            done = await _settled(client, run["id"], 15)
    assert done == run | {"status": "Succeeded", "outputs": inputs + NO_FILES}
    [job] = await _jobs(db_url)
    assert (job.status, job.attempts) == ("succeeded", 2)


@pytest.mark.skipif(PG_URL is None, reason="needs SEGUE_TEST_PG_URL")
async def test_two_servers_run_each_run_exactly_once(tmp_path: Path) -> None:
    log = tmp_path / "executions"
    async with fresh_pg_database() as db_url:
        made = await bootstrap(ServiceOptions(db_url=db_url))
        headers = {"x-api-key": made["api_key"]}
        env = _env(**{LOG: str(log)})
        with (
            server("processes", db_url, *FLAGS, env=env) as a,
            server("processes", db_url, *FLAGS, env=env) as b,
        ):
            clients = [httpx.AsyncClient(base_url=s.url, headers=headers) for s in (a, b)]
            try:
                inputs = [[{"name": "i", "value": i}, {"name": "sleep", "value": 0.05}]
                          for i in range(50)]  # fmt: skip
                posts = [clients[i % 2].post("/v2/runs", json=_run(made, x))
                         for i, x in enumerate(inputs)]  # fmt: skip
                created = await asyncio.gather(*posts)
                assert [c.status_code for c in created] == [201] * 50
                done = await asyncio.gather(
                    *(_settled(clients[i % 2], c.json()["id"], 20) for i, c in enumerate(created))
                )
            finally:
                for client in clients:
                    await client.aclose()
        assert [d["status"] for d in done] == ["Succeeded"] * 50
        assert [d["outputs"][:-2] for d in done] == inputs
        executed = sorted(orjson.loads(line)[0]["value"] for line in log.read_bytes().splitlines())
        assert executed == list(range(50))
        jobs = await _jobs(db_url)
        assert sorted((j.status, j.attempts) for j in jobs) == [("succeeded", 1)] * 50
        assert len({j.worker.rsplit(":", 2)[1] for j in jobs}) == 2  # both servers took runs
