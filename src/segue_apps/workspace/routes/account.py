"""``/api/v2/account``: organisation overview and credit balance."""

from __future__ import annotations

from fastapi import APIRouter, Response

from segue_apps.common.responses import JSONResponse
from segue_apps.workspace.auth import CallerDep
from segue_apps.workspace.routes import ERRORS
from segue_apps.workspace.schemas import Account, CreditBalance
from segue_apps.workspace.store import workspaces as store

router = APIRouter(tags=["Account"], responses=ERRORS)


@router.get("/account", response_model=Account)
async def get_account(caller: CallerDep) -> Response:
    """Return the org overview: plan, capability flags, workspace usage and credits."""
    return JSONResponse(await store.account(caller.db, caller.org_id))


@router.get("/account/credits", response_model=CreditBalance)
async def get_credits(caller: CallerDep) -> Response:
    """Return the credit balance (``{balance, currency: "credits"}``)."""
    return JSONResponse(await store.credits(caller.db, caller.org_id))
