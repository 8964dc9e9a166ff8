"""Sequences over HTTP: list, get, draft, edit a step, launch, stop, delete, campaigns."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from tests.apps.workspace.conftest import START_MS, Env, Tenant

from segue_apps.workspace.store.sequence_tables import campaigns, sequences, steps
from segue_apps.workspace.store.tables import orgs

MakeTable = Callable[..., Awaitable[str]]
V2 = "/api/v2"
NOW = "2024-03-09T16:00:00.000Z"  # START_MS
PEOPLE = [
    {"full-name": "Ada Lovelace", "email": "ada@example.com", "company": "Analytical"},
    {"full-name": "Grace Hopper", "email": "grace@example.com", "company": "Navy"},
    {"full-name": "Alan Turing", "email": "alan@example.com", "company": "Bletchley"},
]
INSTRUCTIONS = (
    "1. Email: a note about {{company}}\n"
    "2. LinkedIn connect: glad to connect\n"
    "3. Follow-up email after 5 days: still keen?"
)


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The answer is the v2 envelope with ``status`` and ``code``."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert isinstance(body["error"], str)
    assert set(body) <= {"error", "code", "details", "handoff"}
    return body


async def _people(api: httpx.AsyncClient, make_table: MakeTable) -> str:
    table_id = await make_table(api, "full-name", "email", "company")
    response = await api.post(
        f"{V2}/tables/{table_id}/rows/upsert", json={"rows": PEOPLE, "matchColumns": ["email"]}
    )
    assert response.status_code == 201, response.text
    return table_id


async def _draft(
    api: httpx.AsyncClient, table_id: str, instructions: str = INSTRUCTIONS
) -> dict[str, Any]:
    response = await api.post(
        f"{V2}/tables/{table_id}/sequences", json={"instructions": instructions}
    )
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


async def _listed(api: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await api.get(f"{V2}/sequences", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _sequence_ids(api: httpx.AsyncClient, table_id: str) -> list[str]:
    return [s["id"] for s in (await _listed(api, tableId=table_id))["sequences"]]


async def _campaign(
    api: httpx.AsyncClient, table_id: str, column_id: str, action: str, **body: Any
) -> httpx.Response:
    return await api.post(
        f"{V2}/tables/{table_id}/columns/{column_id}/campaign/{action}", json=body
    )


@pytest.fixture
async def drafted(api: httpx.AsyncClient, make_table: MakeTable) -> dict[str, Any]:
    """A table of three people with a drafted campaign: ``{table, column, ids}``."""
    table_id = await _people(api, make_table)
    made = await _draft(api, table_id)
    return {
        "table": table_id,
        "column": made["campaign"]["columnId"],
        "ids": await _sequence_ids(api, table_id),
    }


# --------------------------------------------------------------------------- read


async def test_demo_row_cell_links_to_a_stored_sequence(
    api: httpx.AsyncClient, tenant: Tenant
) -> None:
    """The bootstrap row's ``sequence`` cell names a sequence the API serves, with its steps."""
    rows = (await api.get(f"{V2}/tables/{tenant.table_id}/rows")).json()["rows"]
    cell = rows[0]["cells"]["outreach"]
    response = await api.get(cell["url"])
    assert response.status_code == 200
    sequence = response.json()
    assert (sequence["id"], sequence["status"]) == (cell["sequenceId"], cell["status"])
    assert sequence["rowId"] == rows[0]["id"]
    assert sequence["recipient"] == {"name": "Acme Corp", "email": "ceo@acme.com"}
    assert [s["channel"] for s in sequence["steps"]] == ["email", "linkedin_connect", "email"]
    assert sequence["steps"][0]["subject"] == "A quick intro to Acme Corp"


