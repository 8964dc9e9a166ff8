"""Usage figures: the recorder around the demo API, on a temporary SQLite database."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from segue import DeclarationError
from segue.tooling.cli import app as cli
from segue.types import Message, Scope
from segue.usage import UsageRecorder, bearer_prefix
from segue_apps.demo import build

KEY_A = "as_live_AAAAaaaa" + "a" * 32
KEY_B = "as_live_BBBBbbbb" + "b" * 32
HOUR = timedelta(hours=1)
Rows = list[tuple[Any, ...]]
FakeClock = Any  # conftest.FakeClock: a clock with a settable .now


class Lifespan:
    """Drive an app's ASGI lifespan as a server would: start-up now, shutdown on exit."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.outbox: asyncio.Queue[Message] = asyncio.Queue()

    async def __aenter__(self) -> Lifespan:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self.task = asyncio.create_task(self.app(scope, self.inbox.get, self.outbox.put))
        await self.inbox.put({"type": "lifespan.startup"})
        assert (await self.outbox.get())["type"] == "lifespan.startup.complete"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        assert (await self.outbox.get())["type"] == "lifespan.shutdown.complete"
        await self.task


async def fake_authenticate(scope: Scope) -> str | None:
    """Knows keys A and B; answers their display prefix."""
    prefix = bearer_prefix(scope)
    return prefix if prefix in (KEY_A[:12], KEY_B[:12]) else None


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "usage.db"


@pytest.fixture
def make_recorder(db_path: Path, clock: FakeClock) -> Callable[..., UsageRecorder]:
    def make(**kwargs: Any) -> UsageRecorder:
        kwargs.setdefault("flush_every_s", 3600)
        return UsageRecorder(
            build(clock=clock),
            db_url=f"sqlite+aiosqlite:///{db_path}",
            clock=clock,
            authenticate=fake_authenticate,
            **kwargs,
        )

    return make


@pytest.fixture
async def recorder(make_recorder: Callable[..., UsageRecorder]) -> UsageRecorder:
    return make_recorder()


@contextlib.asynccontextmanager
async def serving(recorder: UsageRecorder) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``recorder`` between its lifespan start-up and shutdown."""
    async with (
        Lifespan(recorder),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=recorder), base_url="http://test"
        ) as client,
    ):
        yield client


def stored(db_path: Path) -> Rows:
    """Every row of segue_usage but last_seen, in a stable order."""
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        query = "SELECT version, route, key_prefix, hour, calls, errors FROM segue_usage"
        return sorted(db.execute(query).fetchall())


async def make_widget(client: httpx.AsyncClient) -> str:
    body = {"name": "Bolt", "grade": "high", "color": "red"}
    response = await client.post("/api/v2/widgets", json=body)
    assert response.status_code == 201
    return str(response.json()["widget_id"])


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_counts_by_version_route_and_key(recorder: UsageRecorder, db_path: Path) -> None:
    """Each request counts once under its version, that version's route and its key."""
    async with serving(recorder) as client:
        widget = await make_widget(client)
        await client.get(f"/v1/widgets/{widget}", headers=auth(KEY_A))
        await client.get(f"/api/v1/widgets/{widget}", headers=auth(KEY_A))
        await client.put(f"/v1/widgets/{widget}", json={"name": "Nut"}, headers=auth(KEY_B))
        await client.get(f"/api/v2/widgets/{widget}", headers=auth(KEY_B))
    hour = _hour(recorder)
    assert stored(db_path) == [
        ("v1", "GET /widgets/{widget_id}", KEY_A[:12], hour, 2, 0),
        ("v1", "PUT /widgets/{id}", KEY_B[:12], hour, 1, 0),
        ("v2", "GET /widgets/{widget_id}", KEY_B[:12], hour, 1, 0),
        ("v2", "POST /widgets", "", hour, 1, 0),
    ]


def _hour(recorder: UsageRecorder) -> int:
    ms = int(recorder.clock().timestamp() * 1000)
    return ms - ms % 3_600_000


