"""Fixtures: the demo widget API behind segue, with a clock each test sets."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from segue.tooling import _usage as _usage_cli
from segue_apps.demo import build
from segue_apps.demo import service as demo_service


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    """A fixed instant, not the real one: the demo's v1 is deprecated and not yet sunset."""
    return FakeClock(datetime(2026, 6, 1, tzinfo=UTC))


@pytest.fixture
def cli_clock(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> FakeClock:
    """``clock`` for the command line too: ``segue ... demo`` builds the demo on it, and
    ``segue usage`` reads it as now, so CLI tests do not depend on the real date."""
    monkeypatch.setattr(demo_service, "build", functools.partial(build, clock=clock))
    monkeypatch.setattr(_usage_cli, "system_clock", clock)
    return clock


@pytest.fixture
def make_client(clock: FakeClock) -> Callable[..., httpx.AsyncClient]:
    def make(**kwargs: Any) -> httpx.AsyncClient:
        app = build(clock=clock, **kwargs)
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")

    return make


@pytest.fixture
async def client(make_client: Callable[..., httpx.AsyncClient]) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client() as c:
        yield c


@pytest.fixture
async def widget(client: httpx.AsyncClient) -> dict[str, Any]:
    """One widget made through v2: w1, grade high, two parts."""
    body = {"name": "Bolt", "grade": "high", "color": "red", "parts": ["head", "shaft"]}
    response = await client.post("/api/v2/widgets", json=body)
    assert response.status_code == 201
    return dict(response.json())
