"""``/api/v2/tables``: list, read and (extension) create tables and columns."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from segue_apps.common.clock import now_ms
from segue_apps.common.responses import JSONResponse
from segue_apps.workspace.agent_schemas import StatsTable
from segue_apps.workspace.auth import CallerDep
from segue_apps.workspace.routes import ERRORS, Page, PageSize
from segue_apps.workspace.routes.agents import Include
from segue_apps.workspace.schemas import (
    CancelledTableWork,
    CancelTableIn,
    ColumnIn,
    ColumnList,
    Table,
    TableIn,
    TablePage,
    WorkspaceColumn,
)
from segue_apps.workspace.store import data_tables as store
from segue_apps.workspace.store.runs import parse_include, table_stats
from segue_apps.workspace.store.table_work import cancel_table_work

router = APIRouter(tags=["Workspace"], responses=ERRORS)


@router.get("/tables", response_model=TablePage)
async def list_tables(caller: CallerDep, page: Page = 0, page_size: PageSize = 50) -> Response:
    """List the workspace's tables (paginated), oldest first."""
    body = await store.list_page(
        caller.db, caller.workspace_id, page, page_size, caller.settings.app_url
    )
    return JSONResponse(body)


DUPLICATE: dict[int | str, dict[str, Any]] = {
    409: ERRORS[400] | {"description": "DUPLICATE_COLUMN"}
}


@router.post("/tables", response_model=Table, status_code=201, responses=DUPLICATE)
async def create_table(body: TableIn, caller: CallerDep) -> Response:
    """Create a table with its columns.

    Extension: not in the provider's v2 reference, which creates tables through agents.
    """
    specs = [col.model_dump(exclude_none=True) for col in body.columns]
    made = await store.create(
        caller.db, caller.workspace_id, body.name, specs, caller.settings.app_url, caller.now
    )
    return JSONResponse(made, status_code=201)


@router.get("/tables/{tableId}", response_model=StatsTable)
async def get_table(tableId: str, caller: CallerDep, include: Include = None) -> Response:
    """Return one table: name, leadCount, columns and credits (``?include=stats`` adds
    the economics block, per table and per column)."""
    found = await store.get(caller.db, caller.workspace_id, tableId, caller.settings.app_url)
    if "stats" in parse_include(include):
        table_stats(found)
    return JSONResponse(found)


@router.post("/tables/{tableId}/cancel", response_model=CancelledTableWork)
async def cancel_table(
    tableId: str, caller: CallerDep, body: CancelTableIn | None = None
) -> Response:
    """Stop a table's work: running cells and, without ``columns``, the agent runs
    working on the table (lead-source jobs). ``dryRun`` reports what is in flight.

    Sent history is never touched: use a sequence's stop or a campaign's pause for that.
    """
    given = body or CancelTableIn()
    found = await caller.db.run(
        cancel_table_work,
        caller.workspace_id,
        tableId,
        given.columns,
        given.dryRun,
        caller.now,
        now_ms(),
        caller.settings.app_url,
        write=not given.dryRun,
    )
    return JSONResponse(found)


@router.get("/tables/{tableId}/columns", response_model=ColumnList)
async def list_columns(tableId: str, caller: CallerDep) -> Response:
    """List a table's columns (id, name, slug, kind, autoTrigger) in display order."""
    found = await store.list_columns(
        caller.db, caller.workspace_id, tableId, caller.settings.app_url
    )
    return JSONResponse(found)


@router.post(
    "/tables/{tableId}/columns",
    response_model=WorkspaceColumn,
    status_code=201,
    responses=DUPLICATE,
)
async def add_column(tableId: str, body: ColumnIn, caller: CallerDep) -> Response:
    """Append a column to a table.

    Extension: not in the provider's v2 reference.
    """
    made = await store.add_column(
        caller.db,
        caller.workspace_id,
        tableId,
        body.model_dump(exclude_none=True),
        caller.settings.app_url,
        caller.now,
    )
    return JSONResponse(made, status_code=201)
