"""``/api/v2/batches``: upsert batches and their outcome ledgers."""

from __future__ import annotations

from fastapi import APIRouter, Response

from segue_apps.common.responses import JSONResponse
from segue_apps.workspace.auth import CallerDep
from segue_apps.workspace.routes import ERRORS, Page, PageSize
from segue_apps.workspace.schemas import Batch, BatchPage
from segue_apps.workspace.store import batches as store

router = APIRouter(tags=["Workspace"], responses=ERRORS)


@router.get("/batches", response_model=BatchPage)
async def list_batches(caller: CallerDep, page: Page = 0, page_size: PageSize = 50) -> Response:
    """List the workspace's batches, newest first (ledgers omitted)."""
    return JSONResponse(await store.list_page(caller.db, caller.workspace_id, page, page_size))


@router.get("/batches/{batchId}", response_model=Batch)
async def get_batch(batchId: str, caller: CallerDep) -> Response:
    """Return a batch with its per-row outcome ledger."""
    return JSONResponse(await store.get(caller.db, caller.workspace_id, batchId))
