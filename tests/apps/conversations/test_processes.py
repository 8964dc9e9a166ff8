"""Several server processes on one PostgreSQL database answer as one: appends stay exact
and ordered, usage counts add up, and the rate limit is shared (state in the database).

Real ``segue serve`` processes on 127.0.0.1, started and stopped by each test.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from tests.apps.conftest import PG_URL, fresh_pg_database
from tests.apps.servers import server

from segue.tooling import ServiceOptions
from segue_apps.conversations.service import bootstrap

pytestmark = pytest.mark.skipif(PG_URL is None, reason="needs SEGUE_TEST_PG_URL")


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async with fresh_pg_database() as url:
        yield url


async def test_two_processes_append_exactly_in_order_and_count_usage_together(
    pg_url: str,
) -> None:
    """50 appends spread over two servers: all there once, ``created_at`` following ``seq``
    (so ``after=<created_at>`` paging skips nothing), and v1 calls to both counted."""
    key = (await bootstrap(ServiceOptions(db_url=pg_url)))["api_key"]
    headers = {"authorization": f"Bearer {key}"}
    with server("conversations", pg_url) as one, server("conversations", pg_url) as two:
        async with (
            httpx.AsyncClient(base_url=one.url, headers=headers) as a,
            httpx.AsyncClient(base_url=two.url, headers=headers) as b,
        ):
            created = await a.post("/api/v2/conversations", json={"title": "shared"})
            conversation = created.json()["conversation_id"]
            path = f"/api/v2/conversations/{conversation}/messages"

            async def append(i: int) -> int:
                body = {"messages": [{"role": "user", "content": f"m{i}"}]}
                return (await (a if i % 2 else b).post(path, json=body)).status_code

            assert await asyncio.gather(*(append(i) for i in range(50))) == [201] * 50
            listed = (await a.get(path, params={"limit": 100})).json()["data"]
            v1_calls = [
                await (a if i % 2 else b).get(f"/v1/conversations/{conversation}")
                for i in range(10)
            ]
    assert sorted(m["content"] for m in listed) == sorted(f"m{i}" for i in range(50))
    stamps = [m["created_at"] for m in listed]
    assert stamps == sorted(stamps)
    assert [r.status_code for r in v1_calls] == [200] * 10
    engine = create_async_engine(pg_url)
    try:
        async with engine.connect() as conn:
            counted = await conn.scalar(
                sa.text("SELECT SUM(calls) FROM segue_usage WHERE version = 'v1'")
            )
    finally:
        await engine.dispose()
    assert counted == 10


async def test_rate_limit_holds_across_worker_processes(pg_url: str) -> None:
    """``--workers 2 --rate-limit 30/min``: of 80 quick requests, exactly 30 get through,
    whichever process answers each."""
    key = (await bootstrap(ServiceOptions(db_url=pg_url)))["api_key"]
    with server("conversations", pg_url, "--workers", "2", "--rate-limit", "30/min") as running:
        # The readiness probe has no key, so it counts against no key's limit. Keep the
        # burst inside one minute window.
        if time.time() % 60 > 50:
            await asyncio.sleep(61 - time.time() % 60)
        async with httpx.AsyncClient(
            base_url=running.url, headers={"authorization": f"Bearer {key}"}
        ) as client:
            statuses = [(await client.get("/api/v2/conversations")).status_code for _ in range(80)]
    assert statuses.count(200) == 30
    assert statuses.count(429) == 50
