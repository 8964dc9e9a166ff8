"""``/api/v2/workspaces``: bootstrap, list and delete workspaces; read and delete documents.

Workspace management acts on the key's organisation; documents are data, so only the
key's own workspace is visible (any other id → 404 ``WORKSPACE_NOT_FOUND``).
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from segue_apps.common.responses import JSONResponse
from segue_apps.workspace.auth import Caller, CallerDep
from segue_apps.workspace.routes import ERRORS, Page, PageSize
from segue_apps.workspace.schemas import (
    CreatedWorkspace,
    DeletedDocument,
    DeletedWorkspace,
    DeleteWorkspaceIn,
    Document,
    DocumentIn,
    DocumentPage,
    WorkspaceIn,
    WorkspacePage,
)
from segue_apps.workspace.store import workspaces as store

router = APIRouter(tags=["Workspace"], responses=ERRORS)


def _own(caller: Caller, workspace_id: str) -> None:
    if workspace_id != caller.workspace_id:
        raise store.workspace_not_found()


@router.get("/workspaces", response_model=WorkspacePage)
async def list_workspaces(caller: CallerDep, page: Page = 0, page_size: PageSize = 50) -> Response:
    """List the organisation's workspaces (paginated), oldest first."""
    body = await store.list_page(caller.db, caller.org_id, page, page_size, caller.settings.app_url)
    return JSONResponse(body)


@router.post(
    "/workspaces",
    response_model=CreatedWorkspace,
    status_code=201,
    responses={403: ERRORS[400] | {"description": "WORKSPACE_LIMIT_REACHED"}},
)
async def create_workspace(caller: CallerDep, body: WorkspaceIn | None = None) -> Response:
    """Create an empty workspace; the answer carries its first API key (an extension)."""
    name = body.name if body is not None else WorkspaceIn().name
    made = await store.create(caller.db, caller.org_id, name, caller.settings.app_url, caller.now)
    return JSONResponse(made, status_code=201)


@router.post(
    "/workspaces/{workspaceId}/delete",
    response_model=DeletedWorkspace,
    responses={409: ERRORS[400] | {"description": "CONFIRMATION_REQUIRED"}},
)
async def delete_workspace(
    workspaceId: str,
    caller: CallerDep,
    body: DeleteWorkspaceIn | None = None,
) -> Response:
    """Delete a workspace and everything in it; without ``confirm: true`` → 409 preview."""
    confirm = body is not None and body.confirm
    return JSONResponse(await store.delete(caller.db, caller.org_id, workspaceId, confirm))


@router.get("/workspaces/{workspaceId}/documents", response_model=DocumentPage)
async def list_documents(
    workspaceId: str,
    caller: CallerDep,
    page: Page = 0,
    page_size: PageSize = 50,
) -> Response:
    """List the workspace's documents (paginated, newest first, without content)."""
    _own(caller, workspaceId)
    return JSONResponse(await store.list_documents(caller.db, workspaceId, page, page_size))


@router.post("/workspaces/{workspaceId}/documents", response_model=Document, status_code=201)
async def add_document(
    workspaceId: str,
    body: DocumentIn,
    caller: CallerDep,
) -> Response:
    """Store a document in the workspace.

    Extension: not in the provider's v2 reference (documents come from the app there).
    """
    _own(caller, workspaceId)
    async with caller.db.writer.begin() as conn:
        made = await store.add_document(
            conn, workspaceId, body.name, body.content, body.mimeType, caller.now
        )
    return JSONResponse(made, status_code=201)


@router.get("/workspaces/{workspaceId}/documents/{documentId}", response_model=Document)
async def get_document(workspaceId: str, documentId: str, caller: CallerDep) -> Response:
    """Read a document: metadata and inline content."""
    _own(caller, workspaceId)
    return JSONResponse(await store.get_document(caller.db, workspaceId, documentId))


@router.delete("/workspaces/{workspaceId}/documents/{documentId}", response_model=DeletedDocument)
async def delete_document(workspaceId: str, documentId: str, caller: CallerDep) -> Response:
    """Delete a workspace document."""
    _own(caller, workspaceId)
    return JSONResponse(await store.delete_document(caller.db, workspaceId, documentId))
