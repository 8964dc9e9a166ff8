"""Streams (campaigns): create in one shot, list, get, PATCH, archive; run, re-test, runs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Query
from sqlalchemy.engine import Connection
from starlette.responses import Response

from segue_apps.common.errors import APIError, not_found
from segue_apps.common.responses import JSONResponse
from segue_apps.leads import plans
from segue_apps.leads.auth import CurrentUser, User
from segue_apps.leads.errors import paywall
from segue_apps.leads.pairing import apply_pairs, check_labels, resolve_handles
from segue_apps.leads.routes import router
from segue_apps.leads.schemas import (
    Id,
    Retest,
    RetestIn,
    Run,
    RunList,
    StreamCreated,
    StreamIn,
    StreamList,
    StreamPatch,
    StreamPatched,
    StreamWithPairs,
)
from segue_apps.leads.store import catalog, runs, users
from segue_apps.leads.store.common import day, dumps, month

streams_router = router(403, 404, 409, 422, 503)
RunLimit = Annotated[int, Query(ge=1, le=200, description="Runs to list, newest first")]


def _config(body: StreamIn | StreamPatch) -> dict[str, Any]:
    given = (
        body.model_dump(exclude_unset=True) if isinstance(body, StreamPatch) else body.model_dump()
    )
    out: dict[str, Any] = {}
    if given.get("name") is not None:
        out["name"] = given["name"]
    if given.get("syncTimes") is not None:
        out["sync_times"] = dumps(sorted(set(given["syncTimes"])))
    if given.get("timezone") is not None:
        out["timezone"] = given["timezone"]
    if given.get("emailMode") is not None:
        out["email_mode"] = given["emailMode"]
    if given.get("deliveryDestination") is not None:
        out["delivery"] = given["deliveryDestination"]
    if "csvEmail" in given:
        out["csv_email"] = given["csvEmail"]
    if given.get("enrich") is not None:
        out["enrich"] = dumps(given["enrich"])
    return out


def _full(conn: Connection, user_id: str, stream_id: str) -> dict[str, Any]:
    row = catalog.get_stream(conn, user_id, stream_id)
    return catalog.stream_body(row, catalog.stream_pairs(conn, [stream_id]))


def _lapsed(user: User) -> None:
    if user.subscription == "lapsed":
        raise paywall("subscription_required")


@streams_router.post("/streams", response_model=StreamCreated, status_code=201, tags=["Streams"])
async def create_stream(body: StreamIn, user: CurrentUser) -> Response:
    """Create a stream in one call: handles (resolved and tracked) or account ids, inline
    segments (created) or segment ids, schedule, enrichment and delivery."""
    _lapsed(user)
    check_labels([p.segment for p in body.pairs if p.segment is not None])
    resolved = await resolve_handles(user.settings.source, body.pairs)

    def create(conn: Connection) -> dict[str, Any]:
        applied = apply_pairs(conn, user, body.pairs, resolved, None)
        stream_id = catalog.insert_stream(conn, user.id, _config(body), user.now)
        catalog.set_pairs(conn, stream_id, applied.wanted)
        return {"id": stream_id, "accounts": applied.accounts, "segments": applied.segments,
                "stream": _full(conn, user.id, stream_id)}  # fmt: skip

    return JSONResponse(await user.db.run(create, write=True), status_code=201)


@streams_router.get("/streams", response_model=StreamList, tags=["Streams"])
async def list_streams(
    user: CurrentUser,
    status: Annotated[str, Query(pattern="^(active|archived|all)$")] = "active",
) -> Response:
    """The user's streams (``status``: ``active`` by default, ``archived`` or ``all``)."""
    statuses = ["active", "archived"] if status == "all" else [status]
    rows = await user.db.run(catalog.list_streams, user.id, statuses)
    return JSONResponse({"streams": [catalog.stream_body(r) for r in rows]})


@streams_router.get("/streams/{id}", response_model=StreamWithPairs, tags=["Streams"])
async def get_stream(id: Id, user: CurrentUser) -> Response:
    """One stream with its pairs, each with its segment, and its whole configuration."""

    def read(conn: Connection) -> dict[str, Any]:
        if catalog.get_stream(conn, user.id, id) is None:
            raise not_found("Stream")
        return _full(conn, user.id, id)

    return JSONResponse(await user.db.run(read))


