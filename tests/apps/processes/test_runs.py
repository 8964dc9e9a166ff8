"""The processes service over HTTP: v2 runs, processes, health; v1 invoke and run."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from tests.apps.processes.conftest import Env, Tenant

RUN_KEYS = {"agent_id", "created_at", "file_ids", "id", "name", "outputs", "process_id",
            "stage", "status", "error"}  # fmt: skip
NO_FILES = [{"name": "file_count", "value": 0}, {"name": "file_bytes", "value": 0}]
"""What the echo executor adds to the outputs of a run without files."""


def _run(tenant: Tenant, inputs: Any, **extra: Any) -> dict[str, Any]:
    return {"agent_id": tenant.agent_id, "process_id": tenant.process_id, "name": "Echo",
            "stage": "Published", "inputs": inputs, **extra}  # fmt: skip


async def _settled(client: httpx.AsyncClient, path: str, key: str, waiting: set[str]) -> Any:
    for _ in range(250):
        response = await client.get(path)
        assert response.status_code == 200, response.text
        if response.json()[key] not in waiting:
            return response.json()
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path} did not settle")


async def test_run_is_created_then_succeeds_with_its_inputs_echoed(tenant: Tenant) -> None:
    created = await tenant.client.post("/v2/runs", json=_run(tenant, {"a": 1, "b": "x"}))
    assert created.status_code == 201, created.text
    run = created.json()
    assert set(run) == RUN_KEYS
    assert run["status"] == "Created"
    assert run["created_at"] == "2021-01-01T12:00:00"
    assert run["outputs"] == []
    assert run["file_ids"] == []
    assert run["error"] is None
    done = await _settled(tenant.client, f"/v2/runs/{run['id']}", "status", {"Created", "Running"})
    echoed = [{"name": "a", "value": 1}, {"name": "b", "value": "x"}]
    assert done == run | {"status": "Succeeded", "outputs": echoed + NO_FILES}


async def test_both_input_spellings_and_repeated_names(tenant: Tenant) -> None:
    listed = [{"name": "k", "value": [1, {"n": None}]}]
    created = await tenant.client.post("/v2/runs", json=_run(tenant, listed))
    assert created.status_code == 201
    done = await _settled(
        tenant.client, f"/v2/runs/{created.json()['id']}", "status", {"Created", "Running"}
    )
    assert done["outputs"] == listed + NO_FILES
    repeated = await tenant.client.post("/v2/runs", json=_run(tenant, listed + listed))
    assert repeated.status_code == 400
    assert repeated.json()["status_code"] == 400
    assert isinstance(repeated.json()["details"], list)


async def test_bad_input_and_unknown_ids(tenant: Tenant) -> None:
    bad = await tenant.client.post("/v2/runs", json=_run(tenant, {}, stage="Live"))
    assert bad.status_code == 400
    assert set(bad.json()) == {"status_code", "message", "details"}
    for field, value in (("process_id", "nope"), ("agent_id", "nope")):
        missing = await tenant.client.post("/v2/runs", json=_run(tenant, {}, **{field: value}))
        assert missing.status_code == 404
    assert (await tenant.client.get("/v2/runs/nope")).status_code == 404


async def test_key_is_required(env: Env, tenant: Tenant) -> None:
    for key in (None, "as_live_" + "x" * 40, "short"):
        client = env.client(key)
        for path in ("/v2/processes", "/v2/health", "/v1/run/x"):
            answer = await client.get(path)
            assert answer.status_code == 401, path
            assert answer.json()["status_code"] == 401


async def test_cancel_answers_409_once_finished(tenant: Tenant) -> None:
    created = (await tenant.client.post("/v2/runs", json=_run(tenant, {}))).json()
    await _settled(tenant.client, f"/v2/runs/{created['id']}", "status", {"Created", "Running"})
    again = await tenant.client.post(f"/v2/runs/{created['id']}/cancel")
    assert again.status_code == 409
    assert (await tenant.client.post("/v2/runs/nope/cancel")).status_code == 404


async def test_list_runs_pages_newest_first(tenant: Tenant) -> None:
    ids = [(await tenant.client.post("/v2/runs", json=_run(tenant, {}))).json()["id"]
           for _ in range(3)]  # fmt: skip
    query = {"process_id": tenant.process_id, "agent_id": tenant.agent_id, "limit": "2"}
    first = (await tenant.client.get("/v2/runs", params=query)).json()
    assert len(first["items"]) == 2
    assert first["continuation_token"] is not None
    rest = await tenant.client.get(
        "/v2/runs", params=query | {"continuation_token": first["continuation_token"]}
    )
    assert rest.json()["continuation_token"] is None
    seen = [r["id"] for r in first["items"] + rest.json()["items"]]
    assert sorted(seen) == sorted(ids)
    assert len(set(seen)) == 3
    for bad in ({"limit": "0"}, {"limit": "101"}, {"continuation_token": "zz"}):
        assert (await tenant.client.get("/v2/runs", params=query | bad)).status_code == 400


async def test_processes_and_health(tenant: Tenant) -> None:
    process = {"id": tenant.process_id, "name": "Echo inputs", "agent_id": tenant.agent_id,
               "stage": "Published"}  # fmt: skip
    listed = await tenant.client.get("/v2/processes")
    assert listed.json() == {"items": [process], "continuation_token": None}
    one = await tenant.client.get(f"/v2/processes/{tenant.process_id}")
    assert one.json() == process
    health = await tenant.client.get("/v2/health")
    assert health.status_code == 200
    assert health.json()["status"] == "OK"


async def test_another_tenants_ids_are_404(env: Env, tenant: Tenant) -> None:
    other = await env.new_tenant()
    run = (await tenant.client.post("/v2/runs", json=_run(tenant, {}))).json()
    assert (await other.client.get(f"/v2/runs/{run['id']}")).status_code == 404
    assert (await other.client.post(f"/v2/runs/{run['id']}/cancel")).status_code == 404
    assert (await other.client.get(f"/v2/processes/{tenant.process_id}")).status_code == 404
    query = {"process_id": tenant.process_id, "agent_id": tenant.agent_id}
    assert (await other.client.get("/v2/runs", params=query)).status_code == 404
    assert (await other.client.post("/v2/runs", json=_run(tenant, {}))).status_code == 404
    assert (await other.client.get(f"/v1/run/{run['id']}")).status_code == 404
    # v1 invoke remembers share lookups per key: one tenant's never serves another.
    for _ in range(2):
        mine = await tenant.client.post(f"/v1/invoke/{tenant.share_id}", json={})
        assert mine.status_code == 201
        theirs = await other.client.post(f"/v1/invoke/{tenant.share_id}", json={})
        assert theirs.status_code == 404
    no_key = await env.client().post(f"/v1/invoke/{tenant.share_id}", json={})
    assert no_key.status_code == 401
    wrong_key = await env.client("wrong").post(f"/v1/invoke/{tenant.share_id}", json={})
    assert wrong_key.status_code == 401


async def test_v1_invoke_and_poll_give_v2s_outputs(tenant: Tenant) -> None:
    facts = {"total_items": 42, "customer_id": "cus123abc"}
    invoked = await tenant.client.post(f"/v1/invoke/{tenant.share_id}", json=facts)
    assert invoked.status_code == 201, invoked.text
    assert set(invoked.json()) == {"worker_id"}
    assert invoked.headers["deprecation"].startswith("@")
    assert 'rel="deprecation"' in invoked.headers["link"]
    assert "sunset" not in invoked.headers
    worker_id = invoked.json()["worker_id"]
    done = await _settled(tenant.client, f"/v1/run/{worker_id}", "state", {"pending", "running"})
    assert done["state"] == "done"
    assert json.loads(done["answer"]) == facts | {"file_count": 0, "file_bytes": 0}
    v2 = (await tenant.client.get(f"/v2/runs/{worker_id}")).json()
    assert {o["name"]: o["value"] for o in v2["outputs"]} == json.loads(done["answer"])
    created = await tenant.client.post("/v2/runs", json=_run(tenant, facts))
    v2_done = await _settled(
        tenant.client, f"/v2/runs/{created.json()['id']}", "status", {"Created", "Running"}
    )
    assert v2_done["outputs"] == v2["outputs"]


async def test_v1_errors_are_deprecated_too(tenant: Tenant) -> None:
    missing = await tenant.client.get("/v1/run/nope")
    assert missing.status_code == 404
    assert missing.headers["deprecation"].startswith("@")
    assert (await tenant.client.post("/v1/invoke/nope", json={})).status_code == 404
    assert (await tenant.client.post(f"/v1/invoke/{tenant.share_id}", json=[1])).status_code == 400
