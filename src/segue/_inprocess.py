"""Calling an ASGI app in-process and collecting its whole response — no socket."""

from __future__ import annotations

import asyncio

from segue._exchange import Request, Response
from segue.types import ASGIApp, Headers, Message, Receive, Scope


def rewrite_headers(headers: Headers, body: bytes) -> Headers:
    """Request headers for a (possibly rewritten) body: ``content-length`` made to match."""
    out = [(k, v) for k, v in headers if k != b"content-length"]
    out.append((b"content-length", str(len(body)).encode()))
    return out


def scope_for(base: Scope, request: Request, path: str, body: bytes) -> Scope:
    """A copy of ``base`` aimed at ``path`` with ``request``'s method, query and headers."""
    scope = dict(base)
    scope["method"] = request.method
    scope["path"] = path
    scope["raw_path"] = path.encode()
    scope["query_string"] = request.query_string
    scope["headers"] = rewrite_headers(request.headers, body)
    return scope


async def call(
    app: ASGIApp, scope: Scope, body: bytes | None, receive: Receive | None = None
) -> Response:
    """Run ``app`` on ``scope`` with ``body``; return everything it sent.

    ``receive`` (the client's own) is handed on after the body so the app still sees a
    real disconnect; without it, later receives wait forever, as an idle client would.
    With ``body`` ``None`` the app reads the client's body from ``receive`` itself.
    """
    status = 500
    headers: Headers = []
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = [(k.lower(), v) for k, v in message.get("headers", ())]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    if body is None and receive is not None:
        await app(scope, receive, send)
    else:
        await app(scope, replay(body or b"", receive), send)
    return Response(status, headers=headers, body=b"".join(chunks))


async def read_body(receive: Receive) -> bytes:
    """The whole request body a client sent."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes, receive: Receive | None) -> Receive:
    """A ``receive`` that gives ``body`` first (already read from the client), then hands on
    to the client's ``receive``, so the app still sees a real disconnect; without one,
    later receives wait forever, as an idle client would."""
    sent_body = False

    async def receive_once() -> Message:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}
        if receive is not None:
            return await receive()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    return receive_once
