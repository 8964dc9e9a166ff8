"""The v2 routers, one module per resource, all under ``/api/v2``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from segue_apps.common.errors import APIError
from segue_apps.leads.schemas import ErrorBody

_DESCRIPTIONS = {
    400: "Invalid request, or a paywall code with status 400",
    401: "Missing or invalid API key",
    403: "A paywall code (plan, budget or subscription)",
    404: "Not found, another user's, or handle_not_found",
    409: "Conflicts with the resource's state, or free_account_ip_duplicate",
    413: "Request body over the size cap",
    415: "Request body is not JSON",
    422: "handle_protected: the X account is private",
    429: "credits_exhausted",
    503: "handle_lookup_failed: the lookup service is down",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses, each in the v2 envelope."""
    return {s: {"model": ErrorBody, "description": _DESCRIPTIONS[s]} for s in statuses}


def router(*statuses: int) -> APIRouter:
    """A router whose routes may answer 400, 401, 413, 415 and ``statuses``."""
    return APIRouter(responses=errors(400, 401, 413, 415, *statuses))


def parse_since(value: str | None) -> int | None:
    """``since`` (ISO 8601; naive means UTC) as ms since the epoch."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise APIError(400, "validation_failed", "since: not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return int(moment.timestamp() * 1000)
    except (OverflowError, ValueError, OSError):
        raise APIError(400, "validation_failed", "since: out of range") from None
