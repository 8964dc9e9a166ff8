"""Answering a request with a whole body in one go, as segue's own pages do."""

from __future__ import annotations

from collections.abc import Sequence

from segue.types import Headers, Scope, Send


async def reply(
    scope: Scope,
    send: Send,
    status: int,
    content_type: str,
    body: bytes,
    extra: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    """Send ``body`` with its type and length (and ``extra`` headers); a HEAD request gets
    the same headers and no body."""
    headers: Headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