async def test_get_sequence_shape(api: httpx.AsyncClient, drafted: dict[str, Any]) -> None:
    """A sequence: its summary, instructions and steps inline, nothing of the provider."""
    first = drafted["ids"][0]
    body = (await api.get(f"{V2}/sequences/{first}")).json()
    rows = (await api.get(f"{V2}/tables/{drafted['table']}/rows")).json()["rows"]
    step_ids = [s["id"] for s in body["steps"]]
    assert body == {
        "id": first,
        "workspaceId": body["workspaceId"],
        "tableId": drafted["table"],
        "columnId": drafted["column"],
        "rowId": rows[0]["id"],
        "recipient": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "channels": ["email", "linkedin_connect"],
        "status": "draft",
        "stepCount": 3,
        "sentCount": 0,
        "campaignPaused": False,
        "url": f"/api/v2/sequences/{first}",
        "createdAt": NOW,
        "updatedAt": NOW,
        "launchedAt": None,
        "stoppedAt": None,
        "instructions": INSTRUCTIONS,
        "steps": [
            {
                "id": step_ids[0],
                "position": 0,
                "channel": "email",
                "subject": "A note about Analytical",
                "body": "Hi Ada,\n\nA note about Analytical.",
                "delayDays": 0,
                "status": "draft",
                "sentAt": None,
                "updatedAt": NOW,
            },
            {
                "id": step_ids[1],
                "position": 1,
                "channel": "linkedin_connect",
                "subject": None,
                "body": "Hi Ada,\n\nGlad to connect.",
                "delayDays": 3,
                "status": "draft",
                "sentAt": None,
                "updatedAt": NOW,
            },
            {
                "id": step_ids[2],
                "position": 2,
                "channel": "email",
                "subject": "Re: A note about Analytical",
                "body": "Hi Ada,\n\nStill keen?",
                "delayDays": 5,
                "status": "draft",
                "sentAt": None,
                "updatedAt": NOW,
            },
        ],
    }


async def test_list_needs_a_scope(api: httpx.AsyncClient) -> None:
    """Without workspaceId, tableId or columnId the list is refused: 400 MISSING_SCOPE."""
    assert_error(await api.get(f"{V2}/sequences"), 400, "MISSING_SCOPE")
    assert_error(await api.get(f"{V2}/sequences", params={"status": "draft"}), 400, "MISSING_SCOPE")


async def test_list_by_each_scope(
    api: httpx.AsyncClient, tenant: Tenant, drafted: dict[str, Any]
) -> None:
    """workspaceId, tableId and columnId each bound the list; summaries carry no steps."""
    everything = await _listed(api, workspaceId=tenant.workspace_id)
    assert everything["pagination"] == {"page": 0, "pageSize": 50, "total": 4, "hasMore": False}
    by_table = await _listed(api, tableId=drafted["table"])
    by_column = await _listed(api, columnId=drafted["column"])
    assert [s["id"] for s in by_table["sequences"]] == drafted["ids"]
    assert by_column == by_table
    assert [s["recipient"]["name"] for s in by_table["sequences"]] == [
        "Ada Lovelace",
        "Grace Hopper",
        "Alan Turing",
    ]
    assert "steps" not in by_table["sequences"][0]
    table_route = await api.get(f"{V2}/tables/{drafted['table']}/sequences")
    assert table_route.json() == by_table


async def test_pagination_bounds(api: httpx.AsyncClient, drafted: dict[str, Any]) -> None:
    """Pages of at most 100, ``hasMore`` until the last; out-of-range sizes are 400."""
    table = drafted["table"]
    first = await _listed(api, tableId=table, pageSize=2)
    last = await _listed(api, tableId=table, pageSize=2, page=1)
    past = await _listed(api, tableId=table, pageSize=2, page=7)
    assert first["pagination"] == {"page": 0, "pageSize": 2, "total": 3, "hasMore": True}
    assert last["pagination"] == {"page": 1, "pageSize": 2, "total": 3, "hasMore": False}
    assert [s["id"] for s in first["sequences"] + last["sequences"]] == drafted["ids"]
    assert past["sequences"] == []
    for params in ({"pageSize": 0}, {"pageSize": 101}, {"page": -1}):
        response = await api.get(f"{V2}/sequences", params={"tableId": table, **params})
        body = assert_error(response, 400, "VALIDATION_ERROR")
        assert body["details"]["issues"][0]["path"] in {"pageSize", "page"}
    routed = await api.get(f"{V2}/tables/{table}/sequences", params={"pageSize": 101})
    assert_error(routed, 400, "VALIDATION_ERROR")


