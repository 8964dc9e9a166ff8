"""Tables and columns: list, read, create (extension), add column."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
from tests.apps.workspace.conftest import Env, Tenant

MakeTable = Callable[..., Awaitable[str]]


async def test_list_tables_paginates_full_table_objects(api: httpx.AsyncClient) -> None:
    """The bootstrap table is listed as a full table object with the pagination envelope."""
    response = await api.get("/api/v2/tables", params={"page": 0, "pageSize": 10})
    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {"page": 0, "pageSize": 10, "total": 1, "hasMore": False}
    (table,) = body["tables"]
    assert table["name"] == "Demo companies"
    assert table["leadCount"] == 2
    assert table["credits"] == {"lifetimeUsed": 0}
    assert table["cells"] == {"running": 0, "errored": 0}
    assert [c["slug"] for c in table["columns"]] == [
        "company-name",
        "website",
        "ceo-email",
        "outreach",
    ]
    assert table["columns"][2] == {
        "id": table["columns"][2]["id"],
        "name": "CEO Email",
        "slug": "ceo-email",
        "kind": "enrichment",
        "autoTrigger": True,
        "type": "code",
        "credits": {"lifetimeUsed": 0},
        "cells": {"running": 0, "errored": 0},
    }


async def test_has_more_when_a_further_page_exists(
    api: httpx.AsyncClient, make_table: MakeTable
) -> None:
    """``hasMore`` is true until the last page."""
    await make_table(api, "email")
    first = (await api.get("/api/v2/tables", params={"pageSize": 1})).json()
    last = (await api.get("/api/v2/tables", params={"page": 1, "pageSize": 1})).json()
    assert first["pagination"]["hasMore"] is True
    assert last["pagination"] == {"page": 1, "pageSize": 1, "total": 2, "hasMore": False}


async def test_create_table_and_add_column(api: httpx.AsyncClient) -> None:
    """A created table starts empty; an added column gets a slug from its name."""
    made = await api.post("/api/v2/tables", json={"name": "Leads", "columns": [{"name": "Email"}]})
    assert made.status_code == 201
    table = made.json()
    assert (table["name"], table["leadCount"]) == ("Leads", 0)
    added = await api.post(f"/api/v2/tables/{table['id']}/columns", json={"name": "Full Name"})
    assert added.status_code == 201
    assert added.json()["slug"] == "full-name"
    columns = (await api.get(f"/api/v2/tables/{table['id']}/columns")).json()["columns"]
    assert [(c["slug"], c["kind"], c["autoTrigger"]) for c in columns] == [
        ("email", "input", False),
        ("full-name", "input", False),
    ]


async def test_get_table(api: httpx.AsyncClient, tenant: Tenant) -> None:
    """A table is readable by id."""
    response = await api.get(f"/api/v2/tables/{tenant.table_id}")
    assert response.status_code == 200
    assert response.json()["id"] == tenant.table_id


async def test_foreign_table_is_404_with_handoff(env: Env, tenant: Tenant) -> None:
    """Another workspace's table answers 404 TABLE_NOT_FOUND with a handoff link."""
    other = await env.new_tenant()
    response = await other.client.get(f"/api/v2/tables/{tenant.table_id}")
    assert response.status_code == 404
    body = response.json()
    assert (body["error"], body["code"]) == ("Table not found", "TABLE_NOT_FOUND")
    assert body["handoff"]["kind"] == "open_workspace"
    assert body["handoff"]["url"].endswith(f"/workspaces/{other.workspace_id}")
    for path in ("/columns", "/rows", "/rows/x", "/rows/x/cells/y"):
        assert (
            await other.client.get(f"/api/v2/tables/{tenant.table_id}{path}")
        ).status_code == 404
