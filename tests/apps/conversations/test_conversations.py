"""Conversations: create, get, list, patch, delete."""

from __future__ import annotations

CONVERSATION_KEYS = {
    "conversation_id",
    "project_id",
    "external_id",
    "title",
    "metadata",
    "message_count",
    "token_count",
    "created_at",
    "updated_at",
}
MESSAGE_KEYS = {"id", "role", "content", "metadata", "token_count", "created_at"}
SEED_BODY = {
    "external_id": "my-conversation-123",
    "title": "Chat about pricing",
    "metadata": {"source": "web"},
    "messages": [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi!"}],
}


async def test_create_returns_conversation_without_messages(env, api):
    """POST /conversations answers 201 with the v2 object and no messages."""
    response = await api.post("/api/v2/conversations", json=SEED_BODY)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == CONVERSATION_KEYS
    assert body["project_id"] == env.tenant.project_id
    assert body["external_id"] == "my-conversation-123"
    assert body["metadata"] == {"source": "web"}
    assert body["message_count"] == 2
    assert body["token_count"] == 1 + 2  # "Hello" → 1, "Hi!" → 2
    assert body["created_at"] == body["updated_at"] == env.clock.now
    assert len(body["conversation_id"]) == 21


async def test_create_with_empty_body_gives_defaults(api):
    """An empty body creates an empty conversation with null title and {} metadata."""
    response = await api.post("/api/v2/conversations", json={})
    assert response.status_code == 201
    body = response.json()
    assert (body["title"], body["external_id"], body["metadata"]) == (None, None, {})
    assert (body["message_count"], body["token_count"]) == (0, 0)


async def test_client_token_count_wins(api, create):
    """A message's own token_count is used instead of the estimate."""
    body = await create(api, messages=[{"role": "user", "content": "Hello", "token_count": 42}])
    assert body["token_count"] == 42


async def test_duplicate_external_id_is_conflict(api, create):
    """A second create with the same external_id in a project is 409 CONFLICT."""
    await create(api, external_id="dup")
    response = await api.post("/api/v2/conversations", json={"external_id": "dup"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "CONFLICT"


async def test_same_external_id_in_other_project_is_fine(env, api, create):
    """external_id is unique per project, not globally."""
    other = await env.new_project()
    await create(api, external_id="shared")
    await create(other.client, external_id="shared")


async def test_get_excludes_messages_by_default(api, create):
    """GET /conversations/{id} has no messages key without include."""
    created = await create(api, **SEED_BODY)
    response = await api.get(f"/api/v2/conversations/{created['conversation_id']}")
    assert response.status_code == 200
    assert response.json() == created


async def test_get_include_messages(api, create):
    """?include=messages adds the messages in order with their exact shape."""
    created = await create(api, **SEED_BODY)
    response = await api.get(
        f"/api/v2/conversations/{created['conversation_id']}", params={"include": "messages"}
    )
    body = response.json()
    assert set(body) == CONVERSATION_KEYS | {"messages"}
    assert [m["content"] for m in body["messages"]] == ["Hello", "Hi!"]
    assert all(set(m) == MESSAGE_KEYS for m in body["messages"])
    assert body["messages"][0]["role"] == "user"
    assert body["messages"][0]["metadata"] == {}


async def test_get_unknown_include_is_bad_request(api, create):
    """An unknown include value is 400 naming include."""
    created = await create(api)
    response = await api.get(
        f"/api/v2/conversations/{created['conversation_id']}", params={"include": "nope"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("include:")


async def test_get_missing_is_not_found(api):
    """An unknown id is 404 NOT_FOUND in the envelope."""
    response = await api.get("/api/v2/conversations/doesnotexist")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "NOT_FOUND", "message": "Conversation not found"}}


async def test_patch_changes_only_sent_fields(env, api, create):
    """PATCH updates title and bumps updated_at, keeping metadata and external_id."""
    created = await create(api, title="Old", metadata={"a": 1}, external_id="e1")
    env.clock.advance(500)
    response = await api.patch(
        f"/api/v2/conversations/{created['conversation_id']}", json={"title": "Updated title"}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == CONVERSATION_KEYS
    assert body["title"] == "Updated title"
    assert body["metadata"] == {"a": 1}
    assert body["external_id"] == "e1"
    assert body["updated_at"] == created["updated_at"] + 500
    assert body["created_at"] == created["created_at"]


async def test_patch_metadata_and_external_id(api, create):
    """PATCH replaces metadata and external_id; a taken external_id is 409."""
    await create(api, external_id="taken")
    created = await create(api)
    path = f"/api/v2/conversations/{created['conversation_id']}"
    response = await api.patch(path, json={"metadata": {"category": "sales"}, "external_id": "x"})
    assert response.json()["metadata"] == {"category": "sales"}
    assert response.json()["external_id"] == "x"
    conflict = await api.patch(path, json={"external_id": "taken"})
    assert conflict.status_code == 409


async def test_patch_missing_is_not_found(api):
    """PATCH on an unknown id is 404."""
    response = await api.patch("/api/v2/conversations/nope", json={"title": "x"})
    assert response.status_code == 404


async def test_delete_then_gone(api, create):
    """DELETE answers 204 with no body; the conversation is then 404."""
    created = await create(api, **SEED_BODY)
    path = f"/api/v2/conversations/{created['conversation_id']}"
    response = await api.delete(path)
    assert response.status_code == 204
    assert response.content == b""
    assert (await api.get(path)).status_code == 404
    assert (await api.delete(path)).status_code == 404


async def test_list_shape_and_total(api, create):
    """GET /conversations answers {data, pagination: {limit, next_cursor, total}}."""
    for _ in range(3):
        await create(api)
    response = await api.get("/api/v2/conversations")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "pagination"}
    assert body["pagination"] == {"limit": 50, "next_cursor": None, "total": 3}
    assert all(set(item) == CONVERSATION_KEYS for item in body["data"])


async def test_list_walks_all_rows_with_distinct_timestamps(env, api, create):
    """Following next_cursor (a plain ms string) visits every row once, newest first."""
    ids = []
    for _ in range(7):
        ids.append((await create(api))["conversation_id"])
        env.clock.advance(10)
    seen, cursor, cursors = [], None, []
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await api.get("/api/v2/conversations", params=params)).json()
        seen += [item["conversation_id"] for item in page["data"]]
        cursor = page["pagination"]["next_cursor"]
        if cursor is None:
            break
        cursors.append(cursor)
    assert seen == list(reversed(ids))
    assert all(c.isdigit() for c in cursors)


async def test_list_walks_ties_without_loss_or_repeat(env, api, create):
    """Rows sharing updated_at are paged with a compound cursor, none lost or repeated."""
    ids = {(await create(api))["conversation_id"] for _ in range(9)}
    for order in ("desc", "asc"):
        seen, cursor = [], None
        while True:
            params = {"limit": 2, "order": order, **({"cursor": cursor} if cursor else {})}
            page = (await api.get("/api/v2/conversations", params=params)).json()
            seen += [item["conversation_id"] for item in page["data"]]
            cursor = page["pagination"]["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == 9
        assert set(seen) == ids


async def test_list_order_asc(env, api, create):
    """order=asc lists oldest-updated first."""
    first = await create(api)
    env.clock.advance(5)
    second = await create(api)
    page = (await api.get("/api/v2/conversations", params={"order": "asc"})).json()
    assert [c["conversation_id"] for c in page["data"]] == [
        first["conversation_id"],
        second["conversation_id"],
    ]


async def test_list_cursor_filters_by_updated_at(env, api, create):
    """A ms cursor returns rows updated strictly before it (desc)."""
    old = await create(api)
    env.clock.advance(100)
    await create(api)
    page = (await api.get("/api/v2/conversations", params={"cursor": str(env.clock.now)})).json()
    assert [c["conversation_id"] for c in page["data"]] == [old["conversation_id"]]


async def test_invalid_cursor(api):
    """A cursor that is not a non-negative integer is 400 INVALID_CURSOR."""
    for bad in ("abc", "-1", "1.5", "1e3", "Infinity"):
        response = await api.get("/api/v2/conversations", params={"cursor": bad})
        assert response.status_code == 400, bad
        assert response.json()["error"]["code"] == "INVALID_CURSOR"


async def test_list_limit_bounds(api):
    """limit above 100 is 400 naming the limit field."""
    response = await api.get("/api/v2/conversations", params={"limit": 101})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("limit:")


async def test_validation_error_names_the_field(api):
    """A bad role is 400 BAD_REQUEST whose message names messages.0.role."""
    response = await api.post(
        "/api/v2/conversations", json={"messages": [{"role": "robot", "content": "x"}]}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BAD_REQUEST"
    assert error["message"] == (
        "messages.0.role: Input should be 'system', 'user', 'assistant' or 'tool'"
    )
    assert error["details"]["errors"][0]["field"] == "messages.0.role"


async def test_empty_content_and_bad_json_are_bad_request(api):
    """Empty message content and malformed JSON are both 400 BAD_REQUEST."""
    empty = await api.post(
        "/api/v2/conversations", json={"messages": [{"role": "user", "content": ""}]}
    )
    assert empty.status_code == 400
    assert empty.json()["error"]["message"].startswith("messages.0.content:")
    broken = await api.post(
        "/api/v2/conversations", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json()["error"]["code"] == "BAD_REQUEST"
