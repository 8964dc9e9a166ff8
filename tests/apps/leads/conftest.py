"""Fixtures: the leads service (v2 and v1) with its workers running, and users to call it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest

from segue.tooling import ServiceOptions
from segue_apps.leads.app import create_app
from segue_apps.leads.service import bootstrap, versioned
from segue_apps.leads.settings import Settings

START_MS = 1_796_472_000_000  # 2026-12-05T12:00:00Z
FINAL = {"completed", "failed"}


@dataclass
class User:
    """One user, as a client with its key."""

    client: httpx.AsyncClient
    key: str
    id: str
    plan: str

    async def stream(self, *pairs: dict[str, Any], **config: Any) -> dict[str, Any]:
        """Create a stream; its body (201 asserted)."""
        made = await self.client.post("/api/v2/streams", json={"pairs": list(pairs), **config})
        assert made.status_code == 201, made.text
        return dict(made.json())

    async def ran(self, stream_id: str, path: str = "run", **body: Any) -> dict[str, Any]:
        """Run (or re-test) a stream and wait for the run to finish; the run."""
        started = await self.client.post(f"/api/v2/streams/{stream_id}/{path}", json=body or None)
        assert started.status_code == 202, started.text
        run_id = started.json()["id"] if path == "run" else started.json()["queued"][0]["runId"]
        return await self.settled(stream_id, run_id)

    async def settled(self, stream_id: str, run_id: str, seconds: float = 10) -> dict[str, Any]:
        """Poll a run until it is final."""
        deadline = asyncio.get_running_loop().time() + seconds
        while True:
            found = await self.client.get(f"/api/v2/streams/{stream_id}/runs/{run_id}")
            assert found.status_code == 200, found.text
            if found.json()["status"] in FINAL:
                return dict(found.json())
            assert asyncio.get_running_loop().time() < deadline, f"stuck: {found.json()}"
            await asyncio.sleep(0.02)


def founders(handle: str = "jack", **pair: Any) -> dict[str, Any]:
    """A pair of ``handle`` and an inline segment: description and label "Founders"."""
    segment = {"name": "Founders", "description": "Founders", "labels": ["founders"]}
    return {"handle": handle, "segment": segment, **pair}


@dataclass
class Env:
    """The running service, its clock (``now``, ms) and a way to make users."""

    asgi: Any
    db_url: str
    settings: Settings
    now: int = START_MS
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def client(self, key: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        transport = httpx.ASGITransport(app=self.asgi)
        made = httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers)
        self.clients.append(made)
        return made

    async def new_user(self, **flags: Any) -> User:
        """A user from ``segue bootstrap leads`` with ``flags`` (plan, credits, …)."""
        made = await bootstrap(ServiceOptions(db_url=self.db_url, extra=flags))
        assert set(made) == {"api_key", "user_id", "plan"}
        return User(self.client(made["api_key"]), made["api_key"], made["user_id"], made["plan"])


async def start(db_url: str, **settings: Any) -> tuple[Env, Any]:
    """The service on ``db_url`` with its lifespan started; ``(env, lifespan)``."""
    holder: list[Env] = []
    base = Settings(
        db_url=db_url,
        clock=lambda: holder[0].now if holder else START_MS,
        poll_ms=20,
        schedule_poll_ms=50,
    )
    made_settings = replace(base, **settings)
    app = create_app(made_settings)
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    made = Env(versioned(app, clock=lambda: holder[0].now), db_url, made_settings)
    holder.append(made)
    return made, lifespan


async def stop(env: Env, lifespan: Any) -> None:
    for client in env.clients:
        await client.aclose()
    await lifespan.__aexit__(None, None, None)


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    """The service with migrations run and its workers started."""
    made, lifespan = await start(db_url)
    try:
        yield made
    finally:
        await stop(made, lifespan)


@pytest.fixture
async def user(env: Env) -> User:
    """A growth-plan user with 100 credits and an active subscription."""
    return await env.new_user()