async def test_errors_are_counted(recorder: UsageRecorder, db_path: Path) -> None:
    """Answers of 400 and more count as errors; a path no route matches counts as unmatched."""
    async with serving(recorder) as client:
        assert (await client.get("/v1/widgets/w404")).status_code == 404
        assert (await client.get("/v1/widgets/w404")).status_code == 404
        assert (await client.get("/v1/nowhere")).status_code == 404
        assert (await client.post("/api/v2/widgets", json={})).status_code == 400
    hour = _hour(recorder)
    assert stored(db_path) == [
        ("v1", "GET (unmatched)", "", hour, 1, 1),
        ("v1", "GET /widgets/{widget_id}", "", hour, 2, 2),
        ("v2", "POST /widgets", "", hour, 1, 1),
    ]


async def test_hours_are_separate_buckets(
    recorder: UsageRecorder, db_path: Path, clock: FakeClock
) -> None:
    """Calls an hour apart land in two rows."""
    async with serving(recorder) as client:
        await client.get("/v1/widgets", headers=auth(KEY_A))
        clock.now += HOUR
        await client.get("/v1/widgets", headers=auth(KEY_A))
    hour = _hour(recorder)
    assert stored(db_path) == [
        ("v1", "GET /widgets", KEY_A[:12], hour - 3_600_000, 1, 0),
        ("v1", "GET /widgets", KEY_A[:12], hour, 1, 0),
    ]


async def test_nothing_is_written_until_shutdown(recorder: UsageRecorder, db_path: Path) -> None:
    """With no size or time trigger due, counts wait in memory and are written on shutdown."""
    async with serving(recorder) as client:
        for _ in range(5):
            await client.get("/v1/widgets")
        assert stored(db_path) == []
    assert stored(db_path) == [("v1", "GET /widgets", "", _hour(recorder), 5, 0)]


async def test_a_full_batch_is_flushed_without_waiting(
    make_recorder: Callable[..., UsageRecorder], db_path: Path
) -> None:
    """Reaching ``flush_at`` requests wakes the flush task at once."""
    recorder = make_recorder(flush_at=3)
    async with serving(recorder) as client:
        for _ in range(3):
            await client.get("/v1/widgets")
        for _ in range(100):
            if stored(db_path):
                break
            await asyncio.sleep(0.01)
        assert stored(db_path) == [("v1", "GET /widgets", "", _hour(recorder), 3, 0)]


async def test_counts_are_flushed_every_interval(
    make_recorder: Callable[..., UsageRecorder], db_path: Path
) -> None:
    """Counts are written every ``flush_every_s`` seconds while the app runs."""
    recorder = make_recorder(flush_every_s=0.02)
    async with serving(recorder) as client:
        await client.get("/v1/widgets")
        for _ in range(100):
            if stored(db_path):
                break
            await asyncio.sleep(0.01)
        assert stored(db_path) == [("v1", "GET /widgets", "", _hour(recorder), 1, 0)]


async def test_flushes_add_to_what_is_stored(recorder: UsageRecorder, db_path: Path) -> None:
    """A second batch for the same key adds its counts (the upsert does not overwrite)."""
    async with serving(recorder) as client:
        await client.get("/v1/widgets/w404")
        assert await recorder.flush() == 1
        await client.get("/v1/widgets/w404")
        await client.get("/v1/widgets/w404")
    assert stored(db_path) == [("v1", "GET /widgets/{widget_id}", "", _hour(recorder), 3, 3)]


async def test_json_merges_stored_and_unflushed_counts(recorder: UsageRecorder) -> None:
    """usage.json lists each version's callers and hourly calls, flushed or not."""
    async with serving(recorder) as client:
        await client.get("/v1/widgets", headers=auth(KEY_A))
        await recorder.flush()
        await client.get("/v1/widgets", headers=auth(KEY_A))
        await client.get("/v1/widgets/w9", headers=auth(KEY_B))
        await client.get("/api/v2/widgets", headers=auth(KEY_B))
        response = await client.get("/_segue/usage.json")
    assert response.status_code == 200
    body = response.json()
    assert body["hours"] == [_hour(recorder)]
    v2, v1 = body["versions"]
    assert (v2["name"], v2["newest"], v2["calls"], v2["series"]) == ("v2", True, 1, [1])
    assert (v1["name"], v1["status"], v1["calls"], v1["errors"], v1["keys"]) == (
        "v1",
        "deprecated",
        3,
        1,
        2,
    )
    assert v1["series"] == [3]
    assert v1["sunset_at"] == "2031-12-31T23:59:59+00:00"
    now_ms = int(recorder.clock().timestamp() * 1000)
    assert v1["callers"] == [
        {
            "key_prefix": KEY_A[:12],
            "route": "GET /widgets",
            "calls": 2,
            "errors": 0,
            "last_seen": now_ms,
        },
        {
            "key_prefix": KEY_B[:12],
            "route": "GET /widgets/{widget_id}",
            "calls": 1,
            "errors": 1,
            "last_seen": now_ms,
        },
    ]


