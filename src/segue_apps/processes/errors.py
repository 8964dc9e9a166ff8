"""The v2 error body ``{status_code, message, details}`` and the handlers that emit it.

``details`` is a list (validation problems as ``{field, message}``) or ``null``.
:func:`install_error_handlers` is the one place every failure of the app becomes this body.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from segue_apps.common import errors as common


def error_body(status: int, code: str, message: str, details: Any = None) -> dict[str, Any]:
    """Return the v2 error body (``code`` is not part of it: the status says enough).

    Example:
        >>> error_body(404, "NOT_FOUND", "Run not found")
        {'status_code': 404, 'message': 'Run not found', 'details': None}
    """
    if isinstance(details, dict):
        details = [details]
    return {"status_code": status, "message": message, "details": details}


def install_error_handlers(app: FastAPI) -> None:
    """Route every kind of failure of ``app`` through the v2 error body."""
    common.install_error_handlers(app, error_body, validation_details=list)
