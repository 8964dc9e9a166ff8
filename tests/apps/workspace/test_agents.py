"""Agents and runs over HTTP (seed 003): every status, the run object, admission refusals.

Runs are worked by the built-in runner with 20 ms steps (``STEP_MS``), on SQLite and,
when configured, PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
from tests.apps.workspace.agents_helpers import V2, create, poll, run_to_end, send, settle
from tests.apps.workspace.conftest import Env, Tenant, start_env

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
RUN_KEYS = {
    "id",
    "agentId",
    "status",
    "prompt",
    "model",
    "steps",
    "startedAt",
    "completedAt",
    "workspaceId",
    "request",
    "response",
    "todo",
}


async def _table(api: httpx.AsyncClient, table_id: str) -> dict[str, Any]:
    response = await api.get(f"{V2}/tables/{table_id}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def _row_ids(api: httpx.AsyncClient, table_id: str) -> list[str]:
    response = await api.get(f"{V2}/tables/{table_id}/rows", params={"pageSize": 500})
    return [row["id"] for row in response.json()["rows"]]


# --------------------------------------------------------------------------- agents


async def test_create_without_a_prompt_starts_no_run(
    api: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await api.post(f"{V2}/agents", json={"name": "Quiet"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["run"] is None
    assert body["agent"]["name"] == "Quiet"
    assert body["agent"]["workspaceId"] == tenant.workspace_id
    assert body["workspace"] == {
        "id": tenant.workspace_id,
        "name": "Default",
        "createdAt": body["workspace"]["createdAt"],
        "createdByApi": False,
    }
    agent_id = body["agent"]["id"]
    got = (await api.get(f"{V2}/agents/{agent_id}")).json()
    assert got["lastRun"] is None
    assert got["apiKeyOwned"] is True
    cancelled = await api.post(f"{V2}/agents/{agent_id}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json() == {"run": None}
    assert "retry-after" not in cancelled.headers


async def test_create_with_a_prompt_answers_202_running(
    api: httpx.AsyncClient, tenant: Tenant
) -> None:
    made = await create(api, "Find me ten fintech CFOs in Berlin")
    run = made["run"]
    assert set(run) == RUN_KEYS
    assert run["response"] is None
    assert run["steps"] == {"completed": 0, "max": 30}  # starter plan
    assert run["model"] == "origami-lite"
    assert run["id"].startswith("v2_run-")
    assert run["request"] == {
        "prompt": "Find me ten fintech CFOs in Berlin",
        "model": "origami-lite",
        "focusTableIds": [],
        "attachments": [],
    }
    assert made["agent"]["name"] == "Find me ten fintech CFOs in Berlin"
    # A poll right after create sees the run running, with Retry-After: 15.
    first = await poll(api, made["agent"]["id"], run["id"])
    assert first.json()["status"] == "running"
    done = await settle(api, made["agent"]["id"], run["id"])
    assert done["status"] == "completed"
    assert done["steps"]["completed"] >= 2
    assert ISO.match(done["completedAt"])
    assert done["response"]["text"].startswith("You said: “Find me ten fintech CFOs")
    assert done["response"]["actions"] == []
    assert done["response"]["tables"] == []
    assert done["response"]["transcript"] is None
    assert done["response"]["transcriptTruncated"] is False
    assert done["todo"] == {"pendingQuestions": [], "nextActions": []}


async def test_list_get_archive_and_tables(api: httpx.AsyncClient, tenant: Tenant) -> None:
    first = await create(api, "hello", name="First")
    second = (await api.post(f"{V2}/agents", json={"name": "Second"})).json()
    await settle(api, first["agent"]["id"], first["run"]["id"])
    listed = (await api.get(f"{V2}/agents", params={"pageSize": 1})).json()
    assert listed["pagination"] == {"page": 0, "pageSize": 1, "total": 2, "hasMore": True}
    everyone = (await api.get(f"{V2}/agents")).json()["agents"]
    by_name = {a["name"]: a for a in everyone}
    assert by_name["First"]["lastRun"]["status"] == "completed"
    assert by_name["First"]["lastRun"]["id"] == first["run"]["id"]
    assert by_name["Second"]["lastRun"] is None
    tables = (await api.get(f"{V2}/agents/{second['agent']['id']}/tables")).json()
    assert tables["workspaceId"] == tenant.workspace_id
    assert [t["id"] for t in tables["tables"]] == [tenant.table_id]
    assert tables["tables"][0] == await _table(api, tenant.table_id)
    with_stats = await api.get(
        f"{V2}/agents/{second['agent']['id']}/tables", params={"include": "stats,nope"}
    )
    assert with_stats.json()["tables"][0]["stats"]["funnel"]["totalSourcedLeads"] == 2
    archived = await api.delete(f"{V2}/agents/{second['agent']['id']}")
    assert archived.status_code == 200
    assert archived.json() == {
        "agent": {"id": second["agent"]["id"], "deletedAt": archived.json()["agent"]["deletedAt"]},
        "workspace": {"id": tenant.workspace_id, "deletedAt": None},
    }
    for method, path in (
        ("GET", f"/agents/{second['agent']['id']}"),
        ("DELETE", f"/agents/{second['agent']['id']}"),
        ("GET", f"/agents/{second['agent']['id']}/tables"),
        ("POST", f"/agents/{second['agent']['id']}/cancel"),
    ):
        gone = await api.request(method, f"{V2}{path}")
        assert gone.status_code == 404
        assert gone.json()["code"] == "AGENT_NOT_FOUND"
    assert [a["name"] for a in (await api.get(f"{V2}/agents")).json()["agents"]] == ["First"]


async def test_agents_and_runs_are_not_visible_to_another_tenant(
    env: Env, api: httpx.AsyncClient
) -> None:
    made = await create(api, "hello")
    agent_id, run_id = made["agent"]["id"], made["run"]["id"]
    other = (await env.new_tenant()).client
    for method, path in (
        ("GET", f"/agents/{agent_id}"),
        ("GET", f"/agents/{agent_id}/runs"),
        ("GET", f"/agents/{agent_id}/runs/{run_id}"),
        ("POST", f"/agents/{agent_id}/cancel"),
        ("DELETE", f"/agents/{agent_id}"),
    ):
        response = await other.request(method, f"{V2}{path}")
        assert response.status_code == 404, (path, response.text)
        assert response.json()["code"] == "AGENT_NOT_FOUND"
    sent = await other.post(f"{V2}/agents/{agent_id}/runs", json={"prompt": "x"})
    assert (sent.status_code, sent.json()["code"]) == (404, "AGENT_NOT_FOUND")
    assert (await other.get(f"{V2}/agents")).json()["agents"] == []
    missing = await api.get(f"{V2}/agents/{agent_id}/runs/v2_run-nope")
    assert (missing.status_code, missing.json()["code"]) == (404, "RUN_NOT_FOUND")
    await settle(api, agent_id, run_id)


async def test_agent_routes_are_absent_from_v1(api: httpx.AsyncClient) -> None:
    for method, path in (("GET", "/agents"), ("POST", "/agents"), ("GET", "/scheduled-agents")):
        response = await api.request(method, f"/api/v1{path}", json={"prompt": "x"})
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"


# --------------------------------------------------------------------------- statuses


async def test_completed_with_typed_actions_and_touched_tables(
    api: httpx.AsyncClient, tenant: Tenant
) -> None:
    before = await _row_ids(api, tenant.table_id)
    _, run = await run_to_end(
        api,
        "add 3 leads\ndelete 2 leads; restore 1 lead; say All set.; "
        "suggest Export it as export_csv",
    )
    assert run["status"] == "completed"
    assert run["steps"]["completed"] == 7  # read, four clauses (say/suggest count), answer
    actions = run["response"]["actions"]
    assert [a["type"] for a in actions] == ["leads_added", "leads_deleted", "leads_restored"]
    assert all(a["tableId"] == tenant.table_id for a in actions)
    assert actions[0]["leadCount"] == 3
    assert (actions[1]["count"], actions[2]["count"]) == (2, 1)
    assert ISO.match(actions[1]["deletedAt"])
    assert run["response"]["text"] == (
        "Added 3 leads to Demo companies. Deleted 2 leads from Demo companies. "
        "Restored 1 lead in Demo companies. All set."
    )
    assert run["todo"]["nextActions"] == [{"label": "Export it", "type": "export_csv"}]
    (table,) = run["response"]["tables"]
    assert table == await _table(api, tenant.table_id)
    assert table["leadCount"] == 2 + 3 - 2 + 1
    after = await _row_ids(api, tenant.table_id)
    assert after[:2] == before
    assert len(after) == 4
    # The restored row is one of the two deleted, with its id and cells.
    restored = after[-1]
    row = (await api.get(f"{V2}/tables/{tenant.table_id}/rows/{restored}")).json()
    assert row["cells"]["company-name"]["value"] in ("Company Name 4", "Company Name 5")


async def test_stats_and_transcript_are_opt_in(api: httpx.AsyncClient, tenant: Tenant) -> None:
    agent_id, run = await run_to_end(api, "add 1 lead")
    assert "stats" not in run["response"]["tables"][0]
    full = (await poll(api, agent_id, run["id"], include="stats, transcript,bogus")).json()
    (table,) = full["response"]["tables"]
    assert set(table["stats"]) == {
        "creditsPerLead",
        "creditsPerQualifiedLead",
        "findMoreEstimatedCredits",
        "qualification",
        "funnel",
        "running",
        "leadSources",
        "hasUnknownTotalWithMore",
    }
    assert all("stats" in column for column in table["columns"])
    transcript = full["response"]["transcript"]
    assert transcript[0] == {"role": "user", "content": "add 1 lead"}
    assert [m["role"] for m in transcript] == ["user", "assistant", "tool", "assistant"]
    assert transcript[1]["toolCalls"][0]["name"] == "add_leads"
    assert full["response"]["transcriptTruncated"] is False
    ignored = (await poll(api, agent_id, run["id"], include="bogus")).json()
    assert ignored == run


async def test_needs_input_then_a_follow_up_answers(api: httpx.AsyncClient, tenant: Tenant) -> None:
    agent_id, asked = await run_to_end(
        api, "ask Which list should I extend? | Demo | People; add 2 leads"
    )
    assert asked["status"] == "needs_input"
    assert asked["response"]["text"] == "Which list should I extend?"
    assert asked["response"]["actions"] == []
    assert asked["response"]["tables"] == []
    assert asked["todo"]["pendingQuestions"] == [
        {
            "type": "single-choice",
            "question": "Which list should I extend?",
            "suggestedAnswers": ["Demo", "People"],
            "freeformOption": "Or something else",
        }
    ]
    answer = await send(api, agent_id, "Demo, please")
    assert answer["status"] == "running"
    done = await settle(api, agent_id, answer["id"])
    assert done["status"] == "completed"
    assert done["todo"]["pendingQuestions"] == []
    assert done["response"]["text"] == (
        "Thanks, noted your answer: “Demo, please”. Added 2 leads to Demo companies."
    )
    assert [a["type"] for a in done["response"]["actions"]] == ["leads_added"]
    # The question is answered: the earlier run keeps its questions as history.
    again = (await poll(api, agent_id, asked["id"])).json()
    assert again["status"] == "needs_input"
    confirm = await send(api, agent_id, "confirm Send the campaign now?")
    confirmed = await settle(api, agent_id, confirm["id"])
    assert confirmed["todo"]["pendingQuestions"][0]["suggestedAnswers"] == ["Confirm"]
    assert confirmed["todo"]["pendingQuestions"][0]["type"] == "confirm"
    runs = (await api.get(f"{V2}/agents/{agent_id}/runs")).json()
    assert [r["id"] for r in runs["runs"]] == [confirm["id"], answer["id"], asked["id"]]
    assert runs["runs"][0]["status"] == "needs_input"


async def test_incomplete(api: httpx.AsyncClient) -> None:
    _, run = await run_to_end(api, "add 1 lead; garble; add 1 lead")
    assert run["status"] == "incomplete"
    assert run["response"]["text"].startswith("I tried to call a tool")
    assert [a["type"] for a in run["response"]["actions"]] == ["leads_added"]


async def test_errored_has_no_text_but_keeps_its_actions(api: httpx.AsyncClient) -> None:
    _, run = await run_to_end(api, "add 1 lead; fail the CRM is down")
    assert run["status"] == "errored"
    assert run["response"]["text"] is None
    assert [a["type"] for a in run["response"]["actions"]] == ["leads_added"]
    assert run["completedAt"] is not None


async def test_step_cap_hit(api: httpx.AsyncClient) -> None:
    _, run = await run_to_end(api, "add 1 lead; overrun steps")
    assert run["status"] == "step_cap_hit"
    assert run["steps"] == {"completed": 30, "max": 30}
    assert run["response"]["text"] == "Stopped at the plan's step limit (30 steps)."


async def test_timed_out(db_url: str) -> None:
    async with start_env(db_url, run_timeout_ms=400) as env:
        assert env.tenant is not None
        api = env.tenant.client
        _, run = await run_to_end(api, "add 1 lead; overrun time")
        assert run["status"] == "timed_out"
        assert run["response"]["text"] is None
        assert [a["type"] for a in run["response"]["actions"]] == ["leads_added"]


async def test_cancel_during_a_run_keeps_what_it_built(
    api: httpx.AsyncClient, tenant: Tenant
) -> None:
    made = await create(api, "add 2 leads; wait 60000; add 5 leads")
    agent_id, run_id = made["agent"]["id"], made["run"]["id"]
    for _ in range(500):
        if (await poll(api, agent_id, run_id)).json()["steps"]["completed"] >= 2:
            break
        await asyncio.sleep(0.02)
    cancelled = await api.post(f"{V2}/agents/{agent_id}/cancel")
    assert cancelled.status_code == 200
    assert "retry-after" not in cancelled.headers
    run = cancelled.json()["run"]
    assert run["id"] == run_id
    assert run["status"] == "cancelled"
    assert run["response"]["text"] == "The run was cancelled; what it built so far is kept."
    assert [a["type"] for a in run["response"]["actions"]] == ["leads_added"]
    assert run["response"]["tables"][0]["leadCount"] == 4
    # Idempotent, and the run stays cancelled: nothing more is added.
    again = await api.post(f"{V2}/agents/{agent_id}/cancel")
    assert again.json()["run"] == run
    await asyncio.sleep(0.3)
    assert (await poll(api, agent_id, run_id)).json() == run
    assert (await _table(api, tenant.table_id))["leadCount"] == 4
    # The agent is free again.
    follow = await send(api, agent_id, "hello")
    assert (await settle(api, agent_id, follow["id"]))["status"] == "completed"


async def test_every_status_is_reachable(db_url: str) -> None:
    """The eight statuses of the run object, each seen over HTTP."""
    seen = set()
    async with start_env(db_url, run_timeout_ms=5_000) as env:
        assert env.tenant is not None
        api = env.tenant.client  # starter: 30 steps of 20 ms fit well in 5 s
        for prompt in ("hello", "ask Why?", "garble", "loop", "fail", "stall"):
            made = await create(api, prompt)
            seen.add((await poll(api, made["agent"]["id"], made["run"]["id"])).json()["status"])
            seen.add((await settle(api, made["agent"]["id"], made["run"]["id"], 30))["status"])
        made = await create(api, "wait 60000")
        cancelled = await api.post(f"{V2}/agents/{made['agent']['id']}/cancel")
        seen.add(cancelled.json()["run"]["status"])
    assert seen == {
        "running",
        "completed",
        "needs_input",
        "incomplete",
        "step_cap_hit",
        "errored",
        "timed_out",
        "cancelled",
    }


# --------------------------------------------------------------------------- admission


async def test_a_busy_agent_refuses_a_second_run(api: httpx.AsyncClient) -> None:
    made = await create(api, "wait 60000")
    agent_id = made["agent"]["id"]
    busy = await api.post(f"{V2}/agents/{agent_id}/runs", json={"prompt": "again"})
    assert busy.status_code == 409
    assert busy.json() == {
        "error": busy.json()["error"],
        "code": "AGENT_BUSY",
        "currentRun": {"id": made["run"]["id"], "startedAt": made["run"]["startedAt"]},
    }
    await api.post(f"{V2}/agents/{agent_id}/cancel")


async def test_the_plan_caps_concurrent_runs(api: httpx.AsyncClient) -> None:
    made = await create(api, "wait 60000", name="Long")
    refused = await api.post(f"{V2}/agents", json={"prompt": "hello"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    body = refused.json()
    assert body["code"] == "CONCURRENT_LIMIT_EXCEEDED"
    assert body["limit"] == 1
    assert body["canUpgrade"] is True
    assert body["activeSessions"] == [
        {"agentId": made["agent"]["id"], "name": "Long", "startedAt": made["run"]["startedAt"]}
    ]
    assert body["handoff"]["kind"] == "upgrade_plan"
    assert len((await api.get(f"{V2}/agents")).json()["agents"]) == 1  # nothing created
    await api.post(f"{V2}/agents/{made['agent']['id']}/cancel")
    await create(api, "hello")


async def test_credits_are_charged_per_run_and_refused_at_zero(env: Env) -> None:
    tenant = await env.new_tenant(credits=2, plan="pro")
    api = tenant.client
    first = await create(api, "hello")
    assert (await api.get(f"{V2}/account/credits")).json()["balance"] == 1
    second = await create(api, "hello")
    assert (await api.get(f"{V2}/account/credits")).json()["balance"] == 0
    refused = await api.post(f"{V2}/agents", json={"prompt": "hello"})
    assert refused.status_code == 402
    body = refused.json()
    url = "https://app.segue.dev/settings/billing?source=api"
    assert body == {
        "error": "Insufficient credits",
        "code": "INSUFFICIENT_CREDITS",
        "details": {"creditsRequired": 1, "creditsAvailable": 0},
        "handoff": {"kind": "top_up", "url": url, "label": "Top up credits"},
        "creditsRequired": 1,
        "creditsAvailable": 0,
        "topUpUrl": url,
        "message": body["message"],
    }
    await settle(api, first["agent"]["id"], first["run"]["id"])
    again = await api.post(f"{V2}/agents/{first['agent']['id']}/runs", json={"prompt": "x"})
    assert (again.status_code, again.json()["code"]) == (402, "INSUFFICIENT_CREDITS")
    assert len((await api.get(f"{V2}/agents")).json()["agents"]) == 2
    await settle(api, second["agent"]["id"], second["run"]["id"])


@pytest.mark.parametrize(
    ("body", "code", "path"),
    [
        ({"model": "origami-max"}, "MODEL_NOT_AVAILABLE", "model"),
        ({"focusTableIds": ["nope"]}, "UNKNOWN_TABLE", "focusTableIds.0"),
        ({"workspaceId": "elsewhere"}, "UNKNOWN_WORKSPACE", "workspaceId"),
        (
            {"attachments": [{"kind": "table", "tableId": "nope"}]},
            "INVALID_ATTACHMENT",
            "attachments.0",
        ),
        (
            {"attachments": [{"kind": "document", "documentId": "nope"}]},
            "INVALID_ATTACHMENT",
            "attachments.0",
        ),
        ({"attachments": [{"kind": "sheet", "tableId": "x"}]}, "VALIDATION_ERROR", None),
        ({"prompt": ""}, "VALIDATION_ERROR", "prompt"),
    ],
)
async def test_bad_admissions_are_400(
    api: httpx.AsyncClient, body: dict[str, Any], code: str, path: str | None
) -> None:
    response = await api.post(f"{V2}/agents", json={"prompt": "hello", **body})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    if path is not None:
        assert response.json()["details"]["issues"][0]["path"] == path
    assert (await api.get(f"{V2}/agents")).json()["agents"] == []
    assert (await api.get(f"{V2}/account/credits")).json()["balance"] == 1000


async def test_attachments_bind_tables_and_documents(
    api: httpx.AsyncClient, tenant: Tenant, make_table: Any
) -> None:
    people = await make_table(api, "email")
    made = await create(
        api,
        "add 1 lead",
        focusTableIds=[people],
        attachments=[
            {"kind": "table", "tableId": tenant.table_id},
            {"kind": "document", "documentId": tenant.document_id},
        ],
    )
    request = made["run"]["request"]
    assert request["focusTableIds"] == [people, tenant.table_id]
    assert request["attachments"] == [
        {"kind": "table", "tableId": tenant.table_id},
        {"kind": "document", "documentId": tenant.document_id},
    ]
    done = await settle(api, made["agent"]["id"], made["run"]["id"])
    # The first focus table is the default target; every focus table is in tables[].
    assert done["response"]["actions"] == [
        {"type": "leads_added", "tableId": people, "leadCount": 1}
    ]
    assert [t["id"] for t in done["response"]["tables"]] == [people, tenant.table_id]
    rows = (await api.get(f"{V2}/tables/{people}/rows")).json()["rows"]
    assert rows[0]["cells"] == {"email": {"kind": "scalar", "value": "Email 1"}}


async def test_tables_created_by_a_run(api: httpx.AsyncClient, tenant: Tenant) -> None:
    _, run = await run_to_end(
        api,
        "create table Investors with columns Name, Fund; add column Stage; "
        'add lead {"name": "Ada", "fund": "Analytical"}; add lead {"bogus": 1}',
    )
    assert run["status"] == "completed"
    created, column, added = run["response"]["actions"]
    assert created["type"] == "table_created"
    assert created["tableName"] == "Investors"
    assert column == {
        "type": "column_added",
        "tableId": created["tableId"],
        "columnId": column["columnId"],
        "columnName": "Stage",
    }
    assert added == {"type": "leads_added", "tableId": created["tableId"], "leadCount": 1}
    assert (
        "Could not add leads: 'bogus' is not an input column of Investors"
        in (run["response"]["text"])
    )
    (table,) = run["response"]["tables"]
    assert [c["slug"] for c in table["columns"]] == ["name", "fund", "stage"]
    rows = (await api.get(f"{V2}/tables/{created['tableId']}/rows")).json()["rows"]
    assert rows[0]["cells"] == {
        "name": {"kind": "scalar", "value": "Ada"},
        "fund": {"kind": "scalar", "value": "Analytical"},
    }


async def test_run_pages_are_newest_first(api: httpx.AsyncClient) -> None:
    agent_id, first = await run_to_end(api, "hello")
    ids = [first["id"]]
    for _ in range(2):
        run = await send(api, agent_id, "again")
        ids.append((await settle(api, agent_id, run["id"]))["id"])
    page = (await api.get(f"{V2}/agents/{agent_id}/runs", params={"pageSize": 2})).json()
    assert [r["id"] for r in page["runs"]] == ids[::-1][:2]
    assert page["pagination"] == {"page": 0, "pageSize": 2, "total": 3, "hasMore": True}
    summary = page["runs"][0]
    assert set(summary) == {
        "id",
        "agentId",
        "status",
        "prompt",
        "model",
        "steps",
        "startedAt",
        "completedAt",
    }
    long = await send(api, agent_id, "x" * 300)
    listed = (await api.get(f"{V2}/agents/{agent_id}/runs")).json()["runs"][0]
    assert listed["prompt"] == "x" * 199 + "…"
    full = await settle(api, agent_id, long["id"])
    assert full["request"]["prompt"] == "x" * 300