@streams_router.patch("/streams/{id}", response_model=StreamPatched, tags=["Streams"])
async def patch_stream(id: Id, body: StreamPatch, user: CurrentUser) -> Response:
    """Change any setting. ``pairs`` replaces every pair: the server adds the new ones
    (tracking accounts, creating inline segments) and removes those not in the array;
    accounts left in no stream stay tracked until slept."""
    pairs = body.pairs
    if pairs is not None:
        check_labels([p.segment for p in pairs if p.segment is not None])
    resolved = await resolve_handles(user.settings.source, pairs or [])

    def patch(conn: Connection) -> dict[str, Any]:
        row = catalog.get_stream(conn, user.id, id)
        if row is None:
            raise not_found("Stream")
        if row.status != catalog.ACTIVE:
            raise APIError(409, "stream_archived", "An archived stream cannot be changed")
        out: dict[str, Any] = {"accounts": [], "segments": [],
                               "diff": {"added": [], "removed": []}}  # fmt: skip
        if pairs is not None:
            applied = apply_pairs(conn, user, pairs, resolved, id)
            out["diff"] = catalog.set_pairs(conn, id, applied.wanted)
            out["accounts"], out["segments"] = applied.accounts, applied.segments
        catalog.update_stream(conn, id, _config(body), user.now)
        return _full(conn, user.id, id) | out

    return JSONResponse(await user.db.run(patch, write=True))


@streams_router.delete("/streams/{id}", response_model=StreamWithPairs, tags=["Streams"])
async def archive_stream(id: Id, user: CurrentUser) -> Response:
    """Archive the stream: it stops running and no longer counts against stream caps; its
    leads stay."""

    def archive(conn: Connection) -> dict[str, Any]:
        if catalog.get_stream(conn, user.id, id) is None:
            raise not_found("Stream")
        catalog.archive_stream(conn, id, user.now)
        return _full(conn, user.id, id)

    return JSONResponse(await user.db.run(archive, write=True))


def _active_stream(conn: Connection, user: User, stream_id: str) -> Any:
    row = catalog.get_stream(conn, user.id, stream_id)
    if row is None:
        raise not_found("Stream")
    if row.status != catalog.ACTIVE:
        raise APIError(409, "stream_archived", "An archived stream does not run")
    return row


def start_sync(conn: Connection, user: User, stream_id: str) -> Any:
    """Queue a manual run of every awake pair, spending a daily sync slot of each awake
    account (403 ``daily_sync_limit`` when one has none left); the run's row."""
    _active_stream(conn, user, stream_id)
    catalog.settle_pending_tiers(conn, user.id, user.now)
    pairs = [p for p in catalog.stream_pairs(conn, [stream_id]) if not p.asleep]
    if not pairs:
        raise APIError(409, "no_awake_accounts", "Every account of this stream is asleep")
    tiers = {p.account_id: p.tier for p in pairs}
    used = users.used(conn, tiers, "sync", day(user.now))
    if any(used.get(a, 0) >= plans.TIERS[t].daily_syncs for a, t in tiers.items()):
        raise paywall("daily_sync_limit")
    users.spend_budget(conn, tiers, "sync", day(user.now))
    return runs.create_run(conn, user.id, stream_id, runs.SYNC, [p.id for p in pairs], None,
                           user.now)  # fmt: skip


@streams_router.post("/streams/{id}/run", response_model=Run, status_code=202, tags=["Runs"])
async def run_stream(id: Id, user: CurrentUser) -> Response:
    """Sync every pair of the stream now: a queued run (poll it); one daily sync slot of
    each awake account is spent."""
    _lapsed(user)
    row = await user.db.run(start_sync, user, id, write=True)
    user.app_state.runs.wake()
    return JSONResponse(runs.run_body(row), status_code=202)