async def test_requests_outside_versions_are_not_counted(recorder: UsageRecorder) -> None:
    """segue's own pages and the usage URLs themselves are not usage."""
    async with serving(recorder) as client:
        await client.get("/_segue/versions")
        await client.get("/v1/openapi.json")
        await client.get("/_segue/usage")
        body = (await client.get("/_segue/usage.json")).json()
    assert [v["calls"] for v in body["versions"]] == [0, 0]


async def test_page_lists_callers_and_draws_a_series_per_version(
    recorder: UsageRecorder, clock: FakeClock
) -> None:
    """The HTML page has a row per caller and one polyline per version, one point per hour."""
    async with serving(recorder) as client:
        await client.get("/v1/widgets", headers=auth(KEY_A))
        clock.now += HOUR
        await client.get("/api/v2/widgets", headers=auth(KEY_B))
        response = await client.get("/_segue/usage")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    text = response.text
    assert text.count('<polyline class="series"') == 2
    assert text.count('<circle class="point"') == 2
    assert f"<td><code>{KEY_A[:12]}</code></td><td><code>GET /widgets</code></td>" in text
    assert "https://example.test/migrate" in text
    assert "cdn" not in text.lower()
    assert "<script" not in text


async def test_usage_urls_answer_only_get(recorder: UsageRecorder) -> None:
    """Other methods get 405 with Allow."""
    async with serving(recorder) as client:
        response = await client.post("/_segue/usage.json")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


async def test_deprecated_calls_show_only_the_callers_own(recorder: UsageRecorder) -> None:
    """Key A sees its own v1 calls with the sunset date and migration link, none of B's."""
    async with serving(recorder) as client:
        await client.get("/v1/widgets", headers=auth(KEY_A))
        await client.get("/v1/widgets", headers=auth(KEY_A))
        await client.get("/api/v2/widgets", headers=auth(KEY_A))
        await client.get("/v1/widgets/w1", headers=auth(KEY_B))
        await recorder.flush()
        await client.get("/v1/widgets/w2", headers=auth(KEY_B))
        mine_a = (await client.get("/_segue/deprecated-calls", headers=auth(KEY_A))).json()
        mine_b = (await client.get("/_segue/deprecated-calls", headers=auth(KEY_B))).json()
    now_ms = int(recorder.clock().timestamp() * 1000)
    assert mine_a == {
        "key_prefix": KEY_A[:12],
        "calls": [
            {
                "version": "v1",
                "status": "deprecated",
                "route": "GET /widgets",
                "calls": 2,
                "errors": 0,
                "last_call": now_ms,
                "deprecated_at": "2026-01-01T00:00:00+00:00",
                "sunset_at": "2031-12-31T23:59:59+00:00",
                "migration_url": "https://example.test/migrate",
            }
        ],
    }
    assert [(c["route"], c["calls"], c["errors"]) for c in mine_b["calls"]] == [
        ("GET /widgets/{widget_id}", 2, 2)
    ]


async def test_deprecated_calls_need_a_known_key(recorder: UsageRecorder) -> None:
    """No key, or one authenticate does not know, is 401 in the error envelope."""
    async with serving(recorder) as client:
        missing = await client.get("/_segue/deprecated-calls")
        unknown = await client.get("/_segue/deprecated-calls", headers=auth("as_live_" + "z" * 40))
    for response in (missing, unknown):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "UNAUTHORIZED"


async def test_without_authenticate_deprecated_calls_is_not_served(
    db_path: Path, clock: FakeClock
) -> None:
    """The consumer URL exists only when the service says how to authenticate."""
    recorder = UsageRecorder(build(clock=clock), db_url=f"sqlite+aiosqlite:///{db_path}")
    async with serving(recorder) as client:
        response = await client.get("/_segue/deprecated-calls")
    assert response.status_code == 404


