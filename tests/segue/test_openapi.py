"""Per-version OpenAPI documents and docs pages."""

from __future__ import annotations

from typing import Any

import httpx


async def openapi(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await client.get(url)
    assert response.status_code == 200
    return dict(response.json())


async def test_v1_document_has_v1_paths_and_methods(client: httpx.AsyncClient) -> None:
    """Moved, absent and removed routes show in v1's document as v1 has them."""
    doc = await openapi(client, "/v1/openapi.json")
    paths = doc["paths"]
    assert set(paths) == {
        "/v1/widgets",
        "/v1/widgets/search",
        "/v1/widgets/{id}",
        "/v1/widgets/{id}/clone",
        "/v1/widgets/{id}/summary",
    }
    assert set(paths["/v1/widgets/{id}"]) == {"get", "put", "delete"}
    assert set(paths["/v1/widgets/{id}/summary"]["get"]["responses"]) == {"410"}
    assert doc["info"]["version"] == "v1"


async def test_v1_document_renames_fields_and_enums(client: httpx.AsyncClient) -> None:
    """Response schemas carry v1 names, v1 enum values and v1-only fields."""
    doc = await openapi(client, "/v1/openapi.json")
    get = doc["paths"]["/v1/widgets/{id}"]["get"]
    schema = get["responses"]["200"]["content"]["application/json"]["schema"]
    props = schema["properties"]
    assert "id" in props
    assert "widget_id" not in props
    assert "color" not in props
    assert props["grade"]["enum"] == ["full", "maybe", "none"]
    assert props["legacy_code"] == {"type": "string"}
    params = {p["name"] for p in get["parameters"]}
    assert params == {"id", "fields"}


async def test_v1_document_reshapes_envelopes(client: httpx.AsyncClient) -> None:
    """Search pagination and error bodies take v1's shape in the document too."""
    doc = await openapi(client, "/v1/openapi.json")
    search = doc["paths"]["/v1/widgets/search"]["get"]["responses"]
    ok = search["200"]["content"]["application/json"]["schema"]["properties"]
    assert set(ok) == {"data", "next_cursor"}
    error = search["400"]["content"]["application/json"]["schema"]["properties"]
    assert set(error) == {"error", "code", "path"}


async def test_v1_request_schema_uses_v1_spelling(client: httpx.AsyncClient) -> None:
    """The PUT body takes v1 enum values and no v2-only field."""
    doc = await openapi(client, "/v1/openapi.json")
    put = doc["paths"]["/v1/widgets/{id}"]["put"]
    props = put["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert "color" not in props
    assert props["grade"]["anyOf"][0]["enum"] == ["full", "maybe", "none"]


async def test_v2_document_is_the_apps(client: httpx.AsyncClient) -> None:
    """The newest document is the app's own, with the lifecycle added."""
    doc = await openapi(client, "/api/v2/openapi.json")
    assert "/api/v2/stats" in doc["paths"]
    assert doc["x-segue-lifecycle"]["sunset_at"] is None


async def test_docs_page_per_version(client: httpx.AsyncClient) -> None:
    """Each version has an interactive docs page pointing at its document."""
    response = await client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '"/v1/openapi.json"' in response.text


async def test_removed_route_declares_its_path_parameters(client: httpx.AsyncClient) -> None:
    """A removed route's 410 operation still names ``{id}``, so the document is valid."""
    doc = await openapi(client, "/v1/openapi.json")
    op = doc["paths"]["/v1/widgets/{id}/summary"]["get"]
    assert op["parameters"] == [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    ]


async def test_adapter_without_newer_route_declares_its_answers(client: httpx.AsyncClient) -> None:
    """``POST /widgets/{id}/clone`` exists only as an adapter: its success status, and
    a default for whatever the calls it makes answer (e.g. v2's 404)."""
    doc = await openapi(client, "/v1/openapi.json")
    responses = doc["paths"]["/v1/widgets/{id}/clone"]["post"]["responses"]
    assert set(responses) == {"201", "default"}
    missing = await client.post("/v1/widgets/w404/clone")
    assert missing.status_code == 404
