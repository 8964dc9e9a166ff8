"""``GET /api/v2/me``: the user, their accounts' budgets, credits, and a totals rollup."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from starlette.responses import Response

from segue_apps.common.responses import JSONResponse
from segue_apps.leads import plans
from segue_apps.leads.auth import CurrentUser
from segue_apps.leads.routes import router
from segue_apps.leads.schemas import Me
from segue_apps.leads.store import catalog, users
from segue_apps.leads.store.common import day, iso, month
from segue_apps.leads.store.tables import users as users_table

me_router = router()


def _budget(used: int, limit: int) -> dict[str, int]:
    return {"used": used, "limit": limit, "remaining": max(limit - used, 0)}


def me_body(conn: Connection, user_id: str, now: int) -> dict[str, Any]:
    """What ``/me`` answers."""
    catalog.settle_pending_tiers(conn, user_id, now)
    user = conn.execute(sa.select(users_table).where(users_table.c.id == user_id)).one()
    rows = catalog.list_accounts(conn, user_id)
    ids = [r.id for r in rows]
    syncs = users.used(conn, ids, "sync", day(now))
    retests = users.used(conn, ids, "retest", month(now))
    in_streams = catalog.active_streams_per_account(conn, ids)
    accounts = []
    for row in rows:
        limits = plans.TIERS[row.tier]
        accounts.append({
            "accountId": row.id,
            "handle": row.handle,
            "tier": row.tier,
            "asleep": bool(row.asleep),
            "activeStreams": in_streams.get(row.id, 0),
            "streamCap": limits.streams_per_account,
            "dailySync": _budget(syncs.get(row.id, 0), limits.daily_syncs),
            "monthlyRetest": _budget(retests.get(row.id, 0), limits.monthly_retests),
        })  # fmt: skip
    awake = [a for a in accounts if not a["asleep"]]
    active_streams = len(catalog.list_streams(conn, user_id, [catalog.ACTIVE]))
    keys = [{"id": k["id"], "prefix": k["prefix"], "createdAt": iso(k["created_at"])}
            for k in users.list_keys(conn, user_id)]  # fmt: skip
    return {
        "id": user.id,
        "plan": user.plan,
        "subscriptionStatus": user.subscription,
        "createdAt": iso(user.created_at),
        "apiKeys": keys,
        "accounts": accounts,
        "credits": {
            "balance": user.credits,
            "lowBalance": user.credits < plans.LOW_BALANCE_CREDITS,
        },
        "totals": {
            "accounts": len(accounts),
            "activeStreams": active_streams,
            "dailySyncRemaining": sum(a["dailySync"]["remaining"] for a in awake),
            "monthlyRetestRemaining": sum(a["monthlyRetest"]["remaining"] for a in awake),
            "credits": user.credits,
        },
    }


@me_router.get("/me", response_model=Me, tags=["Identity"])
async def get_me(user: CurrentUser) -> Response:
    """The user: plan, subscription status, each tracked account's daily sync slots and
    monthly re-test budget, credits with a low-balance flag, and a totals rollup."""
    return JSONResponse(await user.db.run(me_body, user.id, user.now, write=True))
