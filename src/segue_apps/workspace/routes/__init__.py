"""HTTP routes of the v2 surface, one router per resource."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from segue_apps.workspace.schemas import ErrorEnvelope

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": description}
    for status, description in (
        (400, "Invalid request (VALIDATION_ERROR and route-specific codes)"),
        (401, "Missing or invalid API key (UNAUTHORIZED)"),
        (404, "Not found, or not visible to this key (…_NOT_FOUND)"),
    )
}
"""Error responses documented on every route (all share the v2 envelope)."""

Page = Annotated[int, Query(ge=0, description="Zero-based page index.")]
PageSize = Annotated[int, Query(ge=1, le=100, alias="pageSize", description="Items per page.")]
