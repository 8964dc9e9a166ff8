"""``/api/v2/agents``: create (with an optional first run), list, get, archive; tables.

Agents work in the key's own workspace (see :mod:`~segue_apps.workspace.store.agents`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from starlette.requests import Request

from segue_apps.common.clock import now_ms
from segue_apps.common.responses import JSONResponse
from segue_apps.workspace.agent_schemas import (
    Agent,
    AgentPage,
    AgentTables,
    Archived,
    Busy,
    ConcurrentLimit,
    CreateAgentIn,
    CreatedAgent,
    InsufficientCredits,
)
from segue_apps.workspace.auth import Caller, CallerDep
from segue_apps.workspace.routes import ERRORS, JSONBodyRoute, Page, PageSize
from segue_apps.workspace.store import agents as store
from segue_apps.workspace.store import runs as run_store

router = APIRouter(tags=["Agents"], responses=ERRORS, route_class=JSONBodyRoute)

ADMISSION_ERRORS: dict[int | str, dict[str, Any]] = {
    402: {"model": InsufficientCredits, "description": "INSUFFICIENT_CREDITS (top-up handoff)"},
    409: {"model": Busy, "description": "AGENT_BUSY: a run is in flight on this agent"},
    429: {
        "model": ConcurrentLimit,
        "description": "CONCURRENT_LIMIT_EXCEEDED: the plan's concurrent runs are in flight "
        "(Retry-After)",
    },
}
"""What admitting a run may answer besides 400/401/404."""
Include = Annotated[
    str | None,
    Query(max_length=200, description="Comma-separated projections: `stats`. Unknown ignored."),
]


def admission(caller: Caller, body: Any, agent_id: str = "") -> run_store.Admission:
    """A run admission from a request body (``CreateAgentIn`` or ``SendRunIn``)."""
    return run_store.Admission(
        org_id=caller.org_id,
        workspace_id=caller.workspace_id,
        agent_id=agent_id,
        prompt=body.prompt or "",
        model=body.model,
        focus_table_ids=list(body.focusTableIds),
        attachments=[a.model_dump() for a in body.attachments],
        now=caller.now,
        wall_ms=now_ms(),
        timeout_ms=caller.settings.run_timeout_ms,
        app_url=caller.settings.app_url,
    )


def wake(request: Request) -> None:
    """Have this process's run worker look for the run just admitted."""
    engine = getattr(request.app.state, "engine", None)
    if engine is not None:
        engine.wake()


@router.post(
    "/agents",
    response_model=CreatedAgent,
    status_code=202,
    responses={
        201: {"model": CreatedAgent, "description": "Created without a prompt: no run (null)"},
        **ADMISSION_ERRORS,
    },
)
async def create_agent(body: CreateAgentIn, caller: CallerDep, request: Request) -> Response:
    """Create an agent; with a ``prompt``, admit its first run (202 with the run object,
    ``status: running``; poll ``GET /agents/{id}/runs/{runId}``). Without one, 201 and
    ``run: null`` (an extension: the reference always starts a run)."""
    made = await caller.db.run(
        store.create, admission(caller, body), body.name, body.workspaceId, write=True
    )
    if made["run"] is None:
        return JSONResponse(made, status_code=201)
    wake(request)
    return JSONResponse(made, status_code=202)


@router.get("/agents", response_model=AgentPage)
async def list_agents(caller: CallerDep, page: Page = 0, page_size: PageSize = 50) -> Response:
    """List the workspace's agents (oldest first), each with its last run."""
    found = await caller.db.run(store.list_page, caller.workspace_id, page, page_size)
    return JSONResponse(found)


@router.get("/agents/{id}", response_model=Agent)
async def get_agent(id: str, caller: CallerDep) -> Response:
    """Return an agent and its last run's summary."""
    return JSONResponse(await caller.db.run(store.get, caller.workspace_id, id))


@router.delete("/agents/{id}", response_model=Archived)
async def archive_agent(id: str, caller: CallerDep) -> Response:
    """Archive (soft-delete) an agent, cancelling a run in flight. Its workspace is the
    key's own and is never deleted with it (``workspace.deletedAt`` is null)."""
    archived = await caller.db.run(
        store.archive,
        caller.workspace_id,
        id,
        caller.now,
        now_ms(),
        caller.settings.app_url,
        write=True,
    )
    return JSONResponse(archived)


@router.get("/agents/{id}/tables", response_model=AgentTables, tags=["Tables"])
async def list_agent_tables(id: str, caller: CallerDep, include: Include = None) -> Response:
    """Every table in the agent's workspace, as full table objects (``?include=stats``
    adds the economics block)."""
    stats = "stats" in run_store.parse_include(include)
    found = await caller.db.run(
        store.tables, caller.workspace_id, id, caller.settings.app_url, stats
    )
    return JSONResponse(found)
