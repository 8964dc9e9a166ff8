"""The v2 error envelope ``{"error": "<code>", "message": "…"}`` and its handlers.

Every failure of the app leaves in it: paywall codes as the seed's table names them
(:func:`paywall`), other codes in lower snake case (``not_found``, ``unauthorized``,
``validation_failed``…); validation errors add ``details``: ``[{field, message}]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from segue_apps.common.errors import STATUS_CODES, APIError, field_name
from segue_apps.common.responses import JSONResponse
from segue_apps.leads.plans import PAYWALL


def error_body(status: int, code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The v2 error body.

    Example:
        >>> error_body(404, "NOT_FOUND", "Stream not found")
        {'error': 'not_found', 'message': 'Stream not found'}
    """
    body: dict[str, Any] = {"error": code.lower(), "message": message}
    if details:
        body["details"] = details
    return body


def paywall(code: str) -> APIError:
    """The error of a paywall code of the seed's table, with its status and message."""
    status, message = PAYWALL[code]
    return APIError(status, code, message)


def bad_request(code: str, message: str) -> APIError:
    """A 400 with its own code."""
    return APIError(400, code, message)


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
    return JSONResponse(error_body(400, "validation_failed", message, issues), status_code=400)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = STATUS_CODES.get(exc.status_code, "error")
    body = error_body(exc.status_code, code, str(exc.detail))
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # Starlette's ServerErrorMiddleware sends this, then re-raises so the server logs it.
    return JSONResponse(error_body(500, "internal_error", "Internal server error"), 500)


def install_error_handlers(app: FastAPI) -> None:
    """Route every kind of failure of ``app`` through the v2 envelope."""
    app.add_exception_handler(APIError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
