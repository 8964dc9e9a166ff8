"""One error envelope for every failure a service can produce.

Every error leaves as ``{"error": {"code", "message", "details"?}}``: our own
:class:`APIError`, FastAPI request-validation errors (400 ``BAD_REQUEST``, message naming
the field), Starlette's 404/405 for unknown routes and methods, and unexpected exceptions
(500 ``INTERNAL_ERROR``). :func:`install_error_handlers` is the single place that maps them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from segue_apps.common.responses import JSONResponse

STATUS_CODES: dict[int, str] = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    410: "GONE",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
}
_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})


class APIError(Exception):
    """An error a route raises on purpose; rendered as the envelope with ``status``.

    Args:
        status: HTTP status code.
        code: machine-readable code, e.g. ``"NOT_FOUND"``.
        message: human-readable sentence.
        details: optional JSON object with more context.

    Example:
        >>> raise APIError(404, "NOT_FOUND", "Conversation not found")  # doctest: +SKIP
    """

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def not_found(what: str) -> APIError:
    """Build the 404 used for missing *and* foreign resources (never 403)."""
    return APIError(404, "NOT_FOUND", f"{what} not found")


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the envelope as a dict."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def field_name(loc: Sequence[int | str]) -> str:
    """Turn a location like ``("body", "messages", 0, "role")`` into ``messages.0.role``."""
    parts = list(loc)
    if len(parts) > 1 and parts[0] in _LOCATIONS:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "body"


def validation_fields(errors: Sequence[Any]) -> list[dict[str, str]]:
    """FastAPI's validation errors as ``[{field, message}]`` (a body that is not JSON is
    the ``body`` field)."""
    out = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if err.get("type") == "json_invalid":
            loc = ("body",)
        out.append({"field": field_name(loc), "message": str(err.get("msg", "Invalid value"))})
    return out


ErrorBody = Callable[[int, str, str, Any], dict[str, Any]]
"""``(status, code, message, details) -> body``: how one service's errors look."""


def _envelope(status: int, code: str, message: str, details: Any) -> dict[str, Any]:
    return error_body(code, message, details)


def _wrapped(fields: list[dict[str, str]]) -> dict[str, Any]:
    return {"errors": fields}


_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def _method_table(app: Any) -> list[tuple[re.Pattern[str], frozenset[str]]]:
    table: list[tuple[re.Pattern[str], frozenset[str]]] | None = getattr(
        app.state, "allow_table", None
    )
    if table is None:
        table = []
        for path, operations in app.openapi().get("paths", {}).items():
            parts = re.split(r"\{[^}/]+\}", path)
            pattern = re.compile("[^/]+".join(re.escape(part) for part in parts))
            methods = frozenset(m.upper() for m in operations if m in _HTTP_METHODS)
            table.append((pattern, methods))
        app.state.allow_table = table
    return table


def _allowed_methods(request: Request) -> set[str]:
    # Built from the OpenAPI paths: Starlette's own Allow names only the first route
    # whose path matches, and FastAPI's nested routers are not public to walk.
    path = request.url.path
    allowed: set[str] = set()
    for pattern, methods in _method_table(request.app):
        if pattern.fullmatch(path):
            allowed |= methods
    return allowed


def install_error_handlers(
    app: FastAPI,
    body: ErrorBody = _envelope,
    *,
    validation_code: str = "BAD_REQUEST",
    validation_details: Callable[[list[dict[str, str]]], Any] = _wrapped,
) -> None:
    """Route every kind of failure of ``app`` through one body.

    Args:
        body: the service's error body; by default the envelope above.
        validation_code: the code of a request that fails validation (400).
        validation_details: what such a 400 carries as details, from ``[{field, message}]``.
    """

    def respond(
        status: int, code: str, message: str, details: Any = None, headers: Any = None
    ) -> Response:
        return JSONResponse(body(status, code, message, details), status, headers=headers)

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, APIError)
        return respond(exc.status, exc.code, exc.message, exc.details)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        fields = validation_fields(exc.errors())
        first = fields[0] if fields else {"field": "body", "message": "Invalid request"}
        message = f"{first['field']}: {first['message']}"
        return respond(400, validation_code, message, validation_details(fields))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        status = exc.status_code
        code = STATUS_CODES.get(status, "BAD_REQUEST" if status < 500 else "ERROR")
        headers = dict(exc.headers) if exc.headers else {}
        if status == 405:
            # Starlette names only the first route matching the path; list every one's.
            headers["Allow"] = ", ".join(sorted(_allowed_methods(request)))
        return respond(status, code, str(exc.detail), headers=headers or None)

    async def unexpected_error(request: Request, exc: Exception) -> Response:
        # Starlette's ServerErrorMiddleware sends this, then re-raises so the server logs it.
        return respond(500, "INTERNAL_ERROR", "Internal server error")

    app.add_exception_handler(APIError, api_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
