"""Tracked accounts: list (active and sleeping), sleep, wake, change tier.

Accounts are added only through streams; an account no active stream names (an orphan)
stays tracked, and billed, until it is slept.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection
from starlette.responses import Response

from segue_apps.common.errors import APIError, not_found
from segue_apps.common.responses import JSONResponse
from segue_apps.leads import plans
from segue_apps.leads.auth import CurrentUser
from segue_apps.leads.errors import paywall
from segue_apps.leads.routes import router
from segue_apps.leads.schemas import Account, AccountLists, ChangeTierIn, Id, Slept, Woken
from segue_apps.leads.store import catalog
from segue_apps.leads.store.common import next_month_ms

accounts_router = router(403, 404)
_RANK = {tier: rank for rank, tier in enumerate(plans.PLANS)}


def _own(conn: Connection, user_id: str, account_id: str) -> Any:
    found = catalog.accounts_by_id(conn, user_id, [account_id]).get(account_id)
    if found is None:
        raise not_found("Account")
    return found


@accounts_router.get("/accounts", response_model=AccountLists, tags=["Accounts"])
async def list_accounts(user: CurrentUser) -> Response:
    """Every tracked account, ``active`` (awake, orphans included) and ``sleeping``, each
    with the segments its active streams assign it (``assignedSegmentIds``)."""

    def read(conn: Connection) -> dict[str, Any]:
        catalog.settle_pending_tiers(conn, user.id, user.now)
        links = catalog.account_links(conn, user.id)
        out: dict[str, list[Any]] = {"active": [], "sleeping": []}
        for row in catalog.list_accounts(conn, user.id):
            out["sleeping" if row.asleep else "active"].append(
                catalog.account_body(row, links.get(row.id))
            )
        return out

    return JSONResponse(await user.db.run(read, write=True))


@accounts_router.post("/accounts/{id}/sleep", response_model=Slept, tags=["Accounts"])
async def sleep_account(id: Id, user: CurrentUser) -> Response:
    """Stop tracking (and billing) the account; its pairs stay but do not run."""

    def sleep(conn: Connection) -> None:
        _own(conn, user.id, id)
        catalog.set_asleep(conn, id, True)

    await user.db.run(sleep, write=True)
    return JSONResponse({"success": True, "accountId": id, "asleep": True})


@accounts_router.post("/accounts/{id}/wake", response_model=Woken, tags=["Accounts"])
async def wake_account(id: Id, user: CurrentUser) -> Response:
    """Track a sleeping account again (403 ``subscription_required`` when the
    subscription lapsed; ``free_account_limit`` for a second awake free account)."""
    if user.subscription == "lapsed":
        raise paywall("subscription_required")

    def wake(conn: Connection) -> None:
        row = _own(conn, user.id, id)
        limited = row.asleep and user.plan == "free"
        if limited and catalog.awake_count(conn, user.id) >= plans.FREE_MAX_ACCOUNTS:
            raise paywall("free_account_limit")
        catalog.set_asleep(conn, id, False)

    await user.db.run(wake, write=True)
    return JSONResponse({"success": True, "accountId": id, "awake": True})


@accounts_router.post("/accounts/{id}/change-tier", response_model=Account, tags=["Accounts"])
async def change_tier(id: Id, body: ChangeTierIn, user: CurrentUser) -> Response:
    """Move the account to another tier: an upgrade at once, a downgrade at the start of
    next month (``pendingTier``, ``pendingTierEffectiveAt``)."""
    if user.plan == "free":
        message = "Accounts of the free plan have the free tier; upgrade the plan first"
        raise APIError(403, "tier_unavailable", message)

    def change(conn: Connection) -> dict[str, Any]:
        catalog.settle_pending_tiers(conn, user.id, user.now)
        row = _own(conn, user.id, id)
        if _RANK[body.tier] >= _RANK[row.tier]:
            catalog.set_tier(conn, id, body.tier)
        else:
            catalog.set_pending_tier(conn, id, body.tier, next_month_ms(user.now))
        row = _own(conn, user.id, id)
        return catalog.account_body(row, catalog.account_links(conn, user.id).get(id))

    return JSONResponse(await user.db.run(change, write=True))
