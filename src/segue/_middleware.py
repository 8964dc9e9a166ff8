"""The ASGI middleware that serves every version from the newest app.

A plain ASGI class (no ``BaseHTTPMiddleware``): per-request state lives in locals. Newest
version traffic pays for one prefix match; old-version traffic is translated up through
each version step, handled once by the app, and translated down again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import quote

from segue import _inprocess, _json
from segue._adapters import Caller
from segue._errorbody import ErrorBody, default_error_body
from segue._errors import ConflictError, DeclarationError
from segue._exchange import (
    Request,
    Response,
    has_body,
    header,
    is_json,
    is_json_type,
)
from segue._lifecycle import Clock, Gate, system_clock
from segue._plan import PathIndex, RoutePlan, VersionPlan, compile_version
from segue._routes import RouteKey
from segue._site import Site
from segue._types import ASGIApp, Headers, Message, Receive, Scope, Send
from segue._version import Version

OpenAPISource = Callable[[], dict[str, Any]] | dict[str, Any]


class Segue:
    """Serve ``versions`` (newest first) from ``app``, which implements the newest.

    Args:
        app: the newest version's ASGI app (FastAPI, Starlette, anything ASGI).
        versions: newest first; the first one has no changes.
        routes: the newest version's routes (``"GET /items/{id}"``, relative to its first
            prefix); by default read from the OpenAPI document.
        openapi: the newest version's OpenAPI document, or a function returning it; by
            default ``app.openapi`` when the app has one (FastAPI).
        error_body: builds an error body in the newest version's envelope.
        version_header: a request header that selects a version by value (optional).
        clock: returns the current instant; tests inject one.
        discovery_path: where the list of versions is served.

    Example::

        app = Segue(newest_app, [Version("v2", ["/api/v2"]), Version("v1", ["/v1"], changes)])
    """

    def __init__(
        self,
        app: ASGIApp,
        versions: Sequence[Version],
        *,
        routes: Sequence[str] | None = None,
        openapi: OpenAPISource | None = None,
        error_body: ErrorBody = default_error_body,
        version_header: str | None = None,
        clock: Clock = system_clock,
        discovery_path: str = "/_segue/versions",
    ) -> None:
        if not versions:
            raise DeclarationError("an API needs at least one version")
        newest = versions[0]
        if newest.changes or newest.adapters:
            raise DeclarationError(
                f"{newest.name} is the newest version: the app implements it, it has no changes"
            )
        self.app = app
        self.versions = list(versions)
        self.error_body = error_body
        self.clock = clock
        if openapi is None and callable(getattr(app, "openapi", None)):
            openapi = getattr(app, "openapi")  # noqa: B009 - any app with .openapi()
        self.openapi_source = openapi
        self.newest_prefix = newest.prefixes[0]
        self.newest_name = newest.name
        keys = [RouteKey.parse(r) for r in routes] if routes else self._routes_from_openapi()
        self.newest_routes = keys
        self.plans: list[VersionPlan] = []
        for version in self.versions[1:]:
            plan = compile_version(version, keys)
            self.plans.append(plan)
            keys = [p.key for p in plan.routes if p.removed is None]
        # Prefixes by length, longest first (so /api/v1 wins over /api): a path's version is
        # a slice and a dict look-up per distinct length.
        self._prefixes: list[tuple[int, dict[str, int]]] = []
        prefixes = self._prefix_table()
        for prefix, index in prefixes:
            if not self._prefixes or self._prefixes[-1][0] != len(prefix):
                self._prefixes.append((len(prefix), {}))
            self._prefixes[-1][1][prefix] = index
        self.version_header = version_header.lower().encode() if version_header else None
        # A version header can override the prefix, so with one every path goes the long way.
        self._paths = PathIndex() if version_header else PathIndex.build(prefixes, self.plans)
        self._by_selector = {
            s.encode(): i for i, v in enumerate(self.versions) for s in v.selectors
        }
        self.site = Site(self, discovery_path)
        self._gates = [Gate(v.lifecycle) for v in self.versions]
        # The real clock is read as a float; an injected one (tests) through its datetime.
        self._timestamp: Callable[[], float] = (
            time.time if clock is system_clock else lambda: clock().timestamp()
        )
        lifecycle = newest.lifecycle
        self._newest_plain = not (
            lifecycle.deprecated_at or lifecycle.sunset_at or lifecycle.brownouts
        )
        # Requests under this go to the app untouched, before any look-up: the newest
        # version's own prefix, when it has no dates, no version header can pick another
        # version, and no other prefix lies below it.
        below = self.newest_prefix + "/"
        self._straight_through = (
            below
            if self._newest_plain
            and self.version_header is None
            and not any(p.startswith(below) for v in self.versions for p in v.prefixes)
            else None
        )

    # ----------------------------------------------------------------- set-up helpers

    def _newest_openapi(self) -> dict[str, Any]:
        source = self.openapi_source
        if source is None:
            raise DeclarationError("no OpenAPI document: pass openapi= or routes=")
        return source() if callable(source) else source

    def _routes_from_openapi(self) -> list[RouteKey]:
        keys = []
        for path, item in self._newest_openapi().get("paths", {}).items():
            if path != self.newest_prefix and not path.startswith(self.newest_prefix + "/"):
                continue
            for method in item:
                if method.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                    keys.append(RouteKey.of(method, path[len(self.newest_prefix) :] or "/"))
        return keys

    def _prefix_table(self) -> list[tuple[str, int]]:
        owner: dict[str, str] = {}
        table = []
        for index, version in enumerate(self.versions):
            for prefix in version.prefixes:
                if prefix in owner:
                    raise ConflictError(
                        f"prefix {prefix} is claimed by {owner[prefix]} and {version.name}"
                    )
                owner[prefix] = version.name
                table.append((prefix, index))
        return sorted(table, key=lambda item: -len(item[0]))

    # ----------------------------------------------------------------- request path

    def resolve(self, scope: Scope) -> tuple[int | None, str]:
        """(version index, path below the prefix); index ``None`` = not a versioned path,
        ``-1`` = a version header naming no version."""
        path: str = scope["path"]
        for length, owners in self._prefixes:
            index = owners.get(path[:length])
            if index is not None and (len(path) == length or path[length] == "/"):
                if self.version_header is not None:
                    chosen = header(scope["headers"], self.version_header)
                    if chosen is not None:
                        index = self._by_selector.get(chosen.strip(), -1)
                return index, path[length:] or "/"
        return None, path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path in self.site.pages and await self.site.handle(scope, receive, send):
            return
        straight = self._straight_through
        if straight is not None and path.startswith(straight):
            scope["segue.version"] = self.newest_name
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        hit = self._paths.literal.get((method, path))
        if hit is not None:
            await self._old(hit[0], path[hit[1] :], hit[2], {}, scope, receive, send)
            return
        head, _, last = path.rpartition("/")
        tail = self._paths.by_head.get((method, head))
        if tail is not None and last:
            params = {tail[3]: last}
            await self._old(tail[0], path[tail[1] :], tail[2], params, scope, receive, send)
            return
        index, rest = self.resolve(scope)
        if index is None:
            await self.app(scope, receive, send)
        elif index > 0:
            route, params = self.plans[index - 1].match(method, rest)
            await self._old(index, rest, route, params, scope, receive, send)
        elif index == 0:
            await self._newest(rest, scope, receive, send)
        else:
            await _send(send, self.error(0, 404, "NOT_FOUND", "unknown API version"), [])

    async def _newest(self, rest: str, scope: Scope, receive: Receive, send: Send) -> None:
        scope["segue.version"] = self.newest_name
        own_prefix = scope["path"].startswith(self.newest_prefix)
        if own_prefix and self._newest_plain:
            await self.app(scope, receive, send)  # newest and no dates: as it is
            return
        gate = self._gates[0].at(self._timestamp())
        if gate.gone:
            await self._gone(0, send, gate.headers)
        elif own_prefix:
            await self._pass_through(scope, receive, send, gate.headers)
        else:  # an older version's prefix, the newest chosen by the version header
            request = Request(
                scope["method"],
                rest,
                query_string=scope["query_string"],
                headers=scope["headers"],
                body=await _inprocess.read_body(receive),
            )
            response = await self.serve(0, request, scope, receive)
            await _send(send, response, gate.headers)

    async def _old(
        self,
        index: int,
        rest: str,
        route: RoutePlan | None,
        params: dict[str, str],
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        """An older version's request, matched to ``route``: gated, sent up, answered down.

        The common case, one version step and one call with the same path below the prefix,
        is done here flat, answering the client straight from the app's messages (as
        Starlette's gzip middleware does); ``serve`` does the rest in general.
        """
        # Namespaced scope keys let outer middleware (usage figures) see what segue decided.
        scope["segue.version"] = self.versions[index].name
        method: str = scope["method"]
        if route is not None:  # matched before the gate: a 410 still says who called what
            scope["segue.route"] = route.label
        gate = self._gates[index].at(self._timestamp())
        extra = gate.headers
        if gate.gone:
            await self._gone(index, send, extra)
            return
        if route is None:
            await _send(send, self._unmatched(index, method, rest), extra)
            return
        if index != 1 or not route.fast:
            request = Request(
                method,
                rest,
                query_string=scope["query_string"],
                headers=scope["headers"],
                body=await _inprocess.read_body(receive),
                path_params=params,
            )
            await _send(send, await self.serve(index, request, scope, receive, route), extra)
            return
        inner = dict(scope)
        path = self.newest_prefix + rest
        inner["path"] = path
        inner["raw_path"] = path.encode() if path.isascii() else quote(path).encode()
        if route.target is not None:
            inner["method"] = route.target.method
        if route.query_ops:
            inner["query_string"] = route.translate_query(scope["query_string"])
        headers = scope["headers"]
        if route.request_ops and has_body(headers):
            body = await _inprocess.read_body(receive)
            if body and is_json(headers, default=True):
                try:
                    parsed = _json.loads(body)
                except ValueError:  # malformed JSON: passed on untouched for the app's own 400
                    pass
                else:
                    for op in route.request_ops:
                        parsed = op.up(parsed)
                    body = _json.dumps(parsed)
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
            start["headers"], message["body"] = _down_message(
                route, start["status"], start.get("headers", ()), content, extra
            )
            await send(start)  # the app's own messages, changed in place as GZipMiddleware does
            await send(message)

        await self.app(inner, receive, send_down)

    async def _gone(self, index: int, send: Send, extra: Headers) -> None:
        version = self.versions[index]
        message = version.lifecycle.gone_message(version.name, self.clock())
        await _send(send, self.error(index, 410, "GONE", message), extra)

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

    def _unmatched(self, index: int, method: str, path: str) -> Response:
        allowed = self.plans[index - 1].allowed(path)
        if allowed:
            response = self.error(index, 405, "METHOD_NOT_ALLOWED", f"{method} is not allowed")
            response.headers.append((b"allow", ", ".join(sorted(allowed)).encode()))
            return response
        name = self.versions[index].name
        return self.error(index, 404, "NOT_FOUND", f"no route {method} {path} in {name}")

    def error(
        self,
        index: int,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
    ) -> Response:
        """An error built in the newest envelope and sent down to version ``index``'s."""
        response = Response(status, self.error_body(status, code, message, details))
        for plan in self.plans[:index]:
            for op in plan.error_ops:
                response.json = op.down(response.json)
        return response

    async def serve(
        self,
        index: int,
        request: Request,
        scope: Scope,
        receive: Receive | None,
        route: RoutePlan | None = None,
    ) -> Response:
        """Serve ``request`` (relative to version ``index``'s prefix) in that version."""
        if index == 0:
            path = self.newest_prefix + request.path
            body = request.content
            inner = _inprocess.scope_for(scope, request, path, body)
            return await _inprocess.call(self.app, inner, body, receive)
        if route is None:
            route, params = self.plans[index - 1].match(request.method, request.path)
            if route is None:
                return self._unmatched(index, request.method, request.path)
            request.path_params = params
        if route.removed is not None:
            name = self.versions[index].name
            message = f"{route.key} was removed from {name}: use {route.removed.replacement}"
            return self.error(
                index, 410, "GONE", message, {"replacement": route.removed.replacement}
            )
        for query_op in route.query_ops:
            request.query = query_op.up_query(request.query)
        if route.request_ops and request.content and is_json(request.headers, default=True):
            try:
                body = request.json
            except ValueError:  # malformed JSON: passed on untouched for the app's own 400
                pass
            else:
                for op in route.request_ops:
                    body = op.up(body)
                request.json = body
        if route.target is not None:
            request.path = route.newer_path(request.path_params)
            request.method = route.target.method
        if route.adapter is not None:

            async def dispatch(inner: Request) -> Response:
                return await self.serve(index - 1, inner, scope, None)

            response = await route.adapter.handler(request, Caller(dispatch, request))
        else:
            response = await self.serve(index - 1, request, scope, receive)
        return _down(route, response)


