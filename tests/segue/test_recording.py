"""Recording exchanges with the demo API and replaying them against other builds."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from typer.testing import CliRunner

from segue import FieldRenamed, Segue
from segue._lifecycle import Clock
from segue.tooling._recording import REDACTED, Exchange, RecordingMiddleware, read, write
from segue.tooling._replay import Replayer, replay
from segue.tooling.cli import app as cli
from segue.types import Receive, Scope, Send
from segue_apps.demo import build, create_app
from segue_apps.demo.app import error_body
from segue_apps.demo.versions import versions

BOLT = {"name": "Bolt", "grade": "full", "parts": ["head"]}


async def record_v1(clock: Clock) -> list[Exchange]:
    """A short v1 session against a fresh demo build on ``clock``, recorded."""
    exchanges: list[Exchange] = []
    app = RecordingMiddleware(build(clock=clock), exchanges.append)
    transport = httpx.ASGITransport(app=app)
    headers = {"authorization": "Bearer secret"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
        created = (await c.post("/v1/widgets", json=BOLT)).json()
        await c.get(f"/v1/widgets/{created['id']}?fields=!parts")
        await c.get("/v1/widgets")
        await c.get("/v1/stats")
    return exchanges


async def replay_against(app: Any, exchanges: list[Exchange]) -> list[Any]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await replay(exchanges, client, Replayer())


async def test_recording_keeps_version_bodies_and_lifecycle_headers(clock: Clock) -> None:
    """Each exchange knows its version, both bodies and the selected response headers."""
    first = (await record_v1(clock))[0]
    assert (first.version, first.method, first.path) == ("v1", "POST", "/v1/widgets")
    assert first.status == 201
    assert first.request_body == BOLT
    assert first.response_body["id"] == "w1"
    names = [name for name, _ in first.response_headers]
    assert names == ["content-type", "deprecation", "sunset", "link"]


async def test_recording_never_stores_the_authorization_value(clock: Clock) -> None:
    """The key is replaced by a placeholder."""
    exchanges = await record_v1(clock)
    assert ("authorization", REDACTED) in exchanges[0].request_headers
    assert all("secret" not in e.to_json().decode() for e in exchanges)


async def test_replay_against_the_same_build_finds_nothing(clock: Clock) -> None:
    """Replaying a recording against an identical build reports no difference."""
    assert await replay_against(build(clock=clock), await record_v1(clock)) == []


async def test_replay_against_a_changed_declaration_names_the_field(clock: Clock) -> None:
    """A build missing one FieldRenamed answers differently, and the diff shows the field."""
    v2, v1 = versions()
    kept = [
        c for c in v1.changes if not (isinstance(c, FieldRenamed) and c.path.text == "data[].id")
    ]
    app = Segue(create_app(), [v2, replace(v1, changes=kept)], error_body=error_body, clock=clock)
    differences = await replay_against(app, await record_v1(clock))
    assert [d.exchange.path for d in differences] == ["/v1/widgets"]
    diff = differences[0].diff
    assert '-      "id": "w1",' in diff
    assert '+      "widget_id": "w1"' in diff


def test_ids_are_keyed_so_a_repeated_id_must_repeat() -> None:
    """The same id twice in the recording must be the same id twice in the replay."""
    recorded = exchange({"a": "V1StGXR8_Z5jdHi6B-myT", "b": "V1StGXR8_Z5jdHi6B-myT"})
    same = exchange({"a": "abcdefghij0123456789_", "b": "abcdefghij0123456789_"})
    other = exchange({"a": "abcdefghij0123456789_", "b": "ZZZdefghij0123456789_"})
    assert Replayer().compare(1, recorded, same) is None
    found = Replayer().compare(1, recorded, other)
    assert found is not None
    assert '+  "b": "<id:2>"' in found.diff


def test_timestamps_compare_by_kind() -> None:
    """Integer ms and ISO timestamps become placeholders; other numbers stay."""
    recorded = exchange({"at": 1710000000000, "when": "2026-01-01T00:00:00Z", "n": 2})
    replayed = exchange({"at": 1795451753659, "when": "2026-11-23T16:32:13.5Z", "n": 2})
    assert Replayer().compare(1, recorded, replayed) is None
    assert Replayer().compare(1, recorded, exchange({**replayed.response_body, "n": 3}))


async def test_ids_returned_earlier_are_substituted_into_later_requests() -> None:
    """A recorded id the replay answered differently is sent as the replay's id."""
    old_id, new_id = "V1StGXR8_Z5jdHi6B-myT", "abcdefghij0123456789_"
    recorded = [
        exchange({"id": old_id}, method="POST", path="/v1/things"),
        exchange({"id": old_id}, path=f"/v1/things/{old_id}", query=f"after={old_id}"),
    ]
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url.raw_path.decode()))
        return httpx.Response(200, json={"id": new_id})

    transport = httpx.MockTransport(answer)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert await replay(recorded, client, Replayer()) == []
    assert seen[1] == f"/v1/things/{new_id}?after={new_id}"


