"""Per-key fixed-window rate limiting as a plain ASGI middleware.

Windows are 60 seconds aligned to the clock; the counter is keyed by the bearer token (no
database lookup, so invalid keys are limited too) or, without one, by client address.
Every response carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
``X-RateLimit-Reset`` (Unix time in seconds when the window ends); a refused request gets
429 ``RATE_LIMITED`` with ``Retry-After`` in seconds. Counters live in this process only.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from segue_apps.common.auth import authorization
from segue_apps.common.clock import Clock
from segue_apps.common.errors import error_body

WINDOW_MS = 60_000


class _Counters:
    """Request counts of the current window; older windows are dropped wholesale."""

    def __init__(self) -> None:
        self.window = -1
        self.counts: dict[str, int] = {}

    def hit(self, window: int, key: str) -> int:
        if window != self.window:
            self.window, self.counts = window, {}
        count = self.counts.get(key, 0) + 1
        self.counts[key] = count
        return count


def _client_key(scope: Scope) -> str:
    # The whole header, not the parsed key: an ill-formed one is counted too.
    header = authorization(scope)
    if header is not None:
        return header
    client = scope.get("client")
    return f"addr:{client[0]}" if client else "anonymous"


class RateLimitMiddleware:
    """Limit each key to ``limit`` requests per minute."""

    def __init__(self, app: ASGIApp, limit: int, clock: Clock) -> None:
        self.app = app
        self.limit = limit
        self.clock = clock
        self._counters = _Counters()
        self._limit_header = str(limit).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        now = self.clock()
        window = now // WINDOW_MS
        count = self._counters.hit(window, _client_key(scope))
        reset_ms = (window + 1) * WINDOW_MS
        headers = [
            (b"x-ratelimit-limit", self._limit_header),
            (b"x-ratelimit-remaining", str(max(self.limit - count, 0)).encode()),
            (b"x-ratelimit-reset", str(reset_ms // 1000).encode()),
        ]
        if count > self.limit:
            retry_after = max((reset_ms - now + 999) // 1000, 1)
            body = orjson.dumps(
                error_body(
                    "RATE_LIMITED", f"Rate limit of {self.limit} requests per minute exceeded"
                )
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": 429,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"retry-after", str(retry_after).encode()),
                        *headers,
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)
