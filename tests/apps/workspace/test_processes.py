"""Two server processes on one database keep an upsert's ``batchId`` idempotent.

Real ``segue serve workspace`` processes on 127.0.0.1, started and stopped by the test, on
a SQLite file and (when configured) on PostgreSQL.
"""

from __future__ import annotations

import asyncio

import httpx
from tests.apps.servers import server

from segue.tooling import ServiceOptions
from segue_apps.workspace.service import bootstrap


async def test_one_batch_id_sent_to_two_processes_at_once_is_applied_once(db_url: str) -> None:
    """The same insert-only upsert (one ``batchId``), 10 times to each of two servers at
    once: its rows are there once, one answer is 201 and every other the 200 replay of it."""
    key = (await bootstrap(ServiceOptions(db_url=db_url)))["api_key"]
    headers = {"authorization": f"Bearer {key}"}
    with server("workspace", db_url) as one, server("workspace", db_url) as two:
        async with (
            httpx.AsyncClient(base_url=one.url, headers=headers, timeout=30) as a,
            httpx.AsyncClient(base_url=two.url, headers=headers, timeout=30) as b,
        ):
            made = await a.post(
                "/api/v2/tables",
                json={"name": "Race", "columns": [{"name": "Email", "slug": "email"}]},
            )
            table_id = made.json()["id"]
            path = f"/api/v2/tables/{table_id}/rows/upsert"
            # No match columns: a second application would insert the rows again.
            body = {
                "rows": [{"email": f"r{i}@x.io"} for i in range(3)],
                "matchColumns": [],
                "batchId": "raced-batch",
            }
            # Open the connections first, so that the 20 upserts arrive together.
            await asyncio.gather(
                *(client.get("/api/v2/batches") for _ in range(10) for client in (a, b))
            )
            answers = await asyncio.gather(
                *(client.post(path, json=body) for _ in range(10) for client in (a, b))
            )
            listed = await a.get(f"/api/v2/tables/{table_id}/rows", params={"cells": "flat"})
            batches = await b.get("/api/v2/batches")
    assert sorted(r.status_code for r in answers) == [200] * 19 + [201]
    first = next(r.json() for r in answers if r.status_code == 201)
    assert first["counts"] == {"inserted": 3, "updated": 0, "skipped": 0}
    assert all(r.json() == first for r in answers)
    rows = listed.json()["rows"]
    assert sorted(row["email"] for row in rows) == ["r0@x.io", "r1@x.io", "r2@x.io"]
    assert sorted(row["id"] for row in rows) == sorted(o["rowId"] for o in first["outcomes"])
    assert listed.json()["pagination"]["total"] == 3
    assert [x["batchId"] for x in batches.json()["batches"]] == ["raced-batch"]