def _down_message(
    route: RoutePlan,
    status: int,
    headers: Iterable[tuple[bytes, bytes]],
    body: bytes,
    extra: Headers,
) -> tuple[Headers, bytes]:
    """A response's headers and body translated down through ``route``'s changes, with
    ``extra`` headers after the app's.

    A JSON body the changes concern is parsed, changed and serialised once, and its
    ``content-length`` replaced; any other body passes as it is. ASGI gives header names in
    lower case.
    """
    if type(headers) is not list:  # ASGI allows any iterable; it is read more than once
        headers = list(headers)
    if 200 <= status < 300:
        ops, fused = route.response_ops, route.response_down
    elif status >= 400:
        ops, fused = route.error_ops, None
    else:
        return [*headers, *extra], body
    if not ops or not body or not (_JSON in headers or _declares_json(headers)):
        return [*headers, *extra], body
    try:
        payload = _json.loads(body)
    except ValueError:  # a body that says JSON but is not: passed on as it is
        return [*headers, *extra], body
    if fused is not None and type(payload) is dict:
        fused(payload)
    else:
        for op in ops:
            payload = op.down(payload)
    body = _json.dumps(payload)
    length = (b"content-length", b"%d" % len(body))
    out = headers + extra
    if out[0][0] == b"content-length":  # where Starlette puts it
        out[0] = length
    else:
        _replace_length(out, length)
    return out, body


def _replace_length(headers: Headers, length: tuple[bytes, bytes]) -> None:
    for position, item in enumerate(headers):
        if item[0] == b"content-length":
            headers[position] = length
            return
    headers.append(length)


_JSON = (b"content-type", b"application/json")  # by far the commonest, found at C speed


def _declares_json(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    return any(name == b"content-type" and is_json_type(value) for name, value in headers)


def _down(route: RoutePlan, response: Response) -> Response:
    """``response`` translated down through ``route``'s changes."""
    headers, body = _down_message(route, response.status, response.headers, response.content, [])
    if body is response.content:
        return response
    return Response(response.status, headers=headers, body=body)


async def _send(send: Send, response: Response, extra: Headers) -> None:
    headers = response.final_headers()
    headers.extend(extra)
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.content})
