"""Adapters: old routes no declaration can express, written as code.

An adapter is an async function that receives the old request (already translated up by
the route's declared changes) and a :class:`Caller` that reaches the next newer version
in-process — no socket. It may call it any number of times; its return value then goes
down through the route's declared response changes like any forwarded response.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from segue._errors import DeclarationError
from segue._exchange import Request, Response
from segue._routes import RouteKey

_DROP_ON_CALL = frozenset({b"content-length", b"content-type"})


Dispatch = Callable[[Request], Awaitable[Response]]


class Caller:
    """Calls the next newer version in-process, with the original request's headers."""

    def __init__(self, dispatch: Dispatch, original: Request) -> None:
        self._dispatch = dispatch
        self._original = original

    async def forward(self, request: Request | None = None) -> Response:
        """Send ``request`` (by default the adapted request itself) to the newer version."""
        return await self._dispatch(request or self._original)

    async def __call__(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | list[tuple[str, str]] | None = None,
        json: Any = None,
    ) -> Response:
        """Call ``method path`` (relative to the newer version's prefix)."""
        headers = [(k, v) for k, v in self._original.headers if k not in _DROP_ON_CALL]
        if json is not None:
            headers.append((b"content-type", b"application/json"))
        pairs = list(query.items()) if isinstance(query, Mapping) else list(query or [])
        request = Request(method.upper(), path, query=pairs, headers=headers, json=json)
        return await self._dispatch(request)

    async def get(self, path: str, **kw: Any) -> Response:
        return await self("GET", path, **kw)

    async def post(self, path: str, **kw: Any) -> Response:
        return await self("POST", path, **kw)


AdapterFn = Callable[[Request, Caller], Awaitable[Response]]

_QUERY_PARAM_KEYS = frozenset(
    {"name", "schema", "description", "required", "deprecated", "example", "style", "explode"}
)


def _query_parameters(given: Sequence[Mapping[str, Any]]) -> tuple[dict[str, Any], ...]:
    """OpenAPI query parameter objects from the adapter's ``query_params``."""
    out: list[dict[str, Any]] = []
    for param in given:
        name = param.get("name")
        if not isinstance(name, str) or not name:
            raise DeclarationError(f"an adapter's query parameter needs a name: {param!r}")
        unknown = set(param) - _QUERY_PARAM_KEYS
        if unknown:
            raise DeclarationError(
                f"query parameter {name!r}: unknown keys {sorted(unknown)}; "
                f"allowed: {sorted(_QUERY_PARAM_KEYS)}"
            )
        if any(found["name"] == name for found in out):
            raise DeclarationError(f"query parameter {name!r} is declared twice")
        made = {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
        out.append(made | copy.deepcopy(dict(param)))
    return tuple(out)


class Adapter:
    """An old route implemented by ``handler``.

    Args:
        route: the route in the old version's spelling, e.g. ``"POST /conversations"``.
        handler: the async function.
        summary: a line for OpenAPI and the guide (default: the handler's docstring).
        request_schema: JSON Schema of its request body, when it differs from the newer one.
        response_schema: JSON Schema of its 2xx response body, when it differs.
        status_code: the success status, for OpenAPI.
        query_params: the query parameters the handler reads (from ``request.query``), for
            OpenAPI: each ``{"name", "schema"?, "description"?, "required"?}`` (also
            ``deprecated``, ``example``, ``style``, ``explode``), an OpenAPI parameter object
            without ``in``. ``schema`` defaults to a string and ``required`` to false; a
            repeatable parameter (``?tag=a&tag=b``) has an ``array`` schema. They replace
            the newer route's query parameters of the same names.

    Raises:
        DeclarationError: ``route`` is not ``"METHOD /path"``, or a query parameter has no
            name, an unknown key or is declared twice.
    """

    __slots__ = (
        "handler",
        "query_params",
        "request_schema",
        "response_schema",
        "route",
        "status_code",
        "summary",
    )

    def __init__(
        self,
        route: str,
        handler: AdapterFn,
        *,
        summary: str = "",
        request_schema: dict[str, Any] | None = None,
        response_schema: dict[str, Any] | None = None,
        status_code: int = 200,
        query_params: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self.route = RouteKey.parse(route)
        self.handler = handler
        self.summary = summary or next(iter((handler.__doc__ or "").strip().splitlines()), "")
        self.request_schema = request_schema
        self.response_schema = response_schema
        self.status_code = status_code
        self.query_params = _query_parameters(query_params)

    def describe(self) -> str:
        """One sentence for the guide and the OpenAPI description."""
        text = self.summary
        return f"`{self.route}` is served by an adapter" + (f": {text}" if text else "")

    def __repr__(self) -> str:
        return f"Adapter({str(self.route)!r}, {self.handler.__name__})"


def adapter(
    route: str,
    *,
    summary: str = "",
    request_schema: dict[str, Any] | None = None,
    response_schema: dict[str, Any] | None = None,
    status_code: int = 200,
    query_params: Sequence[Mapping[str, Any]] = (),
) -> Callable[[AdapterFn], Adapter]:
    """Decorator form: ``@adapter("POST /conversations")`` over an async function.

    Takes :class:`Adapter`'s keyword arguments, e.g. ``query_params=[{"name": "tag",
    "schema": {"type": "array", "items": {"type": "string"}}}]``.
    """

    def wrap(fn: AdapterFn) -> Adapter:
        return Adapter(
            route,
            fn,
            summary=summary,
            request_schema=request_schema,
            response_schema=response_schema,
            status_code=status_code,
            query_params=query_params,
        )

    return wrap
