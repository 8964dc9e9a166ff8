"""The whole-path index answers every request as the prefix search and route match would.

Two copies of one API, one with its index emptied, get the same requests over HTTP: any
difference in status, body or the route segue reports is a wrong index entry.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from segue import FieldRenamed, RouteMoved, Segue, Version
from segue._api import PathIndex
from segue.types import Receive, Scope, Send

ROUTES = [
    "GET /things",
    "POST /things",
    "GET /things/{id}",
    "GET /things/{id}/parts/{part}",
    "GET /{kind}/{id}",
    "GET /boxes/{side}/tops",
    "GET /boxes/lids/{n}",
    "GET /",
    "GET /v3/{id}",  # under v2's /api, the same path as v3's own /api/v3/{id}
]


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """The newest app: answers with what it was asked, as JSON."""
    body = orjson.dumps({"path": scope["path"], "method": scope["method"], "thing_id": "t"})
    headers = [(b"content-length", b"%d" % len(body)), (b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def build() -> Segue:
    """v3 newest; v2 under ``/api`` (which holds v3's ``/api/v3``) and ``/two``; v1 under
    ``/v1``, two steps from the app."""
    v2_changes = [FieldRenamed("id", "thing_id", routes=["GET /things/{id}"])]
    v1_changes = [RouteMoved("GET /boxes/lids/{n}", "GET /boxes/lids/{n}")]
    return Segue(
        echo,
        [
            Version("v3", ["/api/v3"]),
            Version("v2", ["/api", "/two"], v2_changes),
            Version("v1", ["/v1"], v1_changes),
        ],
        routes=ROUTES,
    )


WITH_INDEX, WITHOUT_INDEX = build(), build()
WITHOUT_INDEX.api.paths = PathIndex()
PREFIXES = st.sampled_from(["/api/v3", "/api", "/two", "/v1", "/v2", ""])
SEGMENTS = st.sampled_from(["things", "boxes", "lids", "tops", "parts", "v3", "7", "", "a b"])


async def answer(api: Segue, method: str, path: str) -> tuple[Any, ...]:
    seen: dict[str, Any] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await api(scope, receive, send)
        seen.update({k: v for k, v in scope.items() if k.startswith("segue.")})

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.request(method, "http://test" + path)
    return response.status_code, response.content, seen


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST"]),
    prefix=PREFIXES,
    parts=st.lists(SEGMENTS, max_size=4),
)
async def test_index_agrees_with_the_general_way(
    method: str, prefix: str, parts: list[str]
) -> None:
    path = prefix + "/" + "/".join(parts)
    assert await answer(WITH_INDEX, method, path) == await answer(WITHOUT_INDEX, method, path)


def test_nested_prefixes_and_the_root_route_are_left_to_the_general_way() -> None:
    """``/api`` holds ``/api/v3`` below it, and ``GET /`` is also the bare prefix: neither
    is indexed; ``/two`` and ``/v1`` are."""
    index = WITH_INDEX.api.paths
    assert ("GET", "/two/things") in index.literal
    assert ("GET", "/v1/things") in index.literal
    assert ("GET", "/two/things") in index.by_head  # /things/{id}
    assert not any(path.startswith("/api/") for _, path in [*index.literal, *index.by_head])
    assert not any(path in ("/two/", "/v1/", "/two", "/v1") for _, path in index.literal)
