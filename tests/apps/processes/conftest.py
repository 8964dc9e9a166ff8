"""Fixtures: the processes service (v2 and v1) with its worker running, one tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from segue.tooling import ServiceOptions
from segue_apps.processes.app import create_app
from segue_apps.processes.service import bootstrap, versioned
from segue_apps.processes.settings import Settings

START_MS = 1_609_502_400_000  # 2021-01-01T12:00:00Z


@dataclass
class Tenant:
    """One organisation, as a client with its key."""

    client: httpx.AsyncClient
    key: str
    agent_id: str
    process_id: str
    share_id: str


@dataclass
class Env:
    """The running service and a way to make more tenants."""

    asgi: Any
    db_url: str
    upload_dir: Path
    app: Any = None
    now: int = START_MS
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def client(self, key: str | None = None) -> httpx.AsyncClient:
        headers = {"x-api-key": key} if key else {}
        transport = httpx.ASGITransport(app=self.asgi)
        made = httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers)
        self.clients.append(made)
        return made

    async def new_tenant(self) -> Tenant:
        made = await bootstrap(ServiceOptions(db_url=self.db_url))
        assert set(made) == {"api_key", "agent_id", "process_id", "share_id"}
        return Tenant(
            self.client(made["api_key"]),
            made["api_key"],
            made["agent_id"],
            made["process_id"],
            made["share_id"],
        )


@asynccontextmanager
async def started(db_url: str, upload_dir: Path, **settings: Any) -> AsyncIterator[Env]:
    """The service with its lifespan (migrations, run worker) started; its clock is
    ``Env.now`` (ms); ``settings`` are more :class:`Settings` fields."""
    holder: list[Env] = []
    made_settings = Settings(
        db_url=db_url,
        clock=lambda: holder[0].now if holder else START_MS,
        poll_ms=20,
        upload_dir=upload_dir,
        **settings,
    )
    app = create_app(made_settings)
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    made = Env(versioned(app), db_url, upload_dir, app=app)
    holder.append(made)
    try:
        yield made
    finally:
        for client in made.clients:
            await client.aclose()
        await lifespan.__aexit__(None, None, None)


@pytest.fixture
async def env(db_url: str, tmp_path: Path) -> AsyncIterator[Env]:
    """The service on the local-directory file store ``Env.upload_dir``."""
    async with started(db_url, tmp_path / "files") as made:
        yield made


@pytest.fixture
async def tenant(env: Env) -> Tenant:
    """The first tenant."""
    return await env.new_tenant()
