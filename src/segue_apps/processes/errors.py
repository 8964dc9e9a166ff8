"""The v2 error body ``{status_code, message, details}`` and the handlers that emit it.

``details`` is a list (validation problems as ``{field, message}``) or ``null``.
:func:`install_error_handlers` is the one place every failure of the app becomes this body.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from segue_apps.common.errors import APIError, field_name
from segue_apps.common.responses import JSONResponse


def error_body(status: int, code: str, message: str, details: Any = None) -> dict[str, Any]:
    """Return the v2 error body (``code`` is not part of it: the status says enough).

    Example:
        >>> error_body(404, "NOT_FOUND", "Run not found")
        {'status_code': 404, 'message': 'Run not found', 'details': None}
    """
    if isinstance(details, dict):
        details = [details]
    return {"status_code": status, "message": message, "details": details}


def _issues(errors: Sequence[Any]) -> list[dict[str, str]]:
    out = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if err.get("type") == "json_invalid":
            loc = ("body",)
        out.append({"field": field_name(loc), "message": str(err.get("msg", "Invalid value"))})
    return out


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, APIError)
    body = error_body(exc.status, exc.code, exc.message, exc.details)
    return JSONResponse(body, status_code=exc.status)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    issues = _issues(exc.errors()) or [{"field": "body", "message": "Invalid request"}]
    message = f"{issues[0]['field']}: {issues[0]['message']}"
    return JSONResponse(error_body(400, "BAD_REQUEST", message, issues), status_code=400)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    body = error_body(exc.status_code, "", str(exc.detail))
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # Starlette's ServerErrorMiddleware sends this, then re-raises so the server logs it.
    return JSONResponse(error_body(500, "INTERNAL_ERROR", "Internal server error"), 500)


def install_error_handlers(app: FastAPI) -> None:
    """Route every kind of failure of ``app`` through the v2 error body."""
    app.add_exception_handler(APIError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
