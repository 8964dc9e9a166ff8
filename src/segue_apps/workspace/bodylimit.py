"""Refuse oversized request bodies with 413 before the app reads them (pure ASGI)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from segue_apps.common.responses import JSONResponse
from segue_apps.workspace.errors import error_body


class BodyLimitMiddleware:
    """Answer 413 ``PAYLOAD_TOO_LARGE`` when ``Content-Length`` exceeds ``limit`` bytes."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                    message = f"Request body exceeds {self.limit} bytes"
                    body = error_body(413, "PAYLOAD_TOO_LARGE", message)
                    await JSONResponse(body, status_code=413)(scope, receive, send)
                    return
        await self.app(scope, receive, send)
