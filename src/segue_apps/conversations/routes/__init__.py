"""HTTP routes of the v2 surface, one router per resource."""

from __future__ import annotations

from typing import Any

from segue_apps.conversations.schemas import ErrorEnvelope

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": description}
    for status, description in (
        (400, "Invalid request (BAD_REQUEST, INVALID_CURSOR)"),
        (401, "Missing, invalid or revoked API key (UNAUTHORIZED)"),
        (404, "Not found, or not visible to this key (NOT_FOUND)"),
        (409, "Conflict (CONFLICT)"),
        (413, "Request body over the size cap (PAYLOAD_TOO_LARGE)"),
        (415, "Request body is not JSON (UNSUPPORTED_MEDIA_TYPE)"),
        (429, "Rate limit exceeded (RATE_LIMITED)"),
    )
}
"""Error responses documented on every route (all share the one envelope)."""
