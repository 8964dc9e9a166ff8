"""A stream run survives ``kill -9`` of its server: real ``segue serve leads`` processes.

The servers read profiles from an HTTP profile source in this test (``--profile-source``)
whose first followers answer takes 10 s, so the first server is killed while the run is
running; the second server takes the run again once its lease (1 s) expires, completes
it, and the leads are written once.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from tests.apps.leads.conftest import founders
from tests.apps.servers import server

from segue.tooling import ServiceOptions
from segue_apps.common.db import create_database
from segue_apps.leads.profiles import BuiltInSource, corpus
from segue_apps.leads.service import bootstrap
from segue_apps.leads.store.tables import jobs, leads

FLAGS = ("--lease-ms", "1000", "--poll-ms", "50")


@pytest.fixture
def slow_source() -> Iterator[tuple[str, list[float]]]:
    """A profile source on 127.0.0.1 built from the built-in corpus; the first followers
    request waits 10 s. Yields its URL and the times followers were asked for."""
    asked: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            handle = self.path.split("/")[2]
            if self.path.endswith("/followers"):
                asked.append(time.monotonic())
                if len(asked) == 1:
                    time.sleep(10)
                body: Any = {"followers": [
                    {"xUserId": p.x_user_id, "handle": p.handle, "displayName": p.display_name,
                     "profileImageUrl": p.profile_image_url, "followerCount": p.follower_count,
                     "bio": p.bio, "labels": sorted(p.labels), "gender": p.gender,
                     "isBot": p.is_bot} for p in corpus(handle)]}  # fmt: skip
            else:
                account = asyncio.run(BuiltInSource().account(handle))
                body = {"xUserId": account.x_user_id, "handle": account.handle,
                        "displayName": account.display_name, "followerCount": 1000}  # fmt: skip
            data = orjson.dumps(body)
            try:
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the server that asked was killed meanwhile
                pass

        def log_message(self, *args: Any) -> None:
            pass

    source = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    source.daemon_threads = True
    threading.Thread(target=source.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{source.server_address[1]}", asked
    finally:
        source.shutdown()
        source.server_close()


async def _rows(db_url: str) -> tuple[list[Any], int, int]:
    db = create_database(db_url)
    try:

        def read(conn: Any) -> tuple[list[Any], int, int]:
            found = list(conn.execute(sa.select(jobs.c.status, jobs.c.attempts)))
            total = conn.execute(sa.select(sa.func.count()).select_from(leads)).scalar_one()
            distinct = conn.execute(
                sa.select(sa.func.count(sa.distinct(leads.c.x_user_id)))
            ).scalar_one()
            return found, int(total), int(distinct)

        return await db.run(read)
    finally:
        await db.dispose()


async def test_a_stream_run_survives_kill_9(
    db_url: str, slow_source: tuple[str, list[float]]
) -> None:
    url, asked = slow_source
    made = await bootstrap(ServiceOptions(db_url=db_url))
    headers = {"Authorization": f"Bearer {made['api_key']}"}
    flags = (*FLAGS, "--profile-source", url)
    with server("leads", db_url, *flags) as first:
        async with httpx.AsyncClient(base_url=first.url, headers=headers, timeout=30) as client:
            stream = await client.post("/api/v2/streams", json={"pairs": [founders()]})
            assert stream.status_code == 201, stream.text
            stream_id = stream.json()["id"]
            run = (await client.post(f"/api/v2/streams/{stream_id}/run")).json()
            path = f"/api/v2/streams/{stream_id}/runs/{run['id']}"
            for _ in range(200):
                if (await client.get(path)).json()["status"] == "running" and asked:
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the run never started")
        first.kill()
    with server("leads", db_url, *flags) as second:
        async with httpx.AsyncClient(base_url=second.url, headers=headers) as client:
            deadline = time.monotonic() + 20
            final = ("completed", "failed")
            while (done := (await client.get(path)).json())["status"] not in final:
                assert time.monotonic() < deadline, done
                await asyncio.sleep(0.1)
            listed = (await client.get("/api/v2/leads?limit=500")).json()
    assert done["status"] == "completed", done
    assert done["leadsCreated"] == listed["total"] > 0
    job_rows, total, distinct = await _rows(db_url)
    assert [(j.status, j.attempts) for j in job_rows] == [("succeeded", 2)]
    assert total == distinct == listed["total"]