async def test_filters(api: httpx.AsyncClient, drafted: dict[str, Any]) -> None:
    """status, channel and recipient (email or name, any case) narrow the list and its total."""
    table, ids = drafted["table"], drafted["ids"]
    assert (await api.post(f"{V2}/sequences/{ids[1]}/launch")).status_code == 200
    active = await _listed(api, tableId=table, status="active")
    assert [s["id"] for s in active["sequences"]] == [ids[1]]
    assert active["pagination"]["total"] == 1
    assert [s["id"] for s in (await _listed(api, tableId=table, status="draft"))["sequences"]] == [
        ids[0],
        ids[2],
    ]
    assert (await _listed(api, tableId=table, channel="linkedin_connect"))["pagination"][
        "total"
    ] == 3
    assert (await _listed(api, tableId=table, channel="call"))["sequences"] == []
    by_email = await _listed(api, tableId=table, recipient="GRACE@example.com")
    by_name = await _listed(api, tableId=table, recipient="alan turing")
    assert [s["id"] for s in by_email["sequences"]] == [ids[1]]
    assert [s["id"] for s in by_name["sequences"]] == [ids[2]]
    for params in ({"status": "paused"}, {"channel": "fax"}, {"recipient": ""}):
        response = await api.get(f"{V2}/sequences", params={"tableId": table, **params})
        assert_error(response, 400, "VALIDATION_ERROR")


# --------------------------------------------------------------------------- draft


async def test_draft_answers_202_with_run_table_and_counts(
    api: httpx.AsyncClient, make_table: MakeTable
) -> None:
    """A table without a sequence column gets one; each row gets a drafted sequence."""
    table_id = await _people(api, make_table)
    body = await _draft(api, table_id, "Email them about the launch, then a LinkedIn message.")
    column = body["table"]["columns"][-1]
    assert (column["name"], column["slug"], column["kind"], column["type"]) == (
        "Sequence",
        "sequence",
        "sequence",
        "code",
    )
    assert body["agent"] is None
    assert body["run"] == {
        "id": body["run"]["id"],
        "status": "completed",
        "prompt": "Email them about the launch, then a LinkedIn message.",
        "startedAt": NOW,
        "completedAt": NOW,
        "response": {
            "text": "Drafted 3 new and rewrote 0 sequence(s) of 2 step(s) (email, "
            "linkedin_message) in column 'Sequence'; 0 launched or stopped sequence(s) left "
            "as they were.",
            "actions": [
                {
                    "type": "column_added",
                    "tableId": table_id,
                    "columnId": column["id"],
                    "columnName": "Sequence",
                }
            ],
        },
    }
    assert body["run"]["id"].startswith("v2_run-")
    assert body["campaign"] == {
        "tableId": table_id,
        "columnId": column["id"],
        "slug": "sequence",
        "paused": False,
    }
    assert body["sequences"] == {"drafted": 3, "rewritten": 0, "skipped": 0, "steps": 2}
    assert body["table"]["id"] == table_id
    assert body["table"]["leadCount"] == 3


async def test_draft_fills_the_rows_sequence_cells(
    api: httpx.AsyncClient, drafted: dict[str, Any]
) -> None:
    """Every row's cell in the campaign column links to its sequence, flat rows show the status."""
    table = drafted["table"]
    rows = (await api.get(f"{V2}/tables/{table}/rows")).json()["rows"]
    cells = [row["cells"]["sequence"] for row in rows]
    assert cells == [
        {"kind": "sequence", "sequenceId": i, "status": "draft", "url": f"/api/v2/sequences/{i}"}
        for i in drafted["ids"]
    ]
    flat = (await api.get(f"{V2}/tables/{table}/rows", params={"cells": "flat"})).json()["rows"]
    assert [row["sequence"] for row in flat] == ["draft"] * 3
    cell = await api.get(f"{V2}/tables/{table}/rows/{rows[0]['id']}/cells/sequence")
    assert cell.json()["cell"] == cells[0]