def start_retest(conn: Connection, user: User, stream_id: str, scope: RetestIn) -> dict[str, Any]:
    """Queue a re-test of the stream's pairs in ``scope`` (see ``POST …/re-test``)."""
    _active_stream(conn, user, stream_id)
    catalog.settle_pending_tiers(conn, user.id, user.now)
    pairs = [
        p
        for p in catalog.stream_pairs(conn, [stream_id])
        if scope.accountId in (None, p.account_id) and scope.segmentId in (None, p.segment_id)
    ]
    if not pairs:
        raise not_found("Pair")
    period = month(user.now)
    used = users.used(conn, {p.account_id for p in pairs}, "retest", period)
    queued: list[Any] = []
    skipped: list[dict[str, Any]] = []
    spending: set[str] = set()
    refused_tier = None
    for pair in pairs:
        reason = None
        if pair.asleep:
            reason = "account_sleeping"
        elif pair.tier == "free":
            reason = "free_tier"
        elif pair.account_id not in spending and (
            used.get(pair.account_id, 0) >= plans.TIERS[pair.tier].monthly_retests
        ):
            reason = "budget_exhausted"
        if reason is None:
            spending.add(pair.account_id)
            queued.append(pair)
            continue
        if reason != "account_sleeping" and refused_tier is None:
            refused_tier = pair.tier
        skipped.append({"pairId": pair.id, "trackedAccountId": pair.account_id,
                        "segmentId": pair.segment_id, "reason": reason})  # fmt: skip
    if not queued and refused_tier is not None:
        raise paywall(plans.retest_code(refused_tier))
    items: list[dict[str, Any]] = []
    if queued:
        users.spend_budget(conn, spending, "retest", period)
        scope_json = scope.model_dump(exclude_none=True) or None
        run = runs.create_run(conn, user.id, stream_id, runs.RETEST, [p.id for p in queued],
                              scope_json, user.now)  # fmt: skip
        items = [{"pairId": p.id, "trackedAccountId": p.account_id, "segmentId": p.segment_id,
                  "runId": run.id} for p in queued]  # fmt: skip
    return {"queued": items, "skipped": skipped}


@streams_router.post("/streams/{id}/re-test", response_model=Retest, status_code=202, tags=["Runs"])
async def retest_stream(
    id: Id, user: CurrentUser, body: Annotated[RetestIn | None, Body()] = None
) -> Response:
    """Re-test the stream's pairs (those of ``accountId`` and/or ``segmentId`` when given):
    one run of every pair whose account has monthly re-test budget left, spending one of
    each such account; the others are ``skipped`` with a reason. Nothing queued for want of
    budget → 403 ``free_retest_limit``, ``retest_limit`` or ``retest_limit_pro``."""
    _lapsed(user)
    answer = await user.db.run(start_retest, user, id, body or RetestIn(), write=True)
    user.app_state.runs.wake()
    return JSONResponse(answer, status_code=202)


@streams_router.get("/streams/{id}/runs", response_model=RunList, tags=["Runs"])
async def list_stream_runs(id: Id, user: CurrentUser, limit: RunLimit = 50) -> Response:
    """The stream's runs, newest first."""

    def read(conn: Connection) -> list[Any]:
        if catalog.get_stream(conn, user.id, id) is None:
            raise not_found("Stream")
        return runs.list_runs(conn, user.id, id, limit)

    return JSONResponse({"runs": [runs.run_body(r) for r in await user.db.run(read)]})


@streams_router.get("/streams/{id}/runs/{runId}", response_model=Run, tags=["Runs"])
async def get_stream_run(id: Id, runId: Id, user: CurrentUser) -> Response:
    """One run of the stream: poll it until ``completed`` or ``failed``."""
    row = await user.db.run(runs.get_run, user.id, runId, id)
    if row is None:
        raise not_found("Run")
    return JSONResponse(runs.run_body(row))


@streams_router.get("/runs", response_model=RunList, tags=["Runs"])
async def list_runs(
    user: CurrentUser, limit: RunLimit = 50, streamId: Id | None = None
) -> Response:
    """Every stream's runs in one list, newest first."""
    rows = await user.db.run(runs.list_runs, user.id, streamId, limit)
    return JSONResponse({"runs": [runs.run_body(r) for r in rows]})
