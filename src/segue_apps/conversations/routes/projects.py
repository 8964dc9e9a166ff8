"""``/api/v2/projects``: scoped to the calling key's organisation.

An ``org_id`` in the body or query is accepted for compatibility with v1 clients and
ignored: a key only ever sees its own organisation (another org's project → 404).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from segue_apps.common.pagination import parse_cursor
from segue_apps.common.responses import JSONResponse
from segue_apps.conversations.auth import CallerDep
from segue_apps.conversations.routes import ERRORS
from segue_apps.conversations.schemas import (
    Project,
    ProjectCreate,
    ProjectCreated,
    ProjectDetail,
    ProjectPage,
    ProjectPatch,
)
from segue_apps.conversations.store import projects as store

router = APIRouter(prefix="/projects", tags=["projects"], responses=ERRORS)


@router.post("", response_model=ProjectCreated, status_code=201)
async def create_project(body: ProjectCreate, caller: CallerDep) -> Response:
    """Create a project in the caller's organisation with a first key named ``Default``."""
    created = await store.create(caller.db, caller.org_id, body.name, body.slug, caller.now)
    return JSONResponse(created, status_code=201)


@router.get("", response_model=ProjectPage)
async def list_projects(
    caller: CallerDep,
    org_id: Annotated[str | None, Query(description="accepted; the key's org is used")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(description="created_at (ms) from next_cursor")] = None,
) -> Response:
    """List the organisation's projects, newest first, with the total count."""
    page = await store.page(caller.db, caller.org_id, limit=limit, cursor=parse_cursor(cursor))
    return JSONResponse(page)


@router.get("/{project_id}", response_model=ProjectDetail)
async def get_project(project_id: str, caller: CallerDep) -> Response:
    """Return a project with all its keys (secrets are never shown again)."""
    return JSONResponse(await store.get(caller.db, caller.org_id, project_id))


@router.patch("/{project_id}", response_model=Project)
async def update_project(project_id: str, body: ProjectPatch, caller: CallerDep) -> Response:
    """Rename a project and/or change its slug."""
    values: dict[str, Any] = {
        name: getattr(body, name)
        for name in ("name", "slug")
        if name in body.model_fields_set and getattr(body, name) is not None
    }
    updated = await store.patch(caller.db, caller.org_id, project_id, values, caller.now)
    return JSONResponse(updated)


@router.delete("/{project_id}", status_code=204, response_class=Response)
async def delete_project(project_id: str, caller: CallerDep) -> Response:
    """Delete a project and everything in it."""
    await store.delete(caller.db, caller.org_id, project_id)
    return Response(status_code=204)