def test_recording_files_round_trip(tmp_path: Path) -> None:
    """write() then read() gives back the exchanges and the context line."""
    path = str(tmp_path / "rec.jsonl")
    write(path, [exchange({"id": "x"})], {"project_id": "p"})
    exchanges, context = read(path)
    assert context == {"project_id": "p"}
    assert exchanges == [exchange({"id": "x"})]


async def test_recordings_keep_long_integers_and_odd_text_exactly(tmp_path: Path) -> None:
    """An answer's integer beyond 64 bits, lone surrogate and NaN are recorded and read back
    as they were, and a replay told 2**64 + 1 for 2**64 reports the difference."""
    raw = b'{"n": 18446744073709551616, "text": "A\\ud800", "ratio": NaN}'

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": raw})

    recorded: list[Exchange] = []
    transport = httpx.ASGITransport(app=RecordingMiddleware(app, recorded.append))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await client.get("/v1/things")
    path = str(tmp_path / "rec.jsonl")
    write(path, recorded, None)
    [read_back], _ = read(path)
    assert read_back.response_body["n"] == 2**64
    assert read_back.response_body["text"] == "A\ud800"
    assert math.isnan(read_back.response_body["ratio"])
    found = Replayer().compare(1, exchange({"n": 2**64}), exchange({"n": 2**64 + 1}))
    assert found is not None
    assert '+  "n": 18446744073709551617' in found.diff


@pytest.mark.usefixtures("cli_clock")
def test_cli_records_and_replays_the_demo(tmp_path: Path) -> None:
    """``segue record demo --version v1`` then ``segue replay FILE demo`` exits 0."""
    path = str(tmp_path / "v1.jsonl")
    runner = CliRunner()
    recorded = runner.invoke(cli, ["record", "demo", "--version", "v1", "--out", path])
    assert recorded.exit_code == 0, recorded.output
    lines = Path(path).read_bytes().splitlines()
    assert orjson.loads(lines[1])["version"] == "v1"
    replayed = runner.invoke(cli, ["replay", path, "demo"])
    assert replayed.exit_code == 0, replayed.output
    assert "0 of" in replayed.stderr


@pytest.mark.usefixtures("cli_clock")
def test_cli_replay_exits_non_zero_on_a_difference(tmp_path: Path) -> None:
    """A recording edited to expect another answer makes replay fail with a diff."""
    path = tmp_path / "v1.jsonl"
    runner = CliRunner()
    runner.invoke(cli, ["record", "demo", "--version", "v1", "--out", str(path)])
    lines = path.read_bytes().splitlines()
    first = orjson.loads(lines[1])
    first["response_body"]["name"] = "Nut"
    path.write_bytes(b"\n".join([lines[0], orjson.dumps(first), *lines[2:]]) + b"\n")
    replayed = runner.invoke(cli, ["replay", str(path), "demo"])
    assert replayed.exit_code == 1
    assert '-  "name": "Nut",' in replayed.stdout


def exchange(
    body: Any, *, method: str = "GET", path: str = "/v1/things", query: str = ""
) -> Exchange:
    headers = [("content-type", "application/json")]
    return Exchange("v1", method, path, query, [], None, 200, headers, body)
