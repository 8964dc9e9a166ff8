"""v1 over HTTP, served by segue from the v2 implementation: the seed's v1 examples."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

SEED_BODY = {
    "external_id": "my-conversation-123",
    "title": "Chat about pricing",
    "metadata": {"source": "web"},
    "messages": [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi!"},
    ],
}
SUNSET_MS = 1_798_761_599_000  # 2026-12-31T23:59:59Z
MESSAGE_KEYS = {"id", "role", "content", "metadata", "token_count", "created_at"}
CONVERSATION_KEYS = {
    "id",
    "project_id",
    "external_id",
    "title",
    "metadata",
    "message_count",
    "token_count",
    "created_at",
    "updated_at",
}


def assert_v1_headers(response: httpx.Response) -> None:
    assert response.headers["deprecation"] == "true"
    assert response.headers["sunset"] == "Thu, 31 Dec 2026 23:59:59 GMT"
    assert response.headers["link"] == (
        '<https://docs.agentstate.app/api/v2/migration>; rel="deprecation"'
    )


async def v1_create(api: httpx.AsyncClient, prefix: str = "/v1") -> dict[str, Any]:
    response = await api.post(f"{prefix}/conversations", json=SEED_BODY)
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.mark.parametrize("prefix", ["/v1", "/api/v1"])
async def test_create_answers_with_messages_and_id(api: httpx.AsyncClient, prefix: str) -> None:
    """v1 create: `id`, not `conversation_id`, and the messages included."""
    response = await api.post(f"{prefix}/conversations", json=SEED_BODY)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == CONVERSATION_KEYS | {"messages"}
    assert body["external_id"] == "my-conversation-123"
    assert body["metadata"] == {"source": "web"}
    assert body["message_count"] == 2
    assert [(m["role"], m["content"]) for m in body["messages"]] == [
        ("user", "Hello"),
        ("assistant", "Hi!"),
    ]
    assert all(set(m) == MESSAGE_KEYS for m in body["messages"])
    assert len(body["id"]) == 21
    assert_v1_headers(response)


async def test_v2_create_has_no_messages_nor_headers(api: httpx.AsyncClient) -> None:
    """The same create in v2: `conversation_id`, no messages, no deprecation headers."""
    response = await api.post("/api/v2/conversations", json=SEED_BODY)
    assert set(response.json()) == (CONVERSATION_KEYS - {"id"}) | {"conversation_id"}
    assert "deprecation" not in response.headers


async def test_get_includes_messages_unless_excluded(api: httpx.AsyncClient) -> None:
    """v1 get has messages by default; `?fields=!messages` leaves them out."""
    made = await v1_create(api)
    full = (await api.get(f"/v1/conversations/{made['id']}")).json()
    assert set(full) == CONVERSATION_KEYS | {"messages"}
    assert len(full["messages"]) == 2
    bare = (await api.get(f"/v1/conversations/{made['id']}?fields=!messages")).json()
    assert set(bare) == CONVERSATION_KEYS
    v2 = (await api.get(f"/api/v2/conversations/{made['id']}")).json()
    assert "messages" not in v2


async def test_list_renames_ids_and_has_no_total(api: httpx.AsyncClient) -> None:
    """v1 list: items carry `id`; pagination is `{limit, next_cursor}` with no total."""
    made = await v1_create(api)
    response = await api.get("/v1/conversations?limit=50&order=desc")
    body = response.json()
    assert set(body) == {"data", "pagination"}
    assert body["pagination"] == {"limit": 50, "next_cursor": None}
    assert body["data"][0]["id"] == made["id"]
    assert "conversation_id" not in body["data"][0]
    assert_v1_headers(response)


async def test_put_updates_like_v2_patch(api: httpx.AsyncClient) -> None:
    """v1 PUT is v2 PATCH: partial update, answered with `id`; v1 has no PATCH."""
    made = await v1_create(api)
    path = f"/v1/conversations/{made['id']}"
    body = {"title": "Updated title", "metadata": {"category": "sales"}}
    response = await api.put(path, json=body)
    assert response.status_code == 200
    assert response.json()["id"] == made["id"]
    assert response.json()["title"] == "Updated title"
    assert response.json()["external_id"] == "my-conversation-123"
    assert (await api.patch(path, json=body)).status_code == 405
    assert (await api.put(f"/api/v2/conversations/{made['id']}", json=body)).status_code == 405


async def test_delete_then_404(api: httpx.AsyncClient) -> None:
    """v1 delete answers 204; the conversation is gone in both versions."""
    made = await v1_create(api)
    assert (await api.delete(f"/v1/conversations/{made['id']}")).status_code == 204
    gone = await api.get(f"/v1/conversations/{made['id']}")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "NOT_FOUND"


async def test_search_has_top_level_next_cursor(api: httpx.AsyncClient) -> None:
    """v1 search: `{data: [{id, title, snippet, …}], next_cursor}`."""
    made = await v1_create(api)
    response = await api.get("/v1/conversations/search?q=pricing&limit=20")
    body = response.json()
    assert set(body) == {"data", "next_cursor"}
    assert body["next_cursor"] is None
    assert set(body["data"][0]) == {
        "id",
        "title",
        "snippet",
        "message_count",
        "created_at",
        "updated_at",
    }
    assert body["data"][0]["id"] == made["id"]


async def test_messages_append_and_list_identical(api: httpx.AsyncClient) -> None:
    """Append and list messages behave in v1 exactly as in v2."""
    made = await v1_create(api)
    new = {"messages": [{"role": "user", "content": "What's new?"}]}
    appended = await api.post(f"/v1/conversations/{made['id']}/messages", json=new)
    assert appended.status_code == 201
    assert set(appended.json()) == {"messages"}
    listed = (await api.get(f"/v1/conversations/{made['id']}/messages?limit=100")).json()
    assert set(listed) == {"data", "pagination"}
    assert [m["content"] for m in listed["data"]] == ["Hello", "Hi!", "What's new?"]


async def test_projects_in_v1_shape(api: httpx.AsyncClient) -> None:
    """Project create, list, get and patch carry v1 field names and no v2-only fields."""
    created = await api.post(
        "/v1/projects", json={"name": "My App", "slug": "my-app", "org_id": "org_123"}
    )
    assert created.status_code == 201
    body = created.json()
    assert set(body["project"]) == {"id", "org_id", "name", "slug", "created_at"}
    assert set(body["api_key"]) == {"id", "name", "key_prefix", "key", "created_at"}
    project_id = body["project"]["id"]
    listed = (await api.get("/v1/projects?org_id=default")).json()
    assert set(listed) == {"data"}
    assert {p["id"] for p in listed["data"]} >= {project_id}
    assert set(listed["data"][0]) == {"id", "org_id", "name", "slug", "created_at", "key_count"}
    one = (await api.get(f"/v1/projects/{project_id}")).json()
    assert set(one) == {"id", "org_id", "name", "slug", "created_at", "api_keys"}
    assert set(one["api_keys"][0]) == {
        "id",
        "name",
        "key_prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    }
    patched = await api.patch(f"/v1/projects/{project_id}", json={"name": "Updated App Name"})
    assert patched.json()["name"] == "Updated App Name"
    assert "updated_at" not in patched.json()
    assert (await api.delete(f"/v1/projects/{project_id}")).status_code == 204


async def test_v1_project_list_walks_every_v2_page(api: httpx.AsyncClient) -> None:
    """v1 has no pagination: the adapter returns every project across v2 pages."""
    for n in range(3):
        await api.post("/api/v2/projects", json={"name": f"P{n}"})
    v2 = (await api.get("/api/v2/projects?limit=2")).json()
    assert len(v2["data"]) == 2
    v1 = (await api.get("/v1/projects")).json()
    assert len(v1["data"]) == v2["pagination"]["total"] == 4


async def test_keys_under_project_path(env: Any) -> None:
    """v1 keys live under /api/projects/:id/keys; v2 infers the project from the key."""
    api, project_id = env.tenant.client, env.tenant.project_id
    created = await api.post(f"/api/projects/{project_id}/keys", json={"name": "Production Key"})
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {
        "id",
        "name",
        "key_prefix",
        "key",
        "created_at",
        "last_used_at",
        "revoked_at",
    }
    assert body["key"].startswith("as_live_")
    assert body["key_prefix"] == body["key"][:12]
    listed = (await api.get(f"/api/projects/{project_id}/keys")).json()
    assert {k["id"] for k in listed["data"]} == {env.tenant.key_id, body["id"]}
    assert "project_id" not in listed["data"][0]
    revoked = await api.delete(f"/api/projects/{project_id}/keys/{body['id']}")
    assert revoked.status_code == 204
    refused = await env.client(body["key"]).get("/api/v2/conversations")
    assert refused.status_code == 401


async def test_keys_of_another_project_are_404(env: Any) -> None:
    """A key cannot reach another project's keys through the v1 path, even in its org."""
    other = await env.new_project()
    api = env.tenant.client
    for response in (
        await api.get(f"/api/projects/{other.project_id}/keys"),
        await api.post(f"/api/projects/{other.project_id}/keys", json={"name": "x"}),
        await api.delete(f"/api/projects/{other.project_id}/keys/{other.key_id}"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"


async def test_analytics_have_no_project_id(api: httpx.AsyncClient) -> None:
    """v1 analytics answer without v2's `project_id`."""
    await v1_create(api)
    summary = (await api.get("/v1/analytics/summary")).json()
    assert set(summary) == {
        "total_conversations",
        "total_messages",
        "total_tokens",
        "avg_messages_per_conversation",
        "avg_tokens_per_conversation",
        "period",
    }
    series = (await api.get("/v1/analytics/timeseries?metric=messages&granularity=day")).json()
    assert set(series) == {"metric", "granularity", "period", "data"}
    tags = (await api.get("/v1/analytics/tags")).json()
    assert set(tags) == {"period", "data"}
    v2 = (await api.get("/api/v2/analytics/summary")).json()
    assert "project_id" in v2


async def test_unauthenticated_v1_is_401_with_headers(env: Any) -> None:
    """Auth errors keep the envelope and the lifecycle headers."""
    response = await env.client().get("/v1/conversations")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"
    assert_v1_headers(response)


async def test_after_sunset_every_v1_route_is_410(env: Any) -> None:
    """From the sunset instant on, v1 answers 410 Gone; v2 keeps working."""
    api = env.tenant.client
    env.clock.now = SUNSET_MS
    for response in (
        await api.get("/v1/conversations"),
        await api.post("/api/v1/conversations", json=SEED_BODY),
        await api.get(f"/api/projects/{env.tenant.project_id}/keys"),
    ):
        assert response.status_code == 410
        assert response.json()["error"]["code"] == "GONE"
        assert "https://docs.agentstate.app/api/v2/migration" in response.json()["error"]["message"]
    assert (await api.get("/api/v2/conversations")).status_code == 200


async def test_v1_openapi_has_v1_routes(api: httpx.AsyncClient) -> None:
    """v1's derived document lists the seed's v1 routes with v1 field names."""
    doc = (await api.get("/v1/openapi.json")).json()
    paths = doc["paths"]
    assert "put" in paths["/v1/conversations/{conversation_id}"]
    assert "patch" not in paths["/v1/conversations/{conversation_id}"]
    assert "/v1/projects/{project_id}/keys" in paths
    create = paths["/v1/conversations"]["post"]["responses"]["201"]
    props = create["content"]["application/json"]["schema"]["properties"]
    assert "id" in props
    assert "conversation_id" not in props
