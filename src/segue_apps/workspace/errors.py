"""The v2 error envelope ``{error, code, details?, handoff?}`` and the handlers that emit it.

Validation problems are listed under ``details.issues[]`` as ``{path, message}``; a 4xx the
user can resolve in the app (no credits, a table that is gone) carries a ``handoff``
link ``{kind, url, label}`` to forward unchanged. :func:`install_error_handlers` is the one
place every failure of the app becomes this envelope.
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


class WorkspaceError(APIError):
    """An :class:`APIError` that may carry a ``handoff`` link into the app.

    ``extra`` adds fields at the top level of the envelope, for errors whose contract puts
    them there (``INSUFFICIENT_CREDITS``'s ``creditsRequired``, ``AGENT_BUSY``'s
    ``currentRun``); ``headers`` go on the response (``Retry-After``).

    Example:
        >>> raise WorkspaceError(404, "TABLE_NOT_FOUND", "Table not found")  # doctest: +SKIP
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        handoff: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, code, message, details)
        self.handoff = handoff
        self.extra = extra
        self.headers = headers


def error_body(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return the v2 envelope for an error of ``status`` as a dict.

    Args:
        status: HTTP status (kept in the signature so every envelope builder looks alike).
        code: ``UPPER_SNAKE_CASE`` machine code.
        message: human-readable sentence, sent as ``error``.
        details: optional object, e.g. ``{"issues": [{"path", "message"}]}``.

    Example:
        >>> error_body(404, "NOT_FOUND", "Not found")
        {'error': 'Not found', 'code': 'NOT_FOUND'}
    """
    body: dict[str, Any] = {"error": message, "code": code}
    if details is not None:
        body["details"] = details
    return body


def issues_error(issues: list[dict[str, str]], code: str = "VALIDATION_ERROR") -> WorkspaceError:
    """Build the 400 for a list of ``{path, message}`` issues."""
    first = issues[0]
    return WorkspaceError(400, code, f"{first['path']}: {first['message']}", {"issues": issues})


def insufficient_credits(message: str, balance: int, app_url: str) -> WorkspaceError:
    """The 402 of an organisation out of credits, with the top-up handoff."""
    return WorkspaceError(
        402,
        "INSUFFICIENT_CREDITS",
        message,
        {"creditsAvailable": balance},
        handoff={
            "kind": "top_up",
            "url": f"{app_url}/settings/billing?source=api",
            "label": "Top up credits",
        },
    )


def _issues(errors: Sequence[Any]) -> list[dict[str, str]]:
    out = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if err.get("type") == "json_invalid":
            loc = ("body",)
        out.append({"path": field_name(loc), "message": str(err.get("msg", "Invalid value"))})
    return out


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, APIError)
    body = error_body(exc.status, exc.code, exc.message, exc.details)
    handoff = getattr(exc, "handoff", None)
    if handoff is not None:
        body["handoff"] = handoff
    extra = getattr(exc, "extra", None)
    if extra:
        body = {**extra, **body}
    return JSONResponse(body, status_code=exc.status, headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    issues = _issues(exc.errors()) or [{"path": "body", "message": "Invalid request"}]
    body = error_body(400, "VALIDATION_ERROR", "Invalid request", {"issues": issues})
    return JSONResponse(body, status_code=400)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = STATUS_CODES.get(exc.status_code, "BAD_REQUEST" if exc.status_code < 500 else "ERROR")
    body = error_body(exc.status_code, code, str(exc.detail))
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # Starlette's ServerErrorMiddleware sends this, then re-raises so the server logs it.
    return JSONResponse(error_body(500, "INTERNAL_ERROR", "Internal server error"), 500)


def install_error_handlers(app: FastAPI) -> None:
    """Route every kind of failure of ``app`` through the v2 envelope."""
    app.add_exception_handler(APIError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
