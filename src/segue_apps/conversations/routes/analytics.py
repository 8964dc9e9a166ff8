"""``/api/v2/analytics``: summary, time series and per-tag activity.

``project_id`` is optional and must be the key's project (anything else → 404).
``start``/``end`` are ms, both inclusive; the default period is the 30 days before now.
Bucket labels (UTC): hour ``2024-01-01T13:00Z``, day ``2024-01-01``, week the ISO week's
Monday ``2024-01-01``, month ``2024-01``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from segue_apps.common.errors import APIError, not_found
from segue_apps.common.inputs import MAX_MS
from segue_apps.common.responses import JSONResponse
from segue_apps.conversations import buckets
from segue_apps.conversations.auth import Caller, CallerDep
from segue_apps.conversations.routes import ERRORS
from segue_apps.conversations.schemas import (
    Granularity,
    Metric,
    Summary,
    TagAnalytics,
    Timeseries,
)
from segue_apps.conversations.store import analytics as store

router = APIRouter(prefix="/analytics", tags=["analytics"], responses=ERRORS)

DEFAULT_PERIOD_MS = 30 * buckets.DAY_MS
ProjectId = Annotated[str | None, Query(description="must be the key's project")]
Start = Annotated[int | None, Query(ge=0, le=MAX_MS, description="ms, inclusive")]
End = Annotated[int | None, Query(ge=0, le=MAX_MS, description="ms, inclusive")]


def _period(
    caller: Caller, project_id: str | None, start: int | None, end: int | None
) -> dict[str, int]:
    if project_id is not None and project_id != caller.project_id:
        raise not_found("Project")
    if end is None:
        end = caller.now if start is None else max(caller.now, start)
    if start is None:
        start = max(end - DEFAULT_PERIOD_MS, 0)
    if start > end:
        raise APIError(400, "BAD_REQUEST", "start: must not be after end")
    return {"start": start, "end": end}


@router.get("/summary", response_model=Summary)
async def summary(
    caller: CallerDep,
    project_id: ProjectId = None,
    start: Start = None,
    end: End = None,
) -> Response:
    """Totals of conversations created and messages/tokens appended in the period."""
    period = _period(caller, project_id, start, end)
    totals = await store.summary(caller.db, caller.project_id, period["start"], period["end"])
    return JSONResponse({"project_id": caller.project_id, **totals, "period": period})


@router.get("/timeseries", response_model=Timeseries)
async def timeseries(
    caller: CallerDep,
    project_id: ProjectId = None,
    metric: Metric = "conversations",
    granularity: Granularity = "day",
    start: Start = None,
    end: End = None,
) -> Response:
    """One value per bucket of the period, zeros included."""
    period = _period(caller, project_id, start, end)
    if buckets.bucket_count(granularity, period["start"], period["end"]) > buckets.MAX_BUCKETS:
        raise APIError(
            400, "BAD_REQUEST", f"granularity: period spans more than {buckets.MAX_BUCKETS} buckets"
        )
    data = await store.timeseries(
        caller.db, caller.project_id, metric, granularity, period["start"], period["end"]
    )
    return JSONResponse(
        {
            "project_id": caller.project_id,
            "metric": metric,
            "granularity": granularity,
            "period": period,
            "data": data,
        }
    )


@router.get("/tags", response_model=TagAnalytics)
async def tags(
    caller: CallerDep,
    project_id: ProjectId = None,
    start: Start = None,
    end: End = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """Per tag: tagged conversations created, and their messages/tokens appended, in the period."""
    period = _period(caller, project_id, start, end)
    data = await store.tags(caller.db, caller.project_id, period["start"], period["end"], limit)
    return JSONResponse({"project_id": caller.project_id, "period": period, "data": data})
