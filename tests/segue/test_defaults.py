"""A default filled into a body is that body's own copy, never the declared object.

Later changes and adapters change bodies in place; a shared default would carry one
request's changes into the next.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from segue import EnumMapped, FieldAdded, FieldRemoved, Segue, Version
from segue._inprocess import read_body
from segue.types import Receive, Scope, Send


def test_added_field_default_is_copied_into_each_request() -> None:
    change = FieldAdded("settings", default={"mode": "fast", "tags": ["a"]}, on="both")
    first = change.up({})
    first["settings"]["mode"] = "slow"
    first["settings"]["tags"].append("b")
    assert change.up({}) == {"settings": {"mode": "fast", "tags": ["a"]}}


def test_added_nested_field_default_is_copied_into_each_item() -> None:
    change = FieldAdded("data[].meta", default={"n": 1}, on="both")
    body = change.up({"data": [{}, {}]})
    body["data"][0]["meta"]["n"] = 2
    assert body["data"][1]["meta"] == {"n": 1}


def test_removed_field_default_is_copied_into_each_response() -> None:
    change = FieldRemoved("tags", default=["legacy"])
    first = change.down({})
    first["tags"].append("more")
    assert change.down({}) == {"tags": ["legacy"]}


async def test_each_old_request_gets_the_declared_default_over_http() -> None:
    """v1 fills ``settings``, then maps its ``level`` in place (``a`` → ``b``, ``b`` →
    ``c``). Had the default been shared, the second request would reach the app as ``c``."""
    received: list[Any] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        received.append(orjson.loads(await read_body(receive)))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    v1_changes = [
        FieldAdded("settings", default={"level": "a"}, on="both"),
        EnumMapped("settings.level", {"a": "b", "b": "c"}),
    ]
    api = Segue(
        app, [Version("v2", ["/v2"]), Version("v1", ["/v1"], v1_changes)], routes=["POST /things"]
    )
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for _ in range(2):
            assert (await client.post("/v1/things", json={"name": "x"})).status_code == 200
    assert received == [{"name": "x", "settings": {"level": "b"}}] * 2
