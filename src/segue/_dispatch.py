"""The ASGI dispatcher: every request resolved to one match, then served in its version.

A plain ASGI class (no ``BaseHTTPMiddleware``): per-request state lives in locals. Newest
version traffic pays for one prefix match; old-version traffic is translated up through
each version step by its routes' translators, handled once by the app, and translated down
again.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol
from urllib.parse import quote

from segue import _inprocess
from segue._adapters import Caller
from segue._api import Api, Match
from segue._exchange import Request, Response, has_body, is_json
from segue._plan import RoutePlan
from segue._translator import Translator
from segue.types import ASGIApp, Headers, Message, Receive, Scope, Send


class Pages(Protocol):
    """segue's own URLs (discovery, documents, guide), answered before any version."""

    paths: frozenset[str]

    def handle(self, scope: Scope, send: Send) -> Awaitable[bool]:
        """Answer ``scope`` if it is one of the pages; ``False`` when it is not."""
        ...


class Dispatcher:
    """Serve ``api``'s versions from ``app``, which implements the newest; ``pages`` first.

    Args:
        app: the newest version's ASGI app.
        api: the compiled versions.
        pages: segue's own URLs.
    """

    def __init__(self, app: ASGIApp, api: Api, pages: Pages) -> None:
        self.app = app
        self.api = api
        self.pages = pages
        self._page_paths = pages.paths
        self._straight_through = api.straight_through
        self._newest_name = api.newest.name
        self._names = [v.name for v in api.versions]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path in self._page_paths and await self.pages.handle(scope, send):
            return
        # Newest-version traffic with nothing to announce goes on after one startswith.
        straight = self._straight_through
        if straight is not None and path.startswith(straight):
            scope["segue.version"] = self._newest_name
            await self.app(scope, receive, send)
            return
        match = self.api.match(scope["method"], path, scope["headers"])
        if match is None:  # under no version's prefix: the app's own business
            await self.app(scope, receive, send)
        elif match.version > 0:
            await self._old(match, scope, receive, send)
        elif match.version == 0:
            await self._newest(match.rest, scope, receive, send)
        else:
            await _send(send, self.api.unmatched(-1, scope["method"], path), [])

    async def _newest(self, rest: str, scope: Scope, receive: Receive, send: Send) -> None:
        api = self.api
        scope["segue.version"] = self._newest_name
        own_prefix = scope["path"].startswith(api.newest_prefix)
        if own_prefix and api.newest_plain:
            await self.app(scope, receive, send)  # newest and no dates: as it is
            return
        gate = api.gates[0].at(api.timestamp())
        if gate.gone:
            await _send(send, api.gone(0), gate.headers)
        elif own_prefix:
            await self._pass_through(scope, receive, send, gate.headers)
        else:  # an older version's prefix, the newest chosen by the version header
            request = _request(scope, rest, await _inprocess.read_body(receive), {})
            response = await self.serve(0, request, scope, receive)
            await _send(send, response, gate.headers)

    async def _old(self, match: Match, scope: Scope, receive: Receive, send: Send) -> None:
        """An older version's request: gated, sent up, answered down.

        The common case (``route.fast``: one version step, one call, the same path below
        the prefix) streams the app's own messages back through the route's translator, as
        Starlette's gzip middleware does; ``serve`` does the rest, buffered.
        """
        api = self.api
        index, rest, route, params = match
        # Namespaced scope keys let outer middleware (usage figures) see what segue decided.
        scope["segue.version"] = self._names[index]
        if route is not None:  # matched before the gate: a 410 still says who called what
            scope["segue.route"] = route.label
        gate = api.gates[index].at(api.timestamp())
        extra = gate.headers
        if gate.gone:
            await _send(send, api.gone(index), extra)
            return
        if route is None:
            await _send(send, api.unmatched(index, scope["method"], rest), extra)
            return
        if index != 1 or not route.fast:
            request = _request(scope, rest, await _inprocess.read_body(receive), params)
            response = await self.serve(index, request, scope, receive, route)
            await _send(send, response, extra)
            return
        translator = route.translator
        inner = dict(scope)
        path = api.newest_prefix + rest
        inner["path"] = path
        inner["raw_path"] = path.encode() if path.isascii() else quote(path).encode()
        if route.target is not None:
            inner["method"] = route.target.method
        if translator.query_ops:
            inner["query_string"] = translator.query(scope["query_string"])
        headers = scope["headers"]
        if translator.request_ops and has_body(headers):
            body = await _inprocess.read_body(receive)
            if body and is_json(headers, default=True):
                translated = translator.request_body(body)
                if translated is not body:
                    body = translated
                    inner["headers"] = _inprocess.rewrite_headers(headers, body)
            receive = _inprocess.replay(body, receive)
        start: Message = {}
        chunks: list[bytes] = []

        async def send_down(message: Message) -> None:
            nonlocal start
            kind = message["type"]
            if kind == "http.response.start":
                start = message  # held back until the body is known
                return
            if kind != "http.response.body":
                await send(message)
                return
            content = message.get("body", b"")
            if message.get("more_body", False):
                chunks.append(content)
                return
            if chunks:
                chunks.append(content)
                content = b"".join(chunks)
            start["headers"], message["body"] = translator.response(
                start["status"], start.get("headers", ()), content, extra
            )
            await send(start)  # the app's own messages, changed in place as GZipMiddleware does
            await send(message)

        await self.app(inner, receive, send_down)

    async def _pass_through(
        self, scope: Scope, receive: Receive, send: Send, extra: Headers
    ) -> None:
        if not extra:
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def serve(
        self,
        index: int,
        request: Request,
        scope: Scope,
        receive: Receive | None,
        route: RoutePlan | None = None,
    ) -> Response:
        """Serve ``request`` (relative to version ``index``'s prefix) in that version,
        buffered: each older step translates it up, calls the next newer version (or an
        adapter that does), and translates the answer down. ``route``: already matched."""
        api = self.api
        if index == 0:
            path = api.newest_prefix + request.path
            body = request.content
            inner = _inprocess.scope_for(scope, request, path, body)
            return await _inprocess.call(self.app, inner, body, receive)
        if route is None:
            route, params = api.plans[index - 1].match(request.method, request.path)
            if route is None:
                return api.unmatched(index, request.method, request.path)
            request.path_params = params
        if route.removed is not None:
            return api.removed(index, route)
        translator = route.translator
        if translator.query_ops:
            request.query_string = translator.query(request.query_string)
        if translator.request_ops and request.content and is_json(request.headers, default=True):
            try:
                body = request.json
            except ValueError:  # malformed JSON: passed on untouched for the app's own 400
                pass
            else:
                request.json = translator.request_json(body)
        if route.target is not None:
            request.path = route.newer_path(request.path_params)
            request.method = route.target.method
        if route.adapter is not None:

            async def dispatch(inner: Request) -> Response:
                return await self.serve(index - 1, inner, scope, None)

            response = await route.adapter.handler(request, Caller(dispatch, request))
        else:
            response = await self.serve(index - 1, request, scope, receive)
        return _down(translator, response)


def _request(scope: Scope, rest: str, body: bytes, params: dict[str, str]) -> Request:
    return Request(
        scope["method"],
        rest,
        query_string=scope["query_string"],
        headers=scope["headers"],
        body=body,
        path_params=params,
    )


def _down(translator: Translator, response: Response) -> Response:
    """``response`` translated down; the same object when nothing changed."""
    headers, body = translator.response(response.status, response.headers, response.content, [])
    if body is response.content:
        return response
    return Response(response.status, headers=headers, body=body)


async def _send(send: Send, response: Response, extra: Headers) -> None:
    headers = response.final_headers()
    headers.extend(extra)
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.content})
