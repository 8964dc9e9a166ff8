"""Messages: append and list."""

from __future__ import annotations

import asyncio

MESSAGE_KEYS = {"id", "role", "content", "metadata", "token_count", "created_at"}


async def test_append_returns_appended_and_updates_counters(env, api, create):
    """POST messages answers 201 {messages} and bumps counts and updated_at."""
    conv = await create(api, messages=[{"role": "user", "content": "Hello"}])
    env.clock.advance(1000)
    response = await api.post(
        f"/api/v2/conversations/{conv['conversation_id']}/messages",
        json={
            "messages": [
                {"role": "user", "content": "What's new?", "metadata": {"k": "v"}},
                {"role": "assistant", "content": "Lots of things!"},
            ]
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"messages"}
    assert [set(m) for m in body["messages"]] == [MESSAGE_KEYS, MESSAGE_KEYS]
    assert body["messages"][0]["metadata"] == {"k": "v"}
    assert body["messages"][0]["created_at"] == env.clock.now
    after = (await api.get(f"/api/v2/conversations/{conv['conversation_id']}")).json()
    assert after["message_count"] == 3
    added = sum(m["token_count"] for m in body["messages"])
    assert after["token_count"] == conv["token_count"] + added
    assert after["updated_at"] == env.clock.now


async def test_append_requires_messages(api, create):
    """An empty messages list is 400 naming messages."""
    conv = await create(api)
    response = await api.post(
        f"/api/v2/conversations/{conv['conversation_id']}/messages", json={"messages": []}
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("messages:")


async def test_append_to_missing_conversation_is_not_found(api):
    """Appending to an unknown conversation is 404."""
    response = await api.post(
        "/api/v2/conversations/nope/messages",
        json={"messages": [{"role": "user", "content": "hi"}]},
    )
    assert response.status_code == 404


async def test_fifty_concurrent_appends_keep_count_exact(api, create):
    """50 concurrent appends to one conversation leave message_count and order exact."""
    conv = await create(api)
    path = f"/api/v2/conversations/{conv['conversation_id']}/messages"

    async def append(i: int) -> int:
        response = await api.post(
            path, json={"messages": [{"role": "user", "content": f"m{i}", "token_count": 2}]}
        )
        return response.status_code

    statuses = await asyncio.gather(*(append(i) for i in range(50)))
    assert statuses == [201] * 50
    after = (await api.get(f"/api/v2/conversations/{conv['conversation_id']}")).json()
    assert after["message_count"] == 50
    assert after["token_count"] == 100
    listed = (await api.get(path, params={"limit": 500})).json()["data"]
    assert sorted(m["content"] for m in listed) == sorted(f"m{i}" for i in range(50))


async def test_list_pages_with_after_id(api, create):
    """limit/after page through messages oldest first; next_cursor is the last id."""
    conv = await create(
        api, messages=[{"role": "user", "content": f"message {i}"} for i in range(5)]
    )
    path = f"/api/v2/conversations/{conv['conversation_id']}/messages"
    first = (await api.get(path, params={"limit": 2})).json()
    assert set(first) == {"data", "pagination"}
    assert [m["content"] for m in first["data"]] == ["message 0", "message 1"]
    assert first["pagination"] == {"limit": 2, "next_cursor": first["data"][-1]["id"]}
    contents, cursor = [], None
    while True:
        params = {"limit": 2, **({"after": cursor} if cursor else {})}
        page = (await api.get(path, params=params)).json()
        contents += [m["content"] for m in page["data"]]
        cursor = page["pagination"]["next_cursor"]
        if cursor is None:
            break
    assert contents == [f"message {i}" for i in range(5)]


async def test_list_after_timestamp(env, api, create):
    """after=<ms> returns messages created later than that instant."""
    conv = await create(api, messages=[{"role": "user", "content": "early"}])
    cutoff = env.clock.now
    env.clock.advance(10)
    path = f"/api/v2/conversations/{conv['conversation_id']}/messages"
    await api.post(path, json={"messages": [{"role": "tool", "content": "late"}]})
    page = (await api.get(path, params={"after": str(cutoff)})).json()
    assert [m["content"] for m in page["data"]] == ["late"]
    assert page["pagination"] == {"limit": 100, "next_cursor": None}


async def test_list_bad_after_and_limit(api, create):
    """An unknown non-numeric after is 400 INVALID_CURSOR; limit over 500 is 400."""
    conv = await create(api)
    path = f"/api/v2/conversations/{conv['conversation_id']}/messages"
    bad_after = await api.get(path, params={"after": "not-a-message"})
    assert bad_after.status_code == 400
    assert bad_after.json()["error"]["code"] == "INVALID_CURSOR"
    too_many = await api.get(path, params={"limit": 501})
    assert too_many.status_code == 400
    assert too_many.json()["error"]["message"].startswith("limit:")


async def test_created_at_never_goes_back_along_the_list(env, api, create):
    """A message appended by a server whose clock is behind the last one's (two processes,
    one database) is stamped no earlier than it, so ``after=<created_at>`` paging follows
    the list's order and skips nothing."""
    conv = await create(api)
    path = f"/api/v2/conversations/{conv['conversation_id']}/messages"
    first = (await api.post(path, json={"messages": [{"role": "user", "content": "a"}]})).json()
    env.clock.advance(-500)  # the next request lands on a process whose clock lags
    second = await api.post(path, json={"messages": [{"role": "assistant", "content": "b"}]})
    stamped = first["messages"][0]["created_at"]
    assert second.json()["messages"][0]["created_at"] == stamped
    listed = (await api.get(path)).json()["data"]
    assert [m["content"] for m in listed] == ["a", "b"]
    assert [m["created_at"] for m in listed] == [stamped, stamped]
    earlier = (await api.get(path, params={"after": str(stamped - 1)})).json()["data"]
    assert [m["content"] for m in earlier] == ["a", "b"]
