"""Usage figures of the conversations service: a key asks which of its calls are deprecated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from segue.tooling import ServiceOptions
from segue.usage import UsageRecorder
from segue_apps.conversations.service import bootstrap, create_service_app, versioned, with_usage

MIGRATION_GUIDE = "https://docs.agentstate.app/api/v2/migration"
SUNSET = "2026-12-31T23:59:59+00:00"


@pytest.fixture
def serve(db_url: str) -> Any:
    """Clients talk to the versioned app wrapped in a usage recorder on the test database."""
    return lambda app, clock: with_usage(
        versioned(app, clock=clock), app, db_url, clock=clock, flush_every_s=3600
    )


@pytest.fixture
async def recorder(env: Any) -> AsyncIterator[UsageRecorder]:
    """The env's recorder, started (as a server's lifespan would) and flushed at the end."""
    recorder: UsageRecorder = env.asgi
    await recorder.startup()
    yield recorder
    await recorder.shutdown()


async def deprecated_calls(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get("/_segue/deprecated-calls")


async def test_a_key_sees_only_its_own_v1_calls(env: Any, recorder: UsageRecorder) -> None:
    """Key A's list holds A's v1 calls with the sunset date and migration link, not B's."""
    a = env.tenant
    b = await env.new_org()
    await a.client.get("/v1/conversations")
    await a.client.get("/api/v1/conversations")
    await recorder.flush()
    await a.client.post("/v1/conversations", json={"title": "hi"})
    await a.client.get("/api/v2/conversations")
    await b.client.get("/v1/conversations/search", params={"q": "x"})
    response = await deprecated_calls(a.client)
    assert response.status_code == 200
    body = response.json()
    assert body["key_prefix"] == a.key[:12]
    calls = {c["route"]: c for c in body["calls"]}
    assert set(calls) == {"GET /conversations", "POST /conversations"}
    listed = calls["GET /conversations"]
    assert (listed["version"], listed["calls"], listed["errors"]) == ("v1", 2, 0)
    assert listed["sunset_at"] == SUNSET
    assert listed["migration_url"] == MIGRATION_GUIDE
    assert listed["last_call"] == env.clock.now
    theirs = (await deprecated_calls(b.client)).json()
    assert [(c["route"], c["calls"]) for c in theirs["calls"]] == [("GET /conversations/search", 1)]


async def test_deprecated_calls_without_a_key_is_401(env: Any, recorder: UsageRecorder) -> None:
    """No key, a malformed one or an unknown one: 401 in the error envelope."""
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Bearer " + "x" * 48}):
        response = await env.client().get("/_segue/deprecated-calls", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "UNAUTHORIZED"


async def test_a_revoked_key_is_401(env: Any, recorder: UsageRecorder) -> None:
    """A revoked key no longer reads its figures."""
    second = await env.tenant.client.post("/api/v2/keys", json={"name": "second"})
    assert second.status_code == 201
    key = second.json()["key"]
    client = env.client(key)
    await client.get("/v1/conversations")
    assert (await deprecated_calls(client)).status_code == 200
    revoked = await env.tenant.client.delete(f"/api/v2/keys/{second.json()['key_id']}")
    assert revoked.status_code == 204
    assert (await deprecated_calls(client)).status_code == 401


async def test_the_served_app_records_usage(db_url: str) -> None:
    """`segue serve conversations` runs the recorder: lifespan opens both, calls are counted."""
    made = await bootstrap(ServiceOptions(db_url=db_url))
    app = create_service_app(ServiceOptions(db_url=db_url))
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    outbox: asyncio.Queue[Any] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    lifespan = asyncio.create_task(app(scope, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    headers = {"Authorization": f"Bearer {made['api_key']}"}
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
        ) as client:
            await client.get("/v1/conversations")
            body = (await client.get("/_segue/usage.json")).json()
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        assert (await outbox.get())["type"] == "lifespan.shutdown.complete"
        await lifespan
    v1 = body["versions"][1]
    assert [(c["key_prefix"], c["route"], c["calls"]) for c in v1["callers"]] == [
        (made["api_key"][:12], "GET /conversations", 1)
    ]
