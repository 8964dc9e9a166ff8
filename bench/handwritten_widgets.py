"""The benchmark's v1 request translated by hand, for the overhead benchmarks (case m).

The floor under any translating layer: ``GET /v1/widgets/{id}`` as a provider would write it
with no library, as an ASGI middleware in front of the bare demo v2 app. It does what that
one request needs and nothing general: the path rewritten, ``?fields=!parts`` (v2 shows no
parts unless asked) dropped, the answer's ``widget_id`` renamed ``id``, ``grade`` mapped,
``color`` dropped, ``legacy_code`` added, and the three lifecycle headers, built once. It
reads no request body (a GET), finds no route and checks no date.

So m against a is about the most of the bare app's speed that a v1 translation can keep in
this Python, and c against m is what segue's generality costs on top.
"""

from __future__ import annotations

from email.utils import format_datetime
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from segue_apps.demo.app import create_app as create_v2_app
from segue_apps.demo.versions import DEPRECATED, SUNSET

OLD = "/v1/widgets/"
NEW = "/api/v2/widgets/"
GRADES = {"high": "full", "medium": "maybe", "low": "none"}
LIFECYCLE = [
    (b"deprecation", b"@%d" % DEPRECATED.timestamp()),
    (b"sunset", format_datetime(SUNSET, usegmt=True).encode()),
    (
        b"link",
        b'<https://example.test/migrate>; rel="deprecation", '
        b'<https://example.test/api/v2>; rel="successor-version"',
    ),
]


def v1_widget(body: dict[str, Any]) -> None:
    body["id"] = body.pop("widget_id")
    body["grade"] = GRADES.get(body["grade"], body["grade"])
    body.pop("color", None)
    body["legacy_code"] = f"L-{body['id']}"


def create_app() -> ASGIApp:
    app = create_v2_app()

    async def v1(scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "GET" or not path.startswith(OLD):
            await app(scope, receive, send)
            return
        inner = dict(scope)
        inner["path"] = NEW + path[len(OLD) :]
        inner["raw_path"] = inner["path"].encode()
        inner["query_string"] = b""  # the only v1 query benchmarked is ?fields=!parts
        start: Message = {}

        async def send_v1(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if start["status"] == 200:
                body = orjson.loads(message["body"])
                v1_widget(body)
                message["body"] = orjson.dumps(body)
                headers = [*start["headers"], *LIFECYCLE]
                headers[0] = (b"content-length", b"%d" % len(message["body"]))  # Starlette's
                start["headers"] = headers
            await send(start)
            await send(message)

        await app(inner, receive, send_v1)

    return v1
