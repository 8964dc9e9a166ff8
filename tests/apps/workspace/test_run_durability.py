"""Runs and schedules as durable work, with real ``segue serve workspace`` servers.

- A server SIGKILLed while a run is between steps, restarted on the same database: the
  run is taken again once its lease (1 s here) expires and resumes at its first
  unrecorded step; the step recorded before the kill is not done twice. SQLite and
  PostgreSQL.
- Two servers on one PostgreSQL database, due schedules: each firing runs exactly once.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from tests.apps.conftest import PG_URL, fresh_pg_database
from tests.apps.servers import server
from tests.apps.workspace.agents_helpers import V2, settle

from segue.tooling import ServiceOptions
from segue_apps.common.clock import now_ms
from segue_apps.common.db import create_database
from segue_apps.workspace.service import bootstrap
from segue_apps.workspace.store.agent_tables import jobs, runs, schedules

FLAGS = ("--runner-step-ms", "100", "--lease-ms", "1000", "--poll-ms", "50")


async def _query(db_url: str, statement: Any) -> list[Any]:
    def run(conn: sa.Connection) -> list[Any]:
        result = conn.execute(statement)
        return list(result) if result.returns_rows else []

    db = create_database(db_url)
    try:
        return await db.run(run, write=True)
    finally:
        await db.dispose()


async def test_a_run_killed_mid_way_resumes_after_a_restart(db_url: str) -> None:
    made = await bootstrap(ServiceOptions(db_url=db_url))
    headers = {"Authorization": f"Bearer {made['api_key']}"}
    with server("workspace", db_url, *FLAGS) as first:
        async with httpx.AsyncClient(base_url=first.url, headers=headers) as client:
            created = await client.post(
                f"{V2}/agents", json={"prompt": "add 1 lead; wait 3000; add 1 lead"}
            )
            assert created.status_code == 202, created.text
            agent_id, run_id = created.json()["agent"]["id"], created.json()["run"]["id"]
            for _ in range(200):
                run = (await client.get(f"{V2}/agents/{agent_id}/runs/{run_id}")).json()
                if run["steps"]["completed"] >= 2:  # read the prompt, added the first lead
                    break
                await asyncio.sleep(0.02)
            else:
                raise AssertionError("the run never got going")
        first.kill()  # in the middle of "wait 3000"
    assert run["status"] == "running"
    with server("workspace", db_url, *FLAGS) as second:
        async with httpx.AsyncClient(base_url=second.url, headers=headers) as client:
            done = await settle(client, agent_id, run_id, 30)
            table = (await client.get(f"{V2}/tables/{made['table_id']}")).json()
    assert done["status"] == "completed"
    assert done["steps"]["completed"] == 5
    assert done["response"]["actions"] == [
        {"type": "leads_added", "tableId": made["table_id"], "leadCount": 1},
        {"type": "leads_added", "tableId": made["table_id"], "leadCount": 1},
    ]
    assert table["leadCount"] == 2 + 2  # the demo rows, then one lead per add: none twice
    [job] = await _query(db_url, sa.select(jobs.c.status, jobs.c.attempts))
    assert (job.status, job.attempts) == ("succeeded", 2)


async def test_a_run_whose_ceiling_passed_while_down_ends_timed_out(db_url: str) -> None:
    made = await bootstrap(ServiceOptions(db_url=db_url))
    headers = {"Authorization": f"Bearer {made['api_key']}"}
    flags = (*FLAGS, "--run-timeout-ms", "1500")
    with server("workspace", db_url, *flags) as first:
        async with httpx.AsyncClient(base_url=first.url, headers=headers) as client:
            created = await client.post(f"{V2}/agents", json={"prompt": "wait 800; wait 800"})
            agent_id, run_id = created.json()["agent"]["id"], created.json()["run"]["id"]
            await asyncio.sleep(0.3)
        first.kill()
    await asyncio.sleep(1.5)
    with server("workspace", db_url, *flags) as second:
        async with httpx.AsyncClient(base_url=second.url, headers=headers) as client:
            done = await settle(client, agent_id, run_id, 30)
    assert done["status"] == "timed_out"
    assert done["response"]["text"] is None


@pytest.mark.skipif(PG_URL is None, reason="needs SEGUE_TEST_PG_URL")
async def test_two_servers_fire_each_due_schedule_exactly_once() -> None:
    async with fresh_pg_database() as db_url:
        made = await bootstrap(ServiceOptions(db_url=db_url, extra={"plan": "enterprise"}))
        headers = {"Authorization": f"Bearer {made['api_key']}"}
        flags = (*FLAGS, "--runner-step-ms", "10", "--schedule-poll-ms", "20")
        with server("workspace", db_url, *flags) as a, server("workspace", db_url, *flags) as b:
            clients = [httpx.AsyncClient(base_url=s.url, headers=headers) for s in (a, b)]
            try:
                ids = []
                for i in range(12):
                    created = await clients[i % 2].post(
                        f"{V2}/scheduled-agents",
                        json={"workspaceId": made["workspace_id"], "name": f"Digest {i}",
                              "prompt": "add 1 lead", "cron": "0 9 * * 1", "enabled": True},
                    )  # fmt: skip
                    assert created.status_code == 201, created.text
                    ids.append(created.json()["id"])
                due = now_ms() - 1000
                await _query(db_url, schedules.update().values(next_fire_at=due))
                histories: list[dict[str, Any]] = []
                for i, schedule_id in enumerate(ids):
                    for _ in range(300):
                        history = await clients[i % 2].get(
                            f"{V2}/scheduled-agents/{schedule_id}/runs"
                        )
                        if history.json()["runs"]:
                            break
                        await asyncio.sleep(0.05)
                    histories.append(history.json())
                await asyncio.sleep(0.5)  # time for any second firing to show up
                for i, schedule_id in enumerate(ids):
                    history = await clients[i % 2].get(f"{V2}/scheduled-agents/{schedule_id}/runs")
                    assert len(history.json()["runs"]) == 1, history.json()
                    got = (await clients[0].get(f"{V2}/scheduled-agents/{schedule_id}")).json()
                    assert got["nextRunAt"] is not None
                    assert got["lastRun"]["id"] == history.json()["runs"][0]["id"]
            finally:
                for client in clients:
                    await client.aclose()
        fired = await _query(
            db_url,
            sa.select(jobs.c.dedupe_key, jobs.c.worker).where(jobs.c.kind == "schedule_fire"),
        )
        assert sorted(f.dedupe_key for f in fired) == sorted(f"schedule:{i}:{due}" for i in ids)
        scheduled = await _query(
            db_url, sa.select(runs.c.trigger_key).where(runs.c.schedule_id.is_not(None))
        )
        assert len(scheduled) == len(ids)
        assert {r.trigger_key for r in scheduled} == {f.dedupe_key for f in fired}
