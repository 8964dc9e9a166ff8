"""The v2 error envelope ``{"error": "<code>", "message": "…"}`` and its handlers.

Every failure of the app leaves in it: paywall codes as the seed's table names them
(:func:`paywall`), other codes in lower snake case (``not_found``, ``unauthorized``,
``validation_failed``…); validation errors add ``details``: ``[{field, message}]``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from segue_apps.common import errors as common
from segue_apps.common.errors import APIError
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


def install_error_handlers(app: FastAPI) -> None:
    """Route every kind of failure of ``app`` through the v2 envelope."""
    common.install_error_handlers(
        app, error_body, validation_code="validation_failed", validation_details=list
    )