async def test_redraft_rewrites_drafts_and_keeps_launched(
    api: httpx.AsyncClient, drafted: dict[str, Any]
) -> None:
    """Drafting again rewrites drafts in place (same ids) and leaves a launched sequence be."""
    table, ids = drafted["table"], drafted["ids"]
    await api.post(f"{V2}/sequences/{ids[0]}/launch")
    body = await _draft(api, table, "Call them. Column: sequence")
    assert body["sequences"] == {"drafted": 0, "rewritten": 2, "skipped": 1, "steps": 1}
    assert body["run"]["response"]["actions"] == []
    assert await _sequence_ids(api, table) == ids
    rewritten = (await api.get(f"{V2}/sequences/{ids[1]}")).json()
    kept = (await api.get(f"{V2}/sequences/{ids[0]}")).json()
    assert [(s["channel"], s["body"]) for s in rewritten["steps"]] == [("call", "Call them.")]
    assert rewritten["instructions"] == "Call them. Column: sequence"
    assert len(kept["steps"]) == 3


async def test_draft_names_its_campaign_column(
    api: httpx.AsyncClient, make_table: MakeTable
) -> None:
    """Instructions naming a sequence column draft into it rather than the first one."""
    table_id = await _people(api, make_table)
    for name in ("Cold", "Warm"):
        made = await api.post(
            f"{V2}/tables/{table_id}/columns",
            json={"name": name, "type": "code", "kind": "sequence"},
        )
        assert made.status_code == 201
    body = await _draft(api, table_id, "For the warm campaign: one email, short.")
    assert body["campaign"]["slug"] == "warm"
    assert body["sequences"]["steps"] == 1


async def test_draft_validation_errors(api: httpx.AsyncClient, tenant: Tenant) -> None:
    """Missing, empty, oversized or unknown fields and too many steps are 400s in the envelope."""
    url = f"{V2}/tables/{tenant.table_id}/sequences"
    for body in (
        {},
        {"instructions": ""},
        {"instructions": "x" * 10_001},
        {"instructions": "a", "column": "b"},
    ):
        assert_error(await api.post(url, json=body), 400, "VALIDATION_ERROR")
    many = "\n".join(f"{n}. email" for n in range(1, 12))
    error = assert_error(await api.post(url, json={"instructions": many}), 400, "VALIDATION_ERROR")
    assert error["details"]["issues"] == [
        {"path": "instructions", "message": "the instructions describe 11 steps; at most 10"}
    ]


async def test_draft_without_credits_is_402_with_top_up(
    api: httpx.AsyncClient, env: Env, tenant: Tenant
) -> None:
    """An organisation with no credits left cannot draft: 402 with a top-up handoff."""
    async with env.app.state.db.writer.begin() as conn:
        await conn.execute(orgs.update().values(credits_balance=0))
    response = await api.post(
        f"{V2}/tables/{tenant.table_id}/sequences", json={"instructions": "email"}
    )
    body = assert_error(response, 402, "INSUFFICIENT_CREDITS")
    assert body["details"] == {"creditsAvailable": 0}
    assert body["handoff"] == {
        "kind": "top_up",
        "url": "https://app.segue.dev/settings/billing?source=api",
        "label": "Top up credits",
    }


# --------------------------------------------------------------------------- steps


