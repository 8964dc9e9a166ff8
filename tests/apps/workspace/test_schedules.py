"""Scheduled agents over HTTP: CRUD, validation, enable/disable, trigger, history, firing."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import sqlalchemy as sa
from tests.apps.workspace.agents_helpers import V2, settle
from tests.apps.workspace.conftest import Env, Tenant

from segue_apps.common.clock import now_ms
from segue_apps.workspace.store.agent_tables import schedules

S = f"{V2}/scheduled-agents"


def _body(tenant: Tenant, **more: Any) -> dict[str, Any]:
    return {"workspaceId": tenant.workspace_id, "name": "Weekly digest", "prompt": "add 1 lead",
            "cron": "0 9 * * 1", "timezone": "Europe/Berlin", **more}  # fmt: skip


async def _pro(env: Env) -> Tenant:
    return await env.new_tenant(plan="pro")


async def test_crud_enable_disable(env: Env) -> None:
    tenant = await _pro(env)
    api = tenant.client
    created = await api.post(S, json=_body(tenant))
    assert created.status_code == 201, created.text
    made = created.json()
    assert made["enabled"] is False
    assert made["nextRunAt"] is None
    assert made["planBlocked"] is False
    assert made["lastRun"] is None
    assert (made["cron"], made["timezone"], made["workspaceId"]) == (
        "0 9 * * 1",
        "Europe/Berlin",
        tenant.workspace_id,
    )
    schedule_id = made["id"]
    enabled = (await api.post(f"{S}/{schedule_id}/enable")).json()
    assert enabled["enabled"] is True
    # 09:00 in Berlin on a Monday is 07:00 or 08:00 UTC (summer or winter time).
    assert enabled["nextRunAt"][11:16] in ("07:00", "08:00")
    patched = await api.patch(f"{S}/{schedule_id}", json={"cron": "30 6 * * *", "timezone": "UTC"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["nextRunAt"][11:19] == "06:30:00"
    assert patched.json()["name"] == "Weekly digest"
    disabled = (await api.post(f"{S}/{schedule_id}/disable")).json()
    assert (disabled["enabled"], disabled["nextRunAt"]) == (False, None)
    listed = (await api.get(S, params={"enabled": "false"})).json()
    assert [s["id"] for s in listed["scheduledAgents"]] == [schedule_id]
    assert listed["planBlocked"] is False
    assert (await api.get(S, params={"enabled": "true"})).json()["scheduledAgents"] == []
    assert (await api.get(S, params={"workspaceId": "other"})).json()["scheduledAgents"] == []
    deleted = await api.delete(f"{S}/{schedule_id}")
    assert deleted.json() == {"id": schedule_id, "deleted": True}
    for method, path in (("GET", ""), ("PATCH", ""), ("POST", "/enable"), ("GET", "/runs")):
        gone = await api.request(method, f"{S}/{schedule_id}{path}", json={})
        assert (gone.status_code, gone.json()["code"]) == (404, "SCHEDULED_AGENT_NOT_FOUND")
    other = (await env.new_tenant()).client
    again = (await api.post(S, json=_body(tenant))).json()
    foreign = await other.get(f"{S}/{again['id']}")
    assert foreign.status_code == 404


async def test_bad_schedules_are_400(api: httpx.AsyncClient, tenant: Tenant) -> None:
    for more, code in (
        ({"cron": "every monday"}, "INVALID_CRON"),
        ({"cron": "0 9 * * 1 *"}, "INVALID_CRON"),
        ({"cron": "* * * * *"}, "CRON_TOO_FREQUENT"),
        ({"timezone": "Mars/Olympus"}, "INVALID_TIMEZONE"),
        ({"workspaceId": "elsewhere"}, "UNKNOWN_WORKSPACE"),
    ):
        response = await api.post(S, json=_body(tenant, **more))
        assert response.status_code == 400, response.text
        assert response.json()["code"] == code
    assert (await api.post(S, json=_body(tenant, cron="@daily"))).status_code == 201


async def test_trigger_and_history(env: Env) -> None:
    tenant = await _pro(env)
    api = tenant.client
    made = (await api.post(S, json=_body(tenant, prompt="fail on purpose"))).json()
    triggered = await api.post(f"{S}/{made['id']}/trigger")
    assert triggered.status_code == 202, triggered.text
    run = triggered.json()["run"]
    assert triggered.json()["runId"] == run["id"]
    assert run["status"] == "running"
    busy = await api.post(f"{S}/{made['id']}/trigger")
    assert (busy.status_code, busy.json()["code"]) == (409, "RUN_ALREADY_ACTIVE")
    assert (await settle(api, made["agentId"], run["id"]))["status"] == "errored"
    history = (await api.get(f"{S}/{made['id']}/runs")).json()
    (entry,) = history["runs"]
    assert entry["status"] == "errored"
    assert entry["handoff"]["kind"] == "open_workspace_chat"
    assert made["agentId"] in entry["handoff"]["url"]
    assert (await api.get(f"{S}/{made['id']}")).json()["lastRun"]["id"] == run["id"]


async def test_starter_plans_are_blocked(api: httpx.AsyncClient, tenant: Tenant) -> None:
    made = (await api.post(S, json=_body(tenant, enabled=True))).json()
    assert made["planBlocked"] is True
    refused = await api.post(f"{S}/{made['id']}/trigger")
    assert refused.status_code == 402
    assert refused.json()["code"] == "SUBSCRIPTION_REQUIRED"
    assert refused.json()["handoff"]["kind"] == "upgrade_plan"


async def test_a_due_schedule_fires_once(env: Env) -> None:
    tenant = await _pro(env)
    api = tenant.client
    made = (await api.post(S, json=_body(tenant, enabled=True))).json()
    due = now_ms() - 1
    async with env.app.state.db.writer.begin() as conn:
        await conn.execute(schedules.update().values(next_fire_at=due))
    for _ in range(200):
        runs = (await api.get(f"{S}/{made['id']}/runs")).json()["runs"]
        if runs:
            break
        await asyncio.sleep(0.02)
    (run,) = runs
    done = await settle(api, made["agentId"], run["id"])
    assert done["status"] == "completed"
    assert done["request"]["prompt"] == "add 1 lead"
    await asyncio.sleep(0.3)
    assert len((await api.get(f"{S}/{made['id']}/runs")).json()["runs"]) == 1
    moved = (await api.get(f"{S}/{made['id']}")).json()
    assert moved["nextRunAt"] is not None
    async with env.app.state.db.engine.connect() as conn:
        following = (await conn.execute(sa.select(schedules.c.next_fire_at))).scalar_one()
    assert following > now_ms()
