"""Per-key fixed-window rate limiting as a plain ASGI middleware.

Windows are 60 seconds aligned to the clock; the counter is keyed by the bearer token (no
key lookup, so invalid keys are limited too) or, without one, by client address, each
stored only as its SHA-256. Every response carries ``X-RateLimit-Limit``,
``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (Unix time in seconds when the window
ends); a refused request gets 429 ``RATE_LIMITED`` with ``Retry-After`` in seconds.

Counters live in the service's database (one upsert per request), so several server
processes on one database share one limit.
"""

from __future__ import annotations

import hashlib

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from segue_apps.common.auth import authorization
from segue_apps.common.clock import Clock
from segue_apps.common.db import Database
from segue_apps.common.errors import error_body
from segue_apps.conversations.store.tables import rate_limit_hits

WINDOW_MS = 60_000
_hits = rate_limit_hits.c


def _client_key(scope: Scope) -> str:
    # The whole header, not the parsed key: an ill-formed one is counted too.
    header = authorization(scope)
    if header is not None:
        return hashlib.sha256(header.encode("latin-1")).hexdigest()
    client = scope.get("client")
    where = f"addr:{client[0]}" if client else "anonymous"
    return hashlib.sha256(where.encode()).hexdigest()


def _hit(conn: sa.Connection, caller: str, window: int) -> int:
    """Count one request of ``caller`` in ``window``; its count so far, this one included.

    One ``INSERT … ON CONFLICT DO UPDATE … RETURNING``: atomic on both databases, so
    concurrent requests from several processes never lose a hit. Windows before the
    previous one are deleted as the first hit of a window arrives.
    """
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(
        rate_limit_hits
    )
    upsert = insert.values(caller=caller, window=window, hits=1).on_conflict_do_update(
        index_elements=[_hits.caller, _hits.window], set_={"hits": _hits.hits + 1}
    )
    count = int(conn.execute(upsert.returning(_hits.hits)).scalar_one())
    if count == 1:
        conn.execute(sa.delete(rate_limit_hits).where(_hits.window < window - 1))
    return count


class RateLimitMiddleware:
    """Limit each key to ``limit`` requests per minute."""

    def __init__(self, app: ASGIApp, limit: int, clock: Clock) -> None:
        self.app = app
        self.limit = limit
        self.clock = clock
        self._limit_header = str(limit).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        now = self.clock()
        window = now // WINDOW_MS
        db: Database = scope["app"].state.db  # opened by the app's lifespan
        count = await db.run(_hit, _client_key(scope), window, write=True)
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