async def test_edit_step_copy(api: httpx.AsyncClient, drafted: dict[str, Any]) -> None:
    """A draft step's subject and body change; the answer is the edited step."""
    first = drafted["ids"][0]
    step = (await api.get(f"{V2}/sequences/{first}")).json()["steps"][0]
    response = await api.patch(
        f"{V2}/sequences/{first}/steps/{step['id']}", json={"subject": "Hello", "body": "New body"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "stepId": step["id"],
        "subject": "Hello",
        "body": "New body",
        "status": "draft",
        "updatedAt": NOW,
    }
    only_body = await api.patch(f"{V2}/sequences/{first}/steps/{step['id']}", json={"body": "B"})
    assert (only_body.json()["subject"], only_body.json()["body"]) == ("Hello", "B")
    again = (await api.get(f"{V2}/sequences/{first}")).json()["steps"][0]
    assert (again["subject"], again["body"]) == ("Hello", "B")


async def test_edit_step_refusals(api: httpx.AsyncClient, drafted: dict[str, Any]) -> None:
    """Connection requests take no subject and 300 characters at most; sent steps are final."""
    first = drafted["ids"][0]
    steps = (await api.get(f"{V2}/sequences/{first}")).json()["steps"]
    url = f"{V2}/sequences/{first}/steps"
    connect = f"{url}/{steps[1]['id']}"
    assert_error(await api.patch(connect, json={}), 400, "VALIDATION_ERROR")
    assert_error(await api.patch(connect, json={"subject": None}), 400, "VALIDATION_ERROR")
    assert_error(await api.patch(connect, json={"body": "x", "cc": "y"}), 400, "VALIDATION_ERROR")
    error = assert_error(await api.patch(connect, json={"subject": "Hi"}), 400, "VALIDATION_ERROR")
    assert error["details"]["issues"] == [
        {"path": "subject", "message": "A connection request has no subject"}
    ]
    assert_error(await api.patch(connect, json={"body": "x" * 301}), 400, "VALIDATION_ERROR")
    assert (await api.patch(connect, json={"body": "x" * 300})).status_code == 200
    assert (await api.post(f"{V2}/sequences/{first}/launch")).status_code == 200
    sent = await api.patch(f"{url}/{steps[0]['id']}", json={"body": "too late"})
    assert assert_error(sent, 400, "STEP_NOT_EDITABLE")["details"] == {"status": "sent"}
    scheduled = await api.patch(f"{url}/{steps[2]['id']}", json={"body": "still fine"})
    assert scheduled.json()["status"] == "scheduled"
    assert_error(await api.patch(f"{url}/nope", json={"body": "x"}), 404, "SEQUENCE_STEP_NOT_FOUND")
    other = drafted["ids"][1]
    foreign_step = await api.patch(
        f"{V2}/sequences/{other}/steps/{steps[2]['id']}", json={"body": "x"}
    )
    assert_error(foreign_step, 404, "SEQUENCE_STEP_NOT_FOUND")


# --------------------------------------------------------------------------- launch, stop, delete


async def test_launch_sends_the_first_step(api: httpx.AsyncClient, drafted: dict[str, Any]) -> None:
    """Launching a draft: first step sent, the rest scheduled, the cell says active."""
    first = drafted["ids"][0]
    response = await api.post(f"{V2}/sequences/{first}/launch")
    assert response.json() == {
        "sequenceId": first,
        "action": "launched",
        "sentSteps": 1,
        "scheduledSteps": 2,
    }
    body = (await api.get(f"{V2}/sequences/{first}")).json()
    assert (body["status"], body["sentCount"], body["launchedAt"]) == ("active", 1, NOW)
    assert [(s["status"], s["sentAt"]) for s in body["steps"]] == [
        ("sent", NOW),
        ("scheduled", None),
        ("scheduled", None),
    ]
    assert "provider" not in str(body).lower()
    rows = (await api.get(f"{V2}/tables/{drafted['table']}/rows")).json()["rows"]
    assert rows[0]["cells"]["sequence"]["status"] == "active"
    again = assert_error(
        await api.post(f"{V2}/sequences/{first}/launch"), 409, "SEQUENCE_NOT_DRAFT"
    )
    assert again["details"] == {"status": "active"}


async def test_stop_branches(api: httpx.AsyncClient, drafted: dict[str, Any]) -> None:
    """A fresh draft has nothing to stop; a launched one stops (sent kept); then noop."""
    first = drafted["ids"][0]
    stop = f"{V2}/sequences/{first}/stop"
    assert (await api.post(stop)).json() == {"sequenceId": first, "action": "nothing_to_stop"}
    assert (await api.get(f"{V2}/sequences/{first}")).json()["status"] == "draft"
    await api.post(f"{V2}/sequences/{first}/launch")
    dry = await api.post(stop, json={"dryRun": True})
    assert dry.json() == {
        "sequenceId": first,
        "action": "stopped",
        "dryRun": True,
        "blockedBy": None,
    }
    assert (await api.get(f"{V2}/sequences/{first}")).json()["status"] == "active"
    assert (await api.post(stop, json={})).json() == {"sequenceId": first, "action": "stopped"}
    body = (await api.get(f"{V2}/sequences/{first}")).json()
    assert (body["status"], body["stoppedAt"], body["sentCount"]) == ("stopped", NOW, 1)
    assert [s["status"] for s in body["steps"]] == ["sent", "cancelled", "cancelled"]
    rows = (await api.get(f"{V2}/tables/{drafted['table']}/rows")).json()["rows"]
    assert rows[0]["cells"]["sequence"]["status"] == "stopped"
    assert (await api.post(stop)).json() == {"sequenceId": first, "action": "noop"}
    assert_error(await api.post(stop, json={"dryRun": "yes please"}), 400, "VALIDATION_ERROR")


async def test_delete_clears_the_cell(api: httpx.AsyncClient, drafted: dict[str, Any]) -> None:
    """Deleting a draft hides it everywhere and removes its row's cell; dryRun keeps it."""
    first = drafted["ids"][0]
    url = f"{V2}/sequences/{first}/delete"
    dry = await api.post(url, json={"dryRun": True})
    assert dry.json() == {
        "sequenceId": first,
        "deleted": False,
        "sentMessages": 0,
        "dryRun": True,
        "blockedBy": None,
    }
    assert (await api.get(f"{V2}/sequences/{first}")).status_code == 200
    assert (await api.post(url)).json() == {"sequenceId": first, "deleted": True, "sentMessages": 0}
    assert_error(await api.get(f"{V2}/sequences/{first}"), 404, "SEQUENCE_NOT_FOUND")
    assert_error(await api.post(url), 404, "SEQUENCE_NOT_FOUND")
    assert await _sequence_ids(api, drafted["table"]) == drafted["ids"][1:]
    rows = (await api.get(f"{V2}/tables/{drafted['table']}/rows")).json()["rows"]
    assert "sequence" not in rows[0]["cells"]
    redraft = await _draft(api, drafted["table"])
    assert redraft["sequences"] == {"drafted": 1, "rewritten": 2, "skipped": 0, "steps": 3}


async def test_delete_guards_sent_messages(api: httpx.AsyncClient, drafted: dict[str, Any]) -> None:
    """A sequence with sent messages needs forceDeletionOfSentMessages; dryRun reports the 409."""
    first = drafted["ids"][0]
    await api.post(f"{V2}/sequences/{first}/launch")
    url = f"{V2}/sequences/{first}/delete"
    error = assert_error(await api.post(url), 409, "SEQUENCE_HAS_SENT_MESSAGES")
    assert error["details"] == {"sentMessages": 1}
    dry = (await api.post(url, json={"dryRun": True})).json()
    assert (dry["deleted"], dry["dryRun"], dry["blockedBy"]) == (False, True, error)
    forced = await api.post(url, json={"forceDeletionOfSentMessages": True})
    assert forced.json() == {"sequenceId": first, "deleted": True, "sentMessages": 1}


# --------------------------------------------------------------------------- campaigns


async def test_campaign_pause_and_resume(api: httpx.AsyncClient, drafted: dict[str, Any]) -> None:
    """Pause and resume are idempotent, dryRun writes nothing, GET reads the state."""
    table, column = drafted["table"], drafted["column"]
    state = f"{V2}/tables/{table}/columns/{column}/campaign"
    running = {
        "tableId": table,
        "columnId": column,
        "slug": "sequence",
        "paused": False,
        "pausedAt": None,
        "sequences": 3,
    }
    paused = {**running, "paused": True, "pausedAt": NOW}
    assert (await api.get(state)).json() == running
    dry = await _campaign(api, table, column, "pause", dryRun=True)
    assert dry.json() == {**paused, "action": "paused", "dryRun": True, "blockedBy": None}
    assert (await api.get(state)).json() == running
    assert (await _campaign(api, table, column, "pause")).json() == {**paused, "action": "paused"}
    assert (await _campaign(api, table, column, "pause")).json() == {**paused, "action": "noop"}
    assert (await api.get(state)).json() == paused
    assert (await api.get(f"{V2}/sequences/{drafted['ids'][0]}")).json()["campaignPaused"] is True
    by_slug = f"{V2}/tables/{table}/columns/sequence/campaign"
    assert (await api.get(by_slug)).json() == paused
    assert (await _campaign(api, table, column, "resume")).json() == {
        **running,
        "action": "resumed",
    }
    assert (await _campaign(api, table, column, "resume")).json() == {**running, "action": "noop"}


async def test_campaign_refusals(api: httpx.AsyncClient, env: Env, drafted: dict[str, Any]) -> None:
    """Only sequence columns are campaigns; unknown and foreign ids are 404."""
    table = drafted["table"]
    columns = (await api.get(f"{V2}/tables/{table}/columns")).json()["columns"]
    email = next(c["id"] for c in columns if c["slug"] == "email")
    error = assert_error(await _campaign(api, table, email, "pause"), 400, "NOT_A_SEQUENCE_COLUMN")
    assert error["error"] == (
        "Column 'email' is not a sequence column (kind input); campaigns are sequence columns."
    )
    assert_error(await _campaign(api, table, "nope", "pause"), 404, "COLUMN_NOT_FOUND")
    assert_error(
        await api.get(f"{V2}/tables/{table}/columns/nope/campaign"), 404, "COLUMN_NOT_FOUND"
    )
    other = await env.new_tenant()
    for action in ("pause", "resume"):
        foreign = await _campaign(other.client, table, drafted["column"], action)
        assert_error(foreign, 404, "TABLE_NOT_FOUND")
    assert_error(
        await other.client.get(f"{V2}/tables/{table}/columns/{drafted['column']}/campaign"),
        404,
        "TABLE_NOT_FOUND",
    )


async def test_paused_campaign_refuses_real_actions(
    api: httpx.AsyncClient, tenant: Tenant, drafted: dict[str, Any]
) -> None:
    """Every real action on a paused campaign is 409 CAMPAIGN_PAUSED with a resume handoff."""
    table, column, ids = drafted["table"], drafted["column"], drafted["ids"]
    assert (await api.post(f"{V2}/sequences/{ids[1]}/launch")).status_code == 200
    assert (await _campaign(api, table, column, "pause")).status_code == 200
    before = (await api.get(f"{V2}/sequences/{ids[0]}")).json()
    step = before["steps"][0]["id"]
    expected = {
        "error": "The campaign is paused; resume it before acting on its sequences.",
        "code": "CAMPAIGN_PAUSED",
        "details": {
            "tableId": table,
            "columnId": column,
            "resume": f"/api/v2/tables/{table}/columns/{column}/campaign/resume",
        },
        "handoff": {
            "kind": "resume_campaign",
            "url": f"https://app.segue.dev/workspaces/{tenant.workspace_id}/tables/{table}"
            f"?column={column}&campaign=resume",
            "label": "Resume the campaign",
        },
    }
    refused = [
        await api.post(f"{V2}/sequences/{ids[0]}/launch"),
        await api.post(f"{V2}/sequences/{ids[1]}/stop"),
        await api.post(f"{V2}/sequences/{ids[0]}/delete"),
        await api.patch(f"{V2}/sequences/{ids[0]}/steps/{step}", json={"body": "x"}),
        await api.post(f"{V2}/tables/{table}/sequences", json={"instructions": "email"}),
    ]
    for response in refused:
        assert response.status_code == 409
        assert response.json() == expected
    assert (await api.get(f"{V2}/sequences/{ids[0]}")).json() == before
    assert (await api.get(f"{V2}/sequences/{ids[1]}")).json()["status"] == "active"
    dry_stop = await api.post(f"{V2}/sequences/{ids[1]}/stop", json={"dryRun": True})
    assert dry_stop.status_code == 200
    assert dry_stop.json() == {
        "sequenceId": ids[1],
        "action": "stopped",
        "dryRun": True,
        "blockedBy": expected,
    }
    dry_launch = (await api.post(f"{V2}/sequences/{ids[0]}/launch", json={"dryRun": True})).json()
    assert (dry_launch["dryRun"], dry_launch["blockedBy"]) == (True, expected)
    assert (await api.get(f"{V2}/sequences/{ids[0]}")).json() == before
    await _campaign(api, table, column, "resume")
    assert (await api.post(f"{V2}/sequences/{ids[1]}/stop")).json()["action"] == "stopped"


# --------------------------------------------------------------------------- tenancy


async def test_foreign_ids_are_404(env: Env, tenant: Tenant, drafted: dict[str, Any]) -> None:
    """Another workspace's sequences and tables are 404, and match nothing in lists."""
    other = await env.new_tenant()
    first = drafted["ids"][0]
    api = other.client
    step = "x"
    for response in (
        await api.get(f"{V2}/sequences/{first}"),
        await api.patch(f"{V2}/sequences/{first}/steps/{step}", json={"body": "x"}),
        await api.post(f"{V2}/sequences/{first}/launch"),
        await api.post(f"{V2}/sequences/{first}/stop", json={"dryRun": True}),
        await api.post(f"{V2}/sequences/{first}/delete", json={"dryRun": True}),
    ):
        assert_error(response, 404, "SEQUENCE_NOT_FOUND")
    table = drafted["table"]
    for response in (
        await api.get(f"{V2}/tables/{table}/sequences"),
        await api.post(f"{V2}/tables/{table}/sequences", json={"instructions": "email"}),
    ):
        body = assert_error(response, 404, "TABLE_NOT_FOUND")
        assert body["handoff"]["kind"] == "open_workspace"
    for scope in (
        {"workspaceId": tenant.workspace_id},
        {"tableId": table},
        {"columnId": drafted["column"]},
    ):
        listed = await _listed(api, **scope)
        assert listed == {
            "sequences": [],
            "pagination": {"page": 0, "pageSize": 50, "total": 0, "hasMore": False},
        }
    assert (await api.get(f"{V2}/sequences/{first}")).status_code == 404
    assert (await tenant.client.get(f"{V2}/sequences/{first}")).status_code == 200


async def test_sequences_are_absent_from_v1(
    api: httpx.AsyncClient, drafted: dict[str, Any]
) -> None:
    """v1 has no Sequences segment: 404 NOT_FOUND in v1's envelope."""
    first = drafted["ids"][0]
    for method, path in (
        ("GET", f"/sequences/{first}"),
        ("GET", f"/tables/{drafted['table']}/sequences"),
        ("POST", f"/sequences/{first}/stop"),
    ):
        response = await api.request(method, f"/api/v1{path}")
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"


def test_start_ms_is_the_iso_now() -> None:
    """``NOW`` above is the fixtures' clock, rendered as the API renders times."""
    from segue_apps.workspace.cells import iso

    assert iso(START_MS) == NOW


async def test_deleting_the_workspace_deletes_its_sequences(
    api: httpx.AsyncClient, env: Env, make_table: MakeTable
) -> None:
    """A workspace delete cascades to its sequences, their steps and campaign states."""
    made = (await api.post(f"{V2}/workspaces", json={"name": "Temp"})).json()
    other = env.client(made["apiKey"])
    table_id = await _people(other, make_table)
    column = (await _draft(other, table_id))["campaign"]["columnId"]
    assert (await _campaign(other, table_id, column, "pause")).status_code == 200
    deleted = await api.post(f"{V2}/workspaces/{made['id']}/delete", json={"confirm": True})
    assert deleted.status_code == 200
    count = sa.select(sa.func.count())
    async with env.app.state.db.engine.connect() as conn:
        gone = sequences.c.workspace_id == made["id"]
        orphans = steps.c.sequence_id.not_in(sa.select(sequences.c.id))
        assert (await conn.execute(count.select_from(sequences).where(gone))).scalar_one() == 0
        assert (await conn.execute(count.select_from(steps).where(orphans))).scalar_one() == 0
        assert (await conn.execute(count.select_from(campaigns))).scalar_one() == 0
