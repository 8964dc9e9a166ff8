"""Refuse requests no route can take before the app reads them (pure ASGI).

* a body over the service's cap → 413 ``PAYLOAD_TOO_LARGE``, whether or not it says
  its length (a chunked body is counted as it arrives, and never buffered past the cap);
* a body that is not JSON (``Content-Type`` other than ``application/json`` or
  ``…+json``) → 415 ``UNSUPPORTED_MEDIA_TYPE``: every route of our services reads JSON,
  except the upload routes a service names (``form_paths``), which take any body up to
  their own cap. Those bodies are not buffered but passed on as they arrive (the route
  streams them to storage): a declared length over the cap is refused here, and a body
  that grows past it makes the app's next ``receive`` raise :class:`BodyTooLarge`, an
  :class:`~segue_apps.common.errors.APIError` (413) the route's error handler renders;
* a NUL character in the path or the query string → 400 ``BAD_REQUEST``: no id, cursor
  or search text holds one, and PostgreSQL text cannot.

Each service renders the answer in its own envelope through ``error_body``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from segue_apps.common.errors import APIError
from segue_apps.common.responses import JSONResponse

ErrorBody = Callable[[int, str, str], dict[str, Any]]
"""``error_body(status, code, message)``: a service's error envelope."""


class BodyTooLarge(APIError):
    """A streamed upload body grew past its cap (raised by ``receive``)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, "PAYLOAD_TOO_LARGE", f"Request body exceeds {limit} bytes")


def _is_json(content_type: bytes) -> bool:
    media_type = content_type.split(b";", 1)[0].strip().lower()
    return media_type == b"application/json" or media_type.endswith(b"+json")


class RequestGuard:
    """Answer 413, 415 or 400 for the requests described in the module docstring.

    Args:
        app: the app behind.
        max_body_bytes: largest request body accepted.
        error_body: renders the envelope.
        form_paths: paths (matched whole) whose bodies need not be JSON.
        max_form_bytes: the cap of those paths' bodies.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        error_body: ErrorBody,
        form_paths: re.Pattern[str] | None = None,
        max_form_bytes: int = 0,
    ) -> None:
        self.app = app
        self.limit = max_body_bytes
        self.error_body = error_body
        self.form_paths = form_paths
        self.form_limit = max_form_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query: bytes = scope.get("query_string", b"")
        if "\x00" in scope["path"] or b"\x00" in query or b"%00" in query:
            await self._refuse(scope, send, 400, "BAD_REQUEST", "NUL characters are not allowed")
            return
        form = self.form_paths is not None and self.form_paths.fullmatch(scope["path"]) is not None
        limit = self.form_limit if form else self.limit
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await self._refuse_size(scope, send, limit)
            return
        if form:
            await self.app(scope, _counted(receive, limit), send)
            return
        body = await self._read(receive, limit)
        if body is None:
            await self._refuse_size(scope, send, limit)
            return
        if body and not form and not _is_json(headers.get(b"content-type", b"")):
            message = "Request body must be JSON (Content-Type: application/json)"
            await self._refuse(scope, send, 415, "UNSUPPORTED_MEDIA_TYPE", message)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive, limit: int) -> bytes | None:
        """The whole body, or ``None`` once it grows past the cap."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away; the app will see the same
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _refuse_size(self, scope: Scope, send: Send, limit: int) -> None:
        message = f"Request body exceeds {limit} bytes"
        await self._refuse(scope, send, 413, "PAYLOAD_TOO_LARGE", message)

    async def _refuse(self, scope: Scope, send: Send, status: int, code: str, text: str) -> None:
        response = JSONResponse(self.error_body(status, code, text), status_code=status)
        await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _counted(receive: Receive, limit: int) -> Receive:
    """A ``receive`` that raises :class:`BodyTooLarge` once the body passes ``limit``."""
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise BodyTooLarge(limit)
        return message

    return counted


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the body read already, then whatever comes next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
