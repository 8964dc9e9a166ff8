"""``/api/v2/tables/{tableId}/rows…``: pages (typed, flat, CSV), one row, one cell, upsert."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from segue_apps.common.responses import JSONResponse
from segue_apps.workspace.auth import CallerDep
from segue_apps.workspace.cells import to_csv
from segue_apps.workspace.routes import ERRORS, JSONBodyRoute, Page
from segue_apps.workspace.schemas import CellOut, FlatRowPage, Row, RowPage, UpsertIn, UpsertOut
from segue_apps.workspace.store import rows as store
from segue_apps.workspace.store.upsert import upsert

router = APIRouter(tags=["Workspace"], responses=ERRORS, route_class=JSONBodyRoute)
_CSV = {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV export"}


@router.get(
    "/tables/{tableId}/rows",
    response_model=RowPage | FlatRowPage,
    responses={200: _CSV},
)
async def list_rows(
    tableId: str,
    caller: CallerDep,
    page: Page = 0,
    page_size: Annotated[int, Query(ge=1, le=500, alias="pageSize")] = 50,
    cells: Literal["typed", "flat"] = "typed",
    format: Literal["json", "csv"] = "json",
) -> Response:
    """List a page of rows in insertion order.

    Typed cells by default; ``?cells=flat`` gives v1 ``{id, slug: value}`` rows and
    ``?format=csv`` the same flat rows as ``text/csv`` (``id`` then one column per slug).
    """
    cols, found, pages = await store.page(
        caller.db, caller.workspace_id, tableId, page, page_size, caller.settings.app_url
    )
    if format == "csv":
        text = to_csv([c.slug for c in cols], store.flat_rows(cols, found))
        return Response(text, media_type="text/csv; charset=utf-8")
    if cells == "flat":
        return JSONResponse(
            {
                "columns": {c.slug: c.name for c in cols},
                "rows": store.flat_rows(cols, found),
                "pagination": pages,
            }
        )
    return JSONResponse(store.typed_page(cols, found, pages))


@router.post(
    "/tables/{tableId}/rows/upsert",
    response_model=UpsertOut,
    status_code=201,
    responses={
        200: {"model": UpsertOut, "description": "Idempotent replay of an existing batchId"},
        402: ERRORS[400] | {"description": "INSUFFICIENT_CREDITS (top-up handoff)"},
        409: ERRORS[400] | {"description": "AMBIGUOUS_MATCH"},
        413: ERRORS[400] | {"description": "Body larger than 1 MiB (PAYLOAD_TOO_LARGE)"},
    },
)
async def upsert_rows(tableId: str, body: UpsertIn, caller: CallerDep) -> Response:
    """Insert rows, or update the rows they match on ``matchColumns``; one transaction.

    201 with per-row ``inserted``/``updated``/``skipped`` outcomes; a repeated
    ``batchId`` answers 200 with the recorded outcomes and writes nothing.
    """
    created, result = await upsert(
        caller.db,
        caller.workspace_id,
        tableId,
        body.rows,
        body.matchColumns,
        batch_id=body.batchId,
        enrich=body.enrich,
        app_url=caller.settings.app_url,
        now=caller.now,
    )
    return JSONResponse(result, status_code=201 if created else 200)


@router.get("/tables/{tableId}/rows/{rowId}", response_model=Row)
async def get_row(tableId: str, rowId: str, caller: CallerDep) -> Response:
    """Return one row with typed cells keyed by column slug."""
    found = await store.get(caller.db, caller.workspace_id, tableId, rowId, caller.settings.app_url)
    return JSONResponse(found)


@router.get("/tables/{tableId}/rows/{rowId}/cells/{columnId}", response_model=CellOut)
async def get_cell(
    tableId: str,
    rowId: str,
    columnId: str,
    caller: CallerDep,
) -> Response:
    """Return one typed cell; ``columnId`` is the column's id or slug (``null`` if empty)."""
    found = await store.cell(
        caller.db, caller.workspace_id, tableId, rowId, columnId, caller.settings.app_url
    )
    return JSONResponse(found)
