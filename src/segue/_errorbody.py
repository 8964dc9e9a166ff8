"""The newest version's error body, which segue uses for the errors it answers itself.

segue builds its own 404/405/410 bodies in the newest version's envelope and sends them down
through each older version's error-envelope changes, so every version answers in its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ErrorBody = Callable[[int, str, str, dict[str, Any] | None], Any]


def default_error_body(
    status: int, code: str, message: str, details: dict[str, Any] | None
) -> dict[str, Any]:
    """``{"error": {"code", "message", "details"?}}``."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}
