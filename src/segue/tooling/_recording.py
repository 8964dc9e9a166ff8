"""Recording exchanges with a service (see :mod:`segue.tooling._replay` for replaying).

A recording is a JSON-lines file: an optional first line ``{"segue_recording": 1,
"context": {...}}`` (what bootstrap created, never the key), then one exchange a line.
:class:`RecordingMiddleware` records any ASGI app in-process; secrets are redacted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import orjson

from segue import _json
from segue.types import ASGIApp, Message, Receive, Scope, Send

REDACTED = "<redacted>"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})
# Transport details, not part of what a client means: never recorded.
SKIPPED_REQUEST_HEADERS = frozenset(
    {"host", "content-length", "connection", "accept-encoding", "user-agent", "accept"}
)
KEPT_RESPONSE_HEADERS = (
    "content-type",
    "deprecation",
    "sunset",
    "link",
    "allow",
    "retry-after",
    "location",
)


@dataclass
class Exchange:
    """One request and its response, as a recording line holds them."""

    version: str | None
    method: str
    path: str
    query: str
    request_headers: list[tuple[str, str]]
    request_body: Any
    status: int
    response_headers: list[tuple[str, str]]
    response_body: Any

    def to_json(self) -> bytes:
        return _json.dumps(asdict(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Exchange:
        fields = dict(data)
        for name in ("request_headers", "response_headers"):
            fields[name] = [(str(k), str(v)) for k, v in fields.get(name) or []]
        return cls(**fields)


def body_of(raw: bytes) -> Any:
    """A recorded body: JSON as the app wrote it, else text, else None when empty."""
    if not raw:
        return None
    try:
        return _json.loads(raw)  # every value as the app wrote it: long integers too
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", "replace")


def request_headers(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    """The request headers worth recording, secrets replaced by a placeholder."""
    out = []
    for key, value in raw:
        name = key.decode("latin-1").lower()
        if name in SKIPPED_REQUEST_HEADERS:
            continue
        out.append((name, REDACTED if name in SECRET_HEADERS else value.decode("latin-1")))
    return out


def response_headers(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    """The response headers a recording keeps (content type, lifecycle, allow, …)."""
    pairs = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in raw]
    return [(k, v) for name in KEPT_RESPONSE_HEADERS for k, v in pairs if k == name]


class RecordingMiddleware:
    """Pass every HTTP exchange through and hand a copy to ``sink``.

    Example::

        exchanges: list[Exchange] = []
        app = RecordingMiddleware(segue_app, exchanges.append)
    """

    def __init__(self, app: ASGIApp, sink: Callable[[Exchange], None]) -> None:
        self.app = app
        self.sink = sink

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent: list[bytes] = []
        received: list[bytes] = []
        start: dict[str, Any] = {}

        async def receive_copy() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                received.append(message.get("body", b""))
            return message

        async def send_copy(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                sent.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive_copy, send_copy)
        self.sink(
            Exchange(
                version=scope.get("segue.version"),
                method=scope["method"],
                path=scope["path"],
                query=scope.get("query_string", b"").decode("latin-1"),
                request_headers=request_headers(scope.get("headers", [])),
                request_body=body_of(b"".join(received)),
                status=start.get("status", 500),
                response_headers=response_headers(start.get("headers", [])),
                response_body=body_of(b"".join(sent)),
            )
        )


def write(path: str, exchanges: Sequence[Exchange], context: dict[str, Any] | None = None) -> None:
    """Write a recording file."""
    with open(path, "wb") as file:
        if context is not None:
            file.write(_json.dumps({"segue_recording": 1, "context": context}) + b"\n")
        for exchange in exchanges:
            file.write(exchange.to_json() + b"\n")


def read(path: str) -> tuple[list[Exchange], dict[str, Any]]:
    """Read a recording file: its exchanges and the context it was made in."""
    exchanges, context = [], {}
    with open(path, "rb") as file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                data = _json.loads(line)
                if "segue_recording" in data:
                    context = dict(data.get("context") or {})
                else:
                    exchanges.append(Exchange.from_json(data))
            except (orjson.JSONDecodeError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not a recorded exchange: {exc}") from None
    return exchanges, context
