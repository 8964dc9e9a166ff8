"""Leads: cross-stream polling, per stream (with a summary), feedback, enrich, export."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

from fastapi import Query
from sqlalchemy.engine import Connection
from starlette.responses import Response

from segue_apps.common.errors import not_found
from segue_apps.common.responses import JSONResponse
from segue_apps.leads import plans
from segue_apps.leads.auth import CurrentUser
from segue_apps.leads.errors import paywall
from segue_apps.leads.routes import parse_since, router
from segue_apps.leads.schemas import (
    FeedbackIn,
    Id,
    Lead,
    LeadEnriched,
    LeadPage,
    LeadPoll,
    LeadSummary,
)
from segue_apps.leads.store import catalog, users
from segue_apps.leads.store import leads as store
from segue_apps.leads.store.leads import Filters, lead_body

leads_router = router(404, 429)

Lifecycle = Annotated[
    Literal["new", "exported", "all"],
    Query(description="`new` (not exported, the default), `exported`, or `all` (extension)"),
]
MatchConfidence = Annotated[Literal["high", "medium"] | None, Query()]
Since = Annotated[
    str | None, Query(max_length=40, description="ISO 8601: leads discovered at or after")
]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


def _page(rows: list[Any], total: int, offset: int) -> dict[str, Any]:
    return {"leads": [lead_body(r) for r in rows], "total": total,
            "hasMore": offset + len(rows) < total}  # fmt: skip


@leads_router.get("/leads", response_model=LeadPoll, tags=["Leads"])
async def list_leads(
    user: CurrentUser,
    streamId: Id | None = None,
    accountId: Id | None = None,
    segmentId: Id | None = None,
    lifecycle: Lifecycle = "new",
    matchConfidence: MatchConfidence = None,
    since: Since = None,
    groupBy: Annotated[Literal["stream"] | None, Query()] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Poll leads across streams, newest first. ``groupBy=stream`` groups the page by
    stream (``{streams: [{streamId, leads}], total, hasMore}``)."""
    filters = Filters(streamId, accountId, segmentId, lifecycle, matchConfidence,
                      parse_since(since))  # fmt: skip
    rows, total = await user.db.run(store.list_leads, user.id, filters, limit, offset)
    page = _page(rows, total, offset)
    if groupBy == "stream":
        groups: dict[str, list[Any]] = {}
        for lead in page.pop("leads"):
            groups.setdefault(lead["streamId"], []).append(lead)
        page = {"streams": [{"streamId": k, "leads": v} for k, v in groups.items()]} | page
    return JSONResponse(page)


@leads_router.get("/streams/{id}/leads", response_model=LeadPage | LeadSummary, tags=["Leads"])
async def list_stream_leads(
    id: Id,
    user: CurrentUser,
    accountId: Id | None = None,
    segmentId: Id | None = None,
    lifecycle: Lifecycle = "new",
    matchConfidence: MatchConfidence = None,
    since: Since = None,
    summary: bool = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """The stream's leads; with ``summary=true`` only ``{highFitCount, mediumFitCount}``
    of what the same query would list."""
    filters = Filters(id, accountId, segmentId, lifecycle, matchConfidence, parse_since(since))

    def read(conn: Connection) -> dict[str, Any]:
        if catalog.get_stream(conn, user.id, id) is None:
            raise not_found("Stream")
        if summary:
            return store.summary(conn, user.id, filters)
        rows, total = store.list_leads(conn, user.id, filters, limit, offset)
        return _page(rows, total, offset)

    return JSONResponse(await user.db.run(read))


def _own(conn: Connection, user_id: str, lead_id: str) -> Any:
    row = store.get_lead(conn, user_id, lead_id)
    if row is None:
        raise not_found("Lead")
    return row


@leads_router.post("/leads/{id}/feedback", response_model=Lead, tags=["Leads"])
async def lead_feedback(id: Id, body: FeedbackIn, user: CurrentUser) -> Response:
    """Tell whether the lead was a good fit; it shows as ``feedbackStatus``."""

    def give(conn: Connection) -> Any:
        _own(conn, user.id, id)
        return store.update_lead(conn, id, feedback=body.status)

    return JSONResponse(lead_body(await user.db.run(give, write=True)))


def email_for(handle: str) -> str:
    """The built-in enrichment's (deterministic) email address of ``handle``."""
    domains = ("gmail.com", "outlook.com", "proton.me", "fastmail.com")
    pick = hashlib.sha256(handle.casefold().encode()).digest()[0] % len(domains)
    return f"{handle.casefold()}@{domains[pick]}"


@leads_router.post("/leads/{id}/enrich", response_model=LeadEnriched, tags=["Leads"])
async def enrich_lead(id: Id, user: CurrentUser) -> Response:
    """Find the lead's email address, spending one credit (429 ``credits_exhausted``
    when none is left); an enriched lead is not charged again."""

    def enrich(conn: Connection) -> dict[str, Any]:
        row = _own(conn, user.id, id)
        if row.email is not None:
            return {"lead": lead_body(row), "creditsRemaining": users.credits(conn, user.id)}
        left = users.spend_credits(conn, user.id, plans.ENRICH_COST)
        if left is None:
            raise paywall("credits_exhausted")
        row = store.update_lead(conn, id, email=email_for(row.handle))
        return {"lead": lead_body(row), "creditsRemaining": left}

    return JSONResponse(await user.db.run(enrich, write=True))


@leads_router.post("/leads/{id}/export", response_model=Lead, tags=["Leads"])
async def export_lead(id: Id, user: CurrentUser) -> Response:
    """Mark the lead exported (``exportedAt``): it leaves ``lifecycle=new``."""

    def export(conn: Connection) -> Any:
        _own(conn, user.id, id)
        return store.export_lead(conn, id, user.now)

    return JSONResponse(lead_body(await user.db.run(export, write=True)))
