"""segue reads a translated body as the app's ``json.loads`` would, and changes no value.

orjson, segue's fast parser, reads an integer beyond 64 bits as a float without a word, and
refuses lone surrogates, ``NaN`` and a byte order mark, all of which Starlette's
``Request.json`` accepts. A v1 body holding one must reach the app with the same values a v2
body would, and come back down with them.
"""

from __future__ import annotations

import json
import math
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from segue import FieldRenamed, Segue, Version, _json
from segue._inprocess import read_body
from segue.types import Receive, Scope, Send

BODIES = {
    "long integer": b'{"old": 123456789012345678901234567890}',
    "negative long integer": b'{"old": -98765432109876543210987}',
    "lone surrogate": b'{"old": "A\\ud800"}',
    "NaN and infinities": b'{"old": [NaN, Infinity, -Infinity]}',
    "byte order mark": b'\xef\xbb\xbf{"old": "bom"}',
    "twenty digits in a string": b'{"old": "12345678901234567890", "n": 1.5}',
    "plain": b'{"old": 1, "keep": [true, null, "x"]}',
}


def canonical(value: Any) -> str:
    """One spelling per JSON value (``NaN`` included, which equals nothing)."""
    return json.dumps(value, sort_keys=True)


def renamed(value: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    return {new if key == old else key: item for key, item in value.items()}


@pytest.fixture
def received() -> list[Any]:
    return []


@pytest.fixture
def api(received: list[Any]) -> Segue:
    """An app that echoes its JSON body, read and written as Starlette's JSON does, behind a
    v1 (one step, segue's direct path) and a v0 (two steps, the general path)."""

    async def echo(scope: Scope, receive: Receive, send: Send) -> None:
        body = json.loads(await read_body(receive))
        received.append(body)
        out = json.dumps(body, separators=(",", ":")).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(out))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": out})

    return Segue(
        echo,
        [
            Version("v2", ["/v2"]),
            Version("v1", ["/v1"], [FieldRenamed("old", "new", on="both")]),
            Version("v0", ["/v0"], [FieldRenamed("older", "old", on="both")]),
        ],
        routes=["POST /things"],
    )


@pytest.mark.parametrize("raw", list(BODIES.values()), ids=list(BODIES))
@pytest.mark.parametrize("version", ["v1", "v0"])
async def test_old_body_reaches_the_app_and_comes_back_with_every_value(
    api: Segue, received: list[Any], raw: bytes, version: str
) -> None:
    sent = json.loads(raw)
    if version == "v0":
        sent = renamed(sent, "old", "older")
        raw = json.dumps(sent).encode()
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post(
            f"/{version}/things", content=raw, headers={"content-type": "application/json"}
        )
    assert response.status_code == 200, response.text
    key = "older" if version == "v0" else "old"
    assert canonical(received) == canonical([renamed(sent, key, "new")])
    assert canonical(json.loads(response.content)) == canonical(sent)
    assert response.headers["content-length"] == str(len(response.content))


def test_long_integers_are_read_exactly() -> None:
    """orjson alone would give a float here (checked, so this test notices if it stops)."""
    raw = b"[18446744073709551616, -9223372036854775809, 18446744073709551615]"
    assert isinstance(orjson.loads(raw)[0], float)
    assert _json.loads(raw) == [2**64, -(2**63) - 1, 2**64 - 1]
    assert _json.dumps(_json.loads(raw)) == raw.replace(b" ", b"")


def test_non_finite_numbers_are_written_back_as_read() -> None:
    value = _json.loads(b'{"a": NaN, "b": -Infinity}')
    assert math.isnan(value["a"])
    assert value["b"] == -math.inf
    assert _json.dumps(value) == b'{"a":NaN,"b":-Infinity}'


def test_malformed_json_raises_orjsons_error() -> None:
    """Callers catch ``orjson.JSONDecodeError``; the standard library's fallback keeps it."""
    for raw in (b"{bad", b'{"n": 123456789012345678901234567890', b"\xff"):
        with pytest.raises(orjson.JSONDecodeError):
            _json.loads(raw)


def test_what_is_not_json_at_all_stays_orjsons_error() -> None:
    with pytest.raises(orjson.JSONEncodeError):
        _json.dumps({"a": {1, 2}})


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(st.characters(codec=None, exclude_categories=())),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@given(JSON_VALUES)
def test_any_value_survives_a_read_and_a_write(value: Any) -> None:
    """What the standard library writes, segue reads the same, and writes back so that the
    standard library reads the same again: integers of any size, any text, NaN."""
    read = _json.loads(json.dumps(value).encode())
    assert canonical(read) == canonical(value)
    assert canonical(json.loads(_json.dumps(read))) == canonical(value)
