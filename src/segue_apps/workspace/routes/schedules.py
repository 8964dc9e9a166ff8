"""``/api/v2/scheduled-agents``: recurring agents on cron, CRUD, enable/disable, trigger,
run history. See :mod:`~segue_apps.workspace.store.schedules`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from starlette.requests import Request

from segue_apps.common.clock import now_ms
from segue_apps.common.responses import JSONResponse
from segue_apps.workspace.agent_schemas import (
    Busy,
    ConcurrentLimit,
    HistoryPage,
    InsufficientCredits,
    ScheduledAgent,
    ScheduleDeleted,
    ScheduleIn,
    SchedulePage,
    SchedulePatch,
    Triggered,
)
from segue_apps.workspace.auth import CallerDep
from segue_apps.workspace.routes import ERRORS, JSONBodyRoute, Page, PageSize
from segue_apps.workspace.routes.agents import wake
from segue_apps.workspace.store import schedules as store

router = APIRouter(tags=["Scheduled agents"], responses=ERRORS, route_class=JSONBodyRoute)


@router.get("/scheduled-agents", response_model=SchedulePage)
async def list_schedules(
    caller: CallerDep,
    page: Page = 0,
    page_size: PageSize = 50,
    workspace_id: Annotated[str | None, Query(alias="workspaceId", max_length=64)] = None,
    enabled: bool | None = None,
) -> Response:
    """List scheduled agents (oldest first), filtered by ``workspaceId`` and ``enabled``;
    ``planBlocked`` is true when the plan lacks scheduled agents (they do not fire)."""
    found = await caller.db.run(
        store.list_page,
        caller.org_id,
        caller.workspace_id,
        workspace_id,
        enabled,
        page,
        page_size,
    )
    return JSONResponse(found)


@router.post("/scheduled-agents", response_model=ScheduledAgent, status_code=201)
async def create_schedule(body: ScheduleIn, caller: CallerDep) -> Response:
    """Create a scheduled agent, disabled unless ``enabled: true``. A cron expression has
    5 fields (or is a macro such as ``@daily``) and is read in ``timezone`` (IANA,
    default UTC): ``INVALID_CRON``, ``INVALID_TIMEZONE``, ``CRON_TOO_FREQUENT``."""
    made = await caller.db.run(
        store.create,
        caller.org_id,
        caller.workspace_id,
        body.model_dump(),
        caller.now,
        now_ms(),
        caller.settings.schedule_min_interval_s,
        write=True,
    )
    return JSONResponse(made, status_code=201)


@router.get("/scheduled-agents/{id}", response_model=ScheduledAgent)
async def get_schedule(id: str, caller: CallerDep) -> Response:
    """Return a scheduled agent with its last run and ``planBlocked``."""
    return JSONResponse(await caller.db.run(store.get, caller.org_id, caller.workspace_id, id))


async def _update(caller: Any, id: str, changes: dict[str, Any]) -> Response:
    found = await caller.db.run(
        store.update,
        caller.org_id,
        caller.workspace_id,
        id,
        changes,
        caller.now,
        now_ms(),
        caller.settings.schedule_min_interval_s,
        write=True,
    )
    return JSONResponse(found)


@router.patch("/scheduled-agents/{id}", response_model=ScheduledAgent)
async def patch_schedule(id: str, body: SchedulePatch, caller: CallerDep) -> Response:
    """Change a scheduled agent's name, prompt, cron, time zone or ``enabled``."""
    return await _update(caller, id, body.model_dump(exclude_unset=True))


@router.delete("/scheduled-agents/{id}", response_model=ScheduleDeleted)
async def delete_schedule(id: str, caller: CallerDep) -> Response:
    """Delete (soft) a scheduled agent; it fires no more and its agent is archived."""
    found = await caller.db.run(store.delete, caller.workspace_id, id, caller.now, write=True)
    return JSONResponse(found)


@router.post("/scheduled-agents/{id}/enable", response_model=ScheduledAgent)
async def enable_schedule(id: str, caller: CallerDep) -> Response:
    """Enable a scheduled agent: it fires at its next cron time from now."""
    return await _update(caller, id, {"enabled": True})


@router.post("/scheduled-agents/{id}/disable", response_model=ScheduledAgent)
async def disable_schedule(id: str, caller: CallerDep) -> Response:
    """Disable a scheduled agent (a run in flight goes on)."""
    return await _update(caller, id, {"enabled": False})


@router.post(
    "/scheduled-agents/{id}/trigger",
    response_model=Triggered,
    status_code=202,
    responses={
        402: {
            "model": InsufficientCredits,
            "description": "SUBSCRIPTION_REQUIRED (upgrade-plan handoff) or INSUFFICIENT_CREDITS",
        },
        409: {"model": Busy, "description": "RUN_ALREADY_ACTIVE"},
        429: {"model": ConcurrentLimit, "description": "CONCURRENT_LIMIT_EXCEEDED"},
    },
)
async def trigger_schedule(id: str, caller: CallerDep, request: Request) -> Response:
    """Run the scheduled agent now: 202 ``{runId, run}``."""
    made = await caller.db.run(
        store.trigger,
        caller.org_id,
        caller.workspace_id,
        id,
        caller.now,
        now_ms(),
        caller.settings.run_timeout_ms,
        caller.settings.app_url,
        write=True,
    )
    wake(request)
    return JSONResponse(made, status_code=202)


@router.get("/scheduled-agents/{id}/runs", response_model=HistoryPage)
async def schedule_runs(
    id: str, caller: CallerDep, page: Page = 0, page_size: PageSize = 50
) -> Response:
    """The scheduled agent's runs, newest first; errored and timed-out ones carry a
    handoff to the agent's chat."""
    found = await caller.db.run(
        store.history, caller.workspace_id, id, page, page_size, caller.settings.app_url
    )
    return JSONResponse(found)
