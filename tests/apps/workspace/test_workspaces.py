"""Workspaces, documents, account and credits, auth and the error envelope."""

from __future__ import annotations

import httpx
from tests.apps.workspace.conftest import Env, Tenant


async def test_create_and_list_workspaces(api: httpx.AsyncClient, env: Env) -> None:
    """A created workspace comes with a key that sees only that (empty) workspace."""
    made = await api.post("/api/v2/workspaces", json={"name": "Outbound"})
    assert made.status_code == 201
    body = made.json()
    assert body["name"] == "Outbound"
    listed = (await api.get("/api/v2/workspaces")).json()
    assert sorted(w["name"] for w in listed["workspaces"]) == ["Default", "Outbound"]
    assert listed["pagination"]["total"] == 2
    tables = (await env.client(body["apiKey"]).get("/api/v2/tables")).json()
    assert tables["tables"] == []


async def test_delete_workspace_needs_confirmation(api: httpx.AsyncClient, env: Env) -> None:
    """Delete previews with 409 CONFIRMATION_REQUIRED, then deletes with confirm: true."""
    made = (await api.post("/api/v2/workspaces", json={"name": "Temp"})).json()
    preview = await api.post(f"/api/v2/workspaces/{made['id']}/delete")
    assert preview.status_code == 409
    assert preview.json()["code"] == "CONFIRMATION_REQUIRED"
    assert preview.json()["details"] == {"name": "Temp", "willDelete": {"tables": 0, "rows": 0}}
    done = await api.post(f"/api/v2/workspaces/{made['id']}/delete", json={"confirm": True})
    assert done.json() == {"workspaceId": made["id"], "name": "Temp", "deleted": True}
    assert (await env.client(made["apiKey"]).get("/api/v2/tables")).status_code == 401


async def test_foreign_workspace_ids_are_404(env: Env, tenant: Tenant) -> None:
    """Another organisation's workspace, documents and batches are 404, never 403."""
    other = await env.new_tenant()
    ws = tenant.workspace_id
    delete = await other.client.post(f"/api/v2/workspaces/{ws}/delete", json={"confirm": True})
    assert (delete.status_code, delete.json()["code"]) == (404, "WORKSPACE_NOT_FOUND")
    docs = await other.client.get(f"/api/v2/workspaces/{ws}/documents/{tenant.document_id}")
    assert (docs.status_code, docs.json()["code"]) == (404, "WORKSPACE_NOT_FOUND")
    assert (await tenant.client.get("/api/v2/tables")).json()["pagination"]["total"] == 1


async def test_documents_read_and_delete(api: httpx.AsyncClient, tenant: Tenant) -> None:
    """Documents list without content, read with content, and delete once."""
    base = f"/api/v2/workspaces/{tenant.workspace_id}/documents"
    listed = (await api.get(base)).json()
    assert [d["name"] for d in listed["documents"]] == ["README"]
    assert "content" not in listed["documents"][0]
    one = (await api.get(f"{base}/{tenant.document_id}")).json()
    assert (one["content"], one["mimeType"]) == ("# Demo workspace\n", "text/markdown")
    gone = await api.delete(f"{base}/{tenant.document_id}")
    assert gone.json() == {"documentId": tenant.document_id, "deleted": True}
    again = await api.get(f"{base}/{tenant.document_id}")
    assert (again.status_code, again.json()["code"]) == (404, "DOCUMENT_NOT_FOUND")


async def test_account_and_credits(api: httpx.AsyncClient) -> None:
    """The account shows plan and capabilities; credits come from the database."""
    account = (await api.get("/api/v2/account")).json()
    assert account["plan"] == "starter"
    assert account["capabilities"] == {"api": True, "sequences": False, "scheduledAgents": False}
    assert account["workspaces"] == {"used": 1, "limit": 10}
    credits = await api.get("/api/v2/account/credits")
    assert credits.json() == {"balance": 1000, "currency": "credits"}


async def test_missing_or_bad_key_is_401(env: Env) -> None:
    """No key or an unknown key answers 401 UNAUTHORIZED in the v2 envelope."""
    missing = await env.client().get("/api/v2/tables")
    assert missing.status_code == 401
    assert missing.json() == {"error": "Missing API key", "code": "UNAUTHORIZED"}
    bad = await env.client("as_live_" + "x" * 40).get("/api/v2/tables")
    assert (bad.status_code, bad.json()["code"]) == (401, "UNAUTHORIZED")


async def test_unknown_route_uses_the_envelope(api: httpx.AsyncClient) -> None:
    """Framework 404s use the v2 envelope too, and the OpenAPI document is served."""
    response = await api.get("/api/v2/nope")
    assert response.json() == {"error": "Not Found", "code": "NOT_FOUND"}
    spec = (await api.get("/api/v2/openapi.json")).json()
    assert "/api/v2/tables/{tableId}/rows/upsert" in spec["paths"]
