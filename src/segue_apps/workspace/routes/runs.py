"""``/api/v2/agents/{id}/runs`` and ``/cancel``: send, list, poll and cancel runs.

Every one answers the same run object (seed 003). ``Retry-After: 15`` is sent only while
the run is ``running``: its absence tells a poller to stop.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from starlette.requests import Request

from segue_apps.common.clock import now_ms
from segue_apps.common.responses import JSONResponse
from segue_apps.workspace.agent_schemas import MaybeRun, Run, RunEnvelope, RunPage, SendRunIn
from segue_apps.workspace.auth import CallerDep
from segue_apps.workspace.routes import ERRORS, JSONBodyRoute, Page, PageSize
from segue_apps.workspace.routes.agents import ADMISSION_ERRORS, admission, wake
from segue_apps.workspace.store import runs as store

router = APIRouter(tags=["Runs"], responses=ERRORS, route_class=JSONBodyRoute)
RunId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_\-]{1,128}$")]
_POLL_HEADERS: dict[str, Any] = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds until the next poll; present only while `running` (15).",
    }
}


def _retry_after(run: dict[str, Any] | None) -> dict[str, str]:
    return {"Retry-After": store.RETRY_AFTER} if run and run["status"] == "running" else {}


@router.post(
    "/agents/{id}/runs", response_model=RunEnvelope, status_code=202, responses=ADMISSION_ERRORS
)
async def send_run(id: str, body: SendRunIn, caller: CallerDep, request: Request) -> Response:
    """Admit a follow-up run on the agent (same workspace, same conversation); answers a
    ``needs_input`` question. 202 with the run object; 409 ``AGENT_BUSY`` while another
    run of the agent is in flight."""
    made = await caller.db.run(_send, admission(caller, body, id), write=True)
    wake(request)
    return JSONResponse({"run": made}, status_code=202, headers=_retry_after(made))


def _send(conn: Any, a: store.Admission) -> dict[str, Any]:
    store.require_agent(conn, a.workspace_id, a.agent_id)
    values = store.admit(conn, a)
    return store.run_by_id(conn, values["id"], a.app_url)


@router.get("/agents/{id}/runs", response_model=RunPage)
async def list_runs(
    id: str, caller: CallerDep, page: Page = 0, page_size: PageSize = 50
) -> Response:
    """List the agent's runs, newest first (summaries; poll one for the whole object)."""
    found = await caller.db.run(store.list_runs, caller.workspace_id, id, page, page_size)
    return JSONResponse(found)


@router.get(
    "/agents/{id}/runs/{runId}",
    response_model=Run,
    responses={200: {"headers": _POLL_HEADERS}},
)
async def get_run(
    id: str,
    runId: RunId,
    caller: CallerDep,
    include: Annotated[
        str | None,
        Query(
            max_length=200,
            description="`stats`, `transcript`, comma-separated; unknown tokens are ignored.",
        ),
    ] = None,
) -> Response:
    """Poll a run: its status, and once terminal its response (text, actions, tables)."""
    run = await caller.db.run(
        store.get_run,
        caller.workspace_id,
        id,
        runId,
        store.parse_include(include),
        caller.settings.app_url,
    )
    return JSONResponse(run, headers=_retry_after(run))


@router.post("/agents/{id}/cancel", response_model=MaybeRun)
async def cancel_run(id: str, caller: CallerDep) -> Response:
    """Cancel the agent's in-flight run (idempotent): 200 with it (now ``cancelled``), else
    the agent's newest run, else ``{"run": null}``. What the run built so far is kept."""
    found = await caller.db.run(
        store.cancel,
        caller.workspace_id,
        id,
        caller.now,
        now_ms(),
        caller.settings.app_url,
        write=True,
    )
    return JSONResponse(found, headers=_retry_after(found["run"]))
