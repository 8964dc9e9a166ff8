"""Fixtures: a fresh database per test (SQLite file, plus PostgreSQL when configured)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from segue.tooling import ServiceOptions
from segue_apps.conversations.app import create_app
from segue_apps.conversations.service import bootstrap, versioned
from segue_apps.conversations.settings import Settings

# Where every test's clock starts: a fixed instant after v1's deprecation (2026-03-18) and
# before its sunset (2026-12-31T23:59:59Z), so no test depends on the real date.
START_MS = 1_780_272_000_000  # 2026-06-01T00:00:00Z


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: int = 1) -> None:
        self.now += ms


@dataclass
class Tenant:
    """A project reachable with one key, as an authenticated client."""

    client: httpx.AsyncClient
    key: str
    project_id: str
    org_id: str
    key_id: str


@dataclass
class Env:
    """A running app with its clock, a first tenant, and ways to make more."""

    app: Any
    asgi: Any
    clock: FakeClock
    tenant: Tenant
    db_url: str
    _clients: list[httpx.AsyncClient]

    def client(self, key: str | None = None, **kwargs: Any) -> httpx.AsyncClient:
        """Return a client of the app, authenticated with ``key`` when given."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.asgi, **kwargs),
            base_url="http://test",
            headers=headers,
        )
        self._clients.append(client)
        return client

    async def new_org(self) -> Tenant:
        """Bootstrap another organisation with its own project and key."""
        made = await bootstrap(ServiceOptions(db_url=self.db_url), clock=self.clock)
        return Tenant(
            self.client(made["api_key"]),
            made["api_key"],
            made["project_id"],
            made["org_id"],
            made["key_id"],
        )

    async def new_project(self) -> Tenant:
        """Create another project in the first tenant's organisation."""
        response = await self.tenant.client.post(
            "/api/v2/projects", json={"name": f"Other {uuid.uuid4().hex[:6]}"}
        )
        assert response.status_code == 201
        body = response.json()
        key = body["api_key"]["key"]
        return Tenant(
            self.client(key),
            key,
            body["project"]["project_id"],
            body["project"]["org_id"],
            body["api_key"]["key_id"],
        )


MakeEnv = Callable[..., Awaitable[Env]]
Serve = Callable[[Any, FakeClock], Any]


@pytest.fixture
def serve() -> Serve:
    """Return what clients talk to: the v2 app behind segue, v1 declared, on the test clock."""
    return lambda app, clock: versioned(app, clock=clock)


@pytest.fixture
async def make_env(db_url: str, serve: Serve) -> AsyncIterator[MakeEnv]:
    """Yield a factory of running apps on the test database (lifespan started)."""
    stack: list[tuple[Any, list[httpx.AsyncClient]]] = []

    async def make(rate_limit: int | None = None) -> Env:
        clock = FakeClock(START_MS)
        made = await bootstrap(ServiceOptions(db_url=db_url), clock=clock)
        clock.advance(1000)  # after what bootstrap created
        app = create_app(Settings(db_url=db_url, rate_limit=rate_limit, clock=clock))
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        clients: list[httpx.AsyncClient] = []
        stack.append((lifespan, clients))
        env = Env(app, serve(app, clock), clock, None, db_url, clients)  # type: ignore[arg-type]
        env.tenant = Tenant(
            env.client(made["api_key"]),
            made["api_key"],
            made["project_id"],
            made["org_id"],
            made["key_id"],
        )
        return env

    yield make
    for lifespan, clients in reversed(stack):
        for client in clients:
            await client.aclose()
        await lifespan.__aexit__(None, None, None)


@pytest.fixture
async def env(make_env: MakeEnv) -> Env:
    """A running app without rate limiting."""
    return await make_env()


@pytest.fixture
def api(env: Env) -> httpx.AsyncClient:
    """The first tenant's authenticated client."""
    return env.tenant.client


async def _create_conversation(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v2/conversations", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def create() -> Callable[..., Awaitable[dict[str, Any]]]:
    """Return ``create(client, **body)``: POST a conversation, assert 201, return its JSON."""
    return _create_conversation