async def test_refused_keys_count_as_no_key(db_path: Path, clock: FakeClock) -> None:
    """A token the service answers 401 to is no caller: made-up tokens add no rows of
    their own, while a known key is counted under its prefix."""

    async def service(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        scope["segue.version"], scope["segue.route"] = "v1", "GET /widgets"
        status = 200 if bearer_prefix(scope) == KEY_A[:12] else 401
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    recorder = UsageRecorder(
        service,
        versions=build().api.versions,
        db_url=f"sqlite+aiosqlite:///{db_path}",
        clock=clock,
        flush_every_s=3600,
    )
    async with serving(recorder) as client:
        assert (await client.get("/v1/widgets", headers=auth(KEY_A))).status_code == 200
        for n in range(3):
            junk = f"made_up_{n}_" + "x" * 20
            assert (await client.get("/v1/widgets", headers=auth(junk))).status_code == 401
    hour = _hour(recorder)
    assert stored(db_path) == [
        ("v1", "GET /widgets", "", hour, 3, 3),
        ("v1", "GET /widgets", KEY_A[:12], hour, 1, 0),
    ]


async def test_hours_older_than_keep_are_deleted(
    make_recorder: Callable[..., UsageRecorder], db_path: Path, clock: FakeClock
) -> None:
    """With keep=2h, a flush three hours later deletes the first hour's row."""
    recorder = make_recorder(keep=2 * HOUR)
    async with serving(recorder) as client:
        await client.get("/v1/widgets", headers=auth(KEY_A))
        await recorder.flush()
        first = _hour(recorder)
        clock.now += HOUR
        await client.get("/v1/widgets", headers=auth(KEY_A))
        await recorder.flush()
        assert [row[3] for row in stored(db_path)] == [first, first + 3_600_000]
        clock.now += 2 * HOUR
        await client.get("/v1/widgets", headers=auth(KEY_A))
        await recorder.flush()
    assert stored(db_path) == [("v1", "GET /widgets", KEY_A[:12], _hour(recorder), 1, 0)]


def test_keep_shorter_than_an_hour_is_refused(db_path: Path) -> None:
    with pytest.raises(DeclarationError, match="shorter than an hour"):
        UsageRecorder(build(), db_url=f"sqlite+aiosqlite:///{db_path}", keep=timedelta(0))


def test_bearer_prefix_never_keeps_a_whole_key() -> None:
    """The default identity is the token's first 12 characters; a short token is no key."""

    def scope(value: bytes) -> Scope:
        return {"headers": [(b"authorization", value)]}

    assert bearer_prefix(scope(f"Bearer {KEY_A}".encode())) == KEY_A[:12]
    assert bearer_prefix(scope(b"Bearer short-token")) is None
    assert bearer_prefix(scope(b"Basic dXNlcjpwYXNzd29yZDEyMzQ1Ng==")) is None
    assert bearer_prefix({"headers": []}) is None


def test_cli_prints_who_calls_old_versions(db_path: Path, cli_clock: FakeClock) -> None:
    """`segue usage demo --db URL` prints a row per key and route of v1."""
    url = f"sqlite+aiosqlite:///{db_path}"

    async def call() -> None:
        recorder = UsageRecorder(build(clock=cli_clock), db_url=url, clock=cli_clock)
        async with serving(recorder) as client:
            await client.get("/v1/widgets", headers=auth(KEY_A))
            await client.get("/v1/widgets", headers=auth(KEY_A))

    asyncio.run(call())
    result = CliRunner().invoke(cli, ["usage", "demo", "--db", url])
    assert result.exit_code == 0, result.output
    assert "v1 (deprecated, sunset 2031-12-31)" in result.output
    assert f"{KEY_A[:12]} │ GET /widgets │     2 │      0" in result.output


async def test_usage_figures_refused_to_remote_clients() -> None:
    """The provider's page lists every key prefix, so a remote client gets 403."""
    recorder = UsageRecorder(build(), db_url="sqlite+aiosqlite:///:memory:")
    transport = httpx.ASGITransport(app=recorder, client=("203.0.113.9", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for path in ("/_segue/usage", "/_segue/usage.json"):
            response = await client.get(path)
            assert response.status_code == 403
            assert response.json()["error"]["code"] == "FORBIDDEN"
