"""Fixtures: a fresh database per test (SQLite file, plus PostgreSQL when configured)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from segue.tooling import ServiceOptions
from segue_apps.workspace.app import create_app
from segue_apps.workspace.service import bootstrap, versioned
from segue_apps.workspace.settings import Settings

START_MS = 1_710_000_000_000
STEP_MS = 20
"""Each step of the built-in runner in these tests (300 ms when served)."""


@dataclass
class Tenant:
    """A workspace reachable with one key, as an authenticated client."""

    client: httpx.AsyncClient
    key: str
    workspace_id: str
    table_id: str
    document_id: str


@dataclass
class Env:
    """A running app behind segue (v2 and v1), its first tenant, and a way to make more.

    ``app`` is the bare v2 FastAPI app; clients talk to ``asgi``, the whole service.
    """

    app: Any
    asgi: Any
    db_url: str
    tenant: Tenant | None = None
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def client(self, key: str | None = None) -> httpx.AsyncClient:
        """Return a client of the app, authenticated with ``key`` when given."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.asgi), base_url="http://test", headers=headers
        )
        self.clients.append(client)
        return client

    async def new_tenant(self, **extra: Any) -> Tenant:
        """Bootstrap another organisation with its workspace, key and demo table
        (``plan=…``, ``credits=…`` as `segue bootstrap workspace` takes them)."""
        made = await bootstrap(ServiceOptions(db_url=self.db_url, extra=extra))
        return Tenant(
            self.client(made["api_key"]),
            made["api_key"],
            made["workspace_id"],
            made["table_id"],
            made["document_id"],
        )


@asynccontextmanager
async def start_env(db_url: str, **overrides: Any) -> AsyncIterator[Env]:
    """A running app (lifespan started) with one bootstrapped tenant; ``overrides`` are
    :class:`Settings` fields (the runner's step time, the run ceiling, …)."""
    options: dict[str, Any] = {
        "clock": lambda: START_MS,
        "max_body_bytes": 200_000,
        "runner_step_ms": STEP_MS,
        "poll_ms": 20,
        "lease_ms": 3_000,
        "schedule_poll_ms": 100,
    }
    app = create_app(Settings(db_url=db_url, **(options | overrides)))
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    made = Env(app, versioned(app, clock=lambda: START_MS), db_url)
    made.tenant = await made.new_tenant()
    try:
        yield made
    finally:
        for client in made.clients:
            await client.aclose()
        await lifespan.__aexit__(None, None, None)


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    """Yield a running app (lifespan started) with one bootstrapped tenant."""
    async with start_env(db_url) as made:
        yield made


@pytest.fixture
def tenant(env: Env) -> Tenant:
    """The first tenant."""
    assert env.tenant is not None
    return env.tenant


@pytest.fixture
def api(tenant: Tenant) -> httpx.AsyncClient:
    """The first tenant's authenticated client."""
    return tenant.client


async def _make_table(api: httpx.AsyncClient, *slugs: str) -> str:
    response = await api.post(
        "/api/v2/tables",
        json={"name": "People", "columns": [{"name": s.title(), "slug": s} for s in slugs]},
    )
    assert response.status_code == 201, response.text
    table_id: str = response.json()["id"]
    return table_id


@pytest.fixture
def make_table() -> Callable[..., Awaitable[str]]:
    """Return ``make_table(api, *slugs)``: create a table of input columns, return its id."""
    return _make_table
