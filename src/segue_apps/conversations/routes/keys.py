"""``/api/v2/keys``: the calling key's project's API keys."""

from __future__ import annotations

from fastapi import APIRouter, Response

from segue_apps.common.responses import JSONResponse
from segue_apps.conversations.auth import CallerDep
from segue_apps.conversations.routes import ERRORS
from segue_apps.conversations.schemas import ApiKeyCreated, ApiKeyList, KeyCreate
from segue_apps.conversations.store import keys as store

router = APIRouter(prefix="/keys", tags=["keys"], responses=ERRORS)


@router.post("", response_model=ApiKeyCreated, status_code=201)
async def create_key(body: KeyCreate, caller: CallerDep) -> Response:
    """Mint a key; the full ``key`` is in this response only."""
    created = await store.create(caller.db, caller.project_id, body.name, caller.now)
    return JSONResponse(created, status_code=201)


@router.get("", response_model=ApiKeyList)
async def list_keys(caller: CallerDep) -> Response:
    """List the project's keys, revoked ones included."""
    return JSONResponse({"data": await store.list_keys(caller.db, caller.project_id)})


@router.delete("/{key_id}", status_code=204, response_class=Response)
async def revoke_key(key_id: str, caller: CallerDep) -> Response:
    """Revoke a key of the project (sets revoked_at; the key stops working at once)."""
    await store.revoke(caller.db, caller.project_id, key_id, caller.now)
    return Response(status_code=204)
