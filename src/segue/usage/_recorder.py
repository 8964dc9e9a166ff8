"""Usage figures: who still calls which version, recorded around a :class:`~segue.Segue` app.

:class:`UsageRecorder` is plain ASGI middleware. On the request path it only counts — a
dict update keyed by (version, route, key prefix, hour), no await of its own — and a
background task started on lifespan start-up writes what was counted to the service's
database in batches: every ``flush_every_s`` seconds, as soon as ``flush_at`` requests are
waiting, and once more on shutdown. It also answers three URLs of its own:

- ``/_segue/usage``: an HTML page (tables and an inline SVG chart) of every old version;
- ``/_segue/usage.json``: the same figures as JSON;
- ``/_segue/deprecated-calls``: the calling key's own calls to retiring versions, for
  the service's clients (needs ``authenticate``).

Figures read by those URLs merge what is stored with what is still in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from segue._api import find_api
from segue._errors import DeclarationError
from segue._lifecycle import Clock, system_clock
from segue._reply import reply
from segue._version import Version
from segue.types import ASGIApp, Headers, Message, Receive, Scope, Send
from segue.usage._page import page
from segue.usage._report import deprecated_calls, hour_of, report
from segue.usage._store import UsageStore
from segue.usage._tally import HOUR_MS, Tally, UsageRow, merge

Identify = Callable[[Scope], str | None]
Authenticate = Callable[[Scope], Awaitable[str | None]]

PREFIX_LENGTH = 12
MAX_HOURS = 24 * 400
log = logging.getLogger("segue.usage")


def bearer_prefix(scope: Scope) -> str | None:
    """The first 12 characters of the ``Authorization: Bearer`` token, never the whole key.

    A token not longer than the prefix counts as no key, so it is never stored whole.
    """
    for name, value in scope["headers"]:
        if name == b"authorization":
            text: str = value.decode("latin-1")
            scheme, _, token = text.partition(" ")
            token = token.strip()
            if scheme.lower() == "bearer" and len(token) > PREFIX_LENGTH:
                return token[:PREFIX_LENGTH]
            return None
    return None


def loopback_only(scope: Scope) -> bool:
    """The default guard of the provider's usage pages: callers on this machine only.

    They list every caller's key prefix, so they are not for the open internet; a provider
    behind an admin proxy passes its own ``authorize=``.
    """
    client = scope.get("client")
    if not client:
        return False
    try:
        return ipaddress.ip_address(client[0]).is_loopback
    except ValueError:
        return False


class UsageRecorder:
    """Count every versioned request of ``app`` and keep the counts in a database.

    Args:
        app: a :class:`~segue.Segue` app (or any ASGI app that sets ``scope["segue.version"]``,
            given with ``versions``).
        db_url: SQLAlchemy async URL of the service's database (SQLite or PostgreSQL); the
            recorder opens its own engine on start-up and closes it on shutdown.
        engine: an engine to use instead of ``db_url`` (left open on shutdown).
        versions: the versions, newest first; by default ``app.versions``.
        identify: names the caller from the scope; by default the Bearer token's prefix.
        authenticate: resolves the caller of ``/_segue/deprecated-calls`` to its key
            prefix, or ``None`` (401); without it that URL is not served.
        authorize: whether a request may read ``/_segue/usage`` (every caller's figures);
            by default only loopback clients may.
        clock: the current instant; tests inject one.
        flush_every_s: longest time counts wait in memory.
        flush_at: flush as soon as this many requests were counted since the last flush.
        window: how far back the usage URLs look unless ``?hours=`` says otherwise.
        keep: how long stored hours are kept; older ones are deleted, at most once an hour,
            when counts are flushed (the longest ``?hours=`` reaches back 400 days).

    Example::

        app = UsageRecorder(Segue(newest, versions), db_url="sqlite+aiosqlite:///./data/x.db")
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        db_url: str | None = None,
        engine: AsyncEngine | None = None,
        versions: Sequence[Version] | None = None,
        identify: Identify = bearer_prefix,
        authenticate: Authenticate | None = None,
        authorize: Callable[[Scope], bool] = loopback_only,
        clock: Clock = system_clock,
        flush_every_s: float = 2.0,
        flush_at: int = 500,
        window: timedelta = timedelta(days=30),
        keep: timedelta = timedelta(hours=MAX_HOURS),
    ) -> None:
        if (db_url is None) == (engine is None):
            raise DeclarationError("UsageRecorder needs exactly one of db_url= and engine=")
        if keep < timedelta(hours=1):
            raise DeclarationError(f"UsageRecorder keep={keep} is shorter than an hour")
        if versions is None:
            api = find_api(app)
            if api is None:
                raise DeclarationError("UsageRecorder wraps a Segue app, or give versions=")
            versions = api.versions
        self.app = app
        self.versions = list(versions)
        self.newest_prefix = self.versions[0].prefixes[0]
        self.db_url = db_url
        self.engine = engine
        self.identify = identify
        self.authenticate = authenticate
        self.authorize = authorize
        self.clock = clock
        self.flush_every_s = flush_every_s
        self.flush_at = flush_at
        self.window_hours = max(1, int(window / timedelta(hours=1)))
        self.keep_ms = int(keep / timedelta(milliseconds=1))
        self._pruned_hour = 0  # the hour of the last prune: one per hour is plenty
        self.tally = Tally()
        self.store: UsageStore | None = None
        self._pages: dict[str, Callable[[Scope, Send], Awaitable[None]]] = {
            "/_segue/usage": self._page,
            "/_segue/usage.json": self._json,
        }
        if authenticate is not None:
            self._pages["/_segue/deprecated-calls"] = self._deprecated_calls
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._lock: asyncio.Lock | None = None
        self._stopping = False

    # ----------------------------------------------------------------- request path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            own = self._pages.get(scope["path"])
            if own is not None:
                await own(scope, send)
                return
            status = 0

            async def send_status(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await self.app(scope, receive, send_status)
            finally:
                version = scope.get("segue.version")
                if version is not None:
                    self._count(scope, version, status)
        elif kind == "lifespan":
            await self._lifespan(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _count(self, scope: Scope, version: str, status: int) -> None:
        route = scope.get("segue.route")
        if route is None:
            # Newest-version pass-through: the app's router left its route on the scope.
            path = getattr(scope.get("route"), "path", None)
            if isinstance(path, str):
                if path.startswith(self.newest_prefix):
                    path = path[len(self.newest_prefix) :] or "/"
                route = f"{scope['method']} {path}"
            else:
                route = f"{scope['method']} (unmatched)"
        now_ms = int(self.clock().timestamp() * 1000)
        # A refused key (401) is no caller: counted as no key, so made-up tokens add no rows.
        caller = "" if status == 401 else self.identify(scope) or ""
        # status 0: the app raised before answering; the server answers 500.
        self.tally.add(version, route, caller, now_ms, not 0 < status < 400)
        if self.tally.requests >= self.flush_at and self._wake is not None:
            self._wake.set()

    # ----------------------------------------------------------------- lifespan

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def receive_hooked() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown" and started:
                # Before the app's own shutdown: it may close the engine we were given.
                await self.shutdown()
            return message

        async def send_hooked(message: Message) -> None:
            nonlocal started
            if message["type"] == "lifespan.startup.complete":
                try:
                    await self.startup()
                except Exception as exc:
                    log.exception("usage recorder failed to start")
                    await send({"type": "lifespan.startup.failed", "message": f"usage: {exc}"})
                    return
                started = True
            await send(message)

        await self.app(scope, receive_hooked, send_hooked)

    async def startup(self) -> None:
        """Open the engine, create the table when missing, start the flush task."""
        if self.engine is None:
            assert self.db_url is not None
            options: dict[str, Any] = {}
            if self.db_url.startswith("sqlite") and ":memory:" in self.db_url:
                options["poolclass"] = StaticPool  # one in-memory database, not one per conn
            self.engine = create_async_engine(self.db_url, **options)
        self.store = UsageStore(self.engine)
        await self.store.create()
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._stopping = False
        self._task = asyncio.create_task(self._flush_forever(), name="segue usage flush")

    async def shutdown(self) -> None:
        """Stop the flush task, flush what is left, close the engine if it is ours."""
        if self._task is not None and self._wake is not None:
            self._stopping = True
            self._wake.set()
            await self._task
            self._task = None
        await self.flush()
        if self.db_url is not None and self.engine is not None:
            await self.engine.dispose()
            self.engine = None
            self.store = None

    async def _flush_forever(self) -> None:
        assert self._wake is not None
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.flush_every_s):
                    await self._wake.wait()
            self._wake.clear()
            await self.flush()

    async def flush(self) -> int:
        """Write what was counted since the last flush; returns the number of rows written.

        A failed write keeps the counts in memory for the next flush.
        """
        if self.store is None or self._lock is None or not self.tally:
            return 0
        async with self._lock:
            batch, self.tally = self.tally, Tally()
            rows = batch.rows()
            try:
                await self.store.add(rows)
            except Exception:
                log.exception("usage figures not written; %d rows kept for later", len(rows))
                self.tally.add_rows(rows)
                self.tally.requests += batch.requests
                return 0
            await self._prune()
        return len(rows)

    async def _prune(self) -> None:
        """Delete stored hours older than ``keep``, once per hour at most."""
        assert self.store is not None
        hour = hour_of(self.clock())
        if hour == self._pruned_hour:
            return
        try:
            await self.store.prune(before_hour=hour - self.keep_ms + HOUR_MS)
        except Exception:
            log.exception("old usage figures not deleted; will try again next hour")
        self._pruned_hour = hour

    # ----------------------------------------------------------------- own URLs

    async def figures(self, since_hour: int, key_prefix: str | None = None) -> list[UsageRow]:
        """Stored rows from ``since_hour`` on plus those not flushed yet (of one key)."""
        if self.store is None or self._lock is None:
            raise RuntimeError("the usage recorder has not started (ASGI lifespan)")
        async with self._lock:  # no flush between reading the table and reading memory
            stored = await self.store.read(since_hour, key_prefix)
            pending = [
                r
                for r in self.tally.rows()
                if r.hour >= since_hour and (key_prefix is None or r.key_prefix == key_prefix)
            ]
        return merge(stored, pending)

    def _since(self, scope: Scope) -> int:
        hours = self.window_hours
        text = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("hours")
        if text and text[0].isdigit():
            hours = min(max(int(text[0]), 1), MAX_HOURS)
        return hour_of(self.clock()) - (hours - 1) * HOUR_MS

    async def _report(self, scope: Scope) -> dict[str, Any]:
        since = self._since(scope)
        return report(self.versions, await self.figures(since), self.clock(), since)

    async def _allowed(self, scope: Scope, send: Send) -> bool:
        if not await _only_get(scope, send):
            return False
        if self.authorize(scope):
            return True
        message = "usage figures are served to this machine only"
        body = orjson.dumps({"error": {"code": "FORBIDDEN", "message": message}})
        await _reply(scope, send, 403, "application/json", body)
        return False

    async def _page(self, scope: Scope, send: Send) -> None:
        if await self._allowed(scope, send):
            body = page(await self._report(scope)).encode()
            await _reply(scope, send, 200, "text/html; charset=utf-8", body)

    async def _json(self, scope: Scope, send: Send) -> None:
        if await self._allowed(scope, send):
            body = orjson.dumps(await self._report(scope))
            await _reply(scope, send, 200, "application/json", body)

    async def _deprecated_calls(self, scope: Scope, send: Send) -> None:
        if not await _only_get(scope, send):
            return
        assert self.authenticate is not None
        key_prefix = await self.authenticate(scope)
        if key_prefix is None:
            message = "Send a valid API key: Authorization: Bearer <key>"
            body = orjson.dumps({"error": {"code": "UNAUTHORIZED", "message": message}})
            extra = [(b"www-authenticate", b"Bearer")]
            await _reply(scope, send, 401, "application/json", body, extra)
            return
        since = self._since(scope)
        rows = await self.figures(since, key_prefix)
        result = deprecated_calls(self.versions, rows, key_prefix, self.clock())
        await _reply(scope, send, 200, "application/json", orjson.dumps(result))


async def _only_get(scope: Scope, send: Send) -> bool:
    if scope["method"] in ("GET", "HEAD"):
        return True
    body = orjson.dumps({"error": {"code": "METHOD_NOT_ALLOWED", "message": "use GET"}})
    await _reply(scope, send, 405, "application/json", body, [(b"allow", b"GET, HEAD")])
    return False


async def _reply(
    scope: Scope,
    send: Send,
    status: int,
    content_type: str,
    body: bytes,
    extra: Headers | None = None,
) -> None:
    # Figures change from one request to the next, and they name callers: never cached.
    await reply(scope, send, status, content_type, body, [*(extra or ()), _NO_STORE])


_NO_STORE = (b"cache-control", b"no-store")
