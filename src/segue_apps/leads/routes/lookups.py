"""Lookups, the Chrome extension's surface: enrich a handle, find its email, the histories
of both, a segment from a description, and deleting an API key."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Query
from sqlalchemy.engine import Connection
from starlette.responses import Response

from segue_apps.common.errors import not_found
from segue_apps.common.responses import JSONResponse
from segue_apps.leads import plans
from segue_apps.leads.auth import CurrentUser, User
from segue_apps.leads.classify import FOLLOWER_TIERS
from segue_apps.leads.errors import paywall
from segue_apps.leads.pairing import resolve
from segue_apps.leads.profiles import LABELS
from segue_apps.leads.routes import router
from segue_apps.leads.routes.leads import email_for
from segue_apps.leads.schemas import (
    EmailResult,
    EnrichResult,
    FromDescriptionIn,
    HandleIn,
    History,
    Id,
    Segment,
)
from segue_apps.leads.store import catalog, extras, users

lookups_router = router(404, 422, 429, 503)
HistoryLimit = Annotated[int, Query(ge=1, le=200)]


async def _charged(user: User, kind: str, handle: str, result: dict[str, Any]) -> dict[str, Any]:
    def charge(conn: Connection) -> dict[str, Any]:
        left = users.spend_credits(conn, user.id, plans.ENRICH_COST)
        if left is None:
            raise paywall("credits_exhausted")
        item = extras.record_lookup(conn, user.id, kind, handle, result, user.now)
        return {"id": item["id"], **result, "creditsRemaining": left}

    return await user.db.run(charge, write=True)


async def _has_credits(user: User) -> None:
    if await user.db.run(users.credits, user.id) < plans.ENRICH_COST:
        raise paywall("credits_exhausted")


@lookups_router.post("/lookups/enrich", response_model=EnrichResult, tags=["Lookups"])
async def enrich(body: HandleIn, user: CurrentUser) -> Response:
    """An X handle's profile, for one credit (429 ``credits_exhausted`` without one)."""
    await _has_credits(user)
    account = await resolve(user.settings.source, body.handle)
    profile = {"xUserId": account.x_user_id, "handle": account.handle,
               "displayName": account.display_name, "profileImageUrl": account.profile_image_url,
               "followerCount": account.follower_count, "bio": account.bio}  # fmt: skip
    return JSONResponse(await _charged(user, "profile", body.handle, {"profile": profile}))


@lookups_router.post("/lookups/enrich-email", response_model=EmailResult, tags=["Lookups"])
async def enrich_email(body: HandleIn, user: CurrentUser) -> Response:
    """An X handle's email address, for one credit."""
    await _has_credits(user)
    account = await resolve(user.settings.source, body.handle)
    result = {"handle": account.handle, "email": email_for(account.handle), "confidence": "high"}
    return JSONResponse(await _charged(user, "email", body.handle, result))


@lookups_router.get("/lookups/enrich/history", response_model=History, tags=["Lookups"])
async def enrich_history(user: CurrentUser, limit: HistoryLimit = 50) -> Response:
    """The user's profile lookups, newest first."""
    items = await user.db.run(extras.lookup_history, user.id, "profile", limit)
    return JSONResponse({"items": items})


@lookups_router.get("/lookups/enrich-email/history", response_model=History, tags=["Lookups"])
async def enrich_email_history(user: CurrentUser, limit: HistoryLimit = 50) -> Response:
    """The user's email lookups, newest first."""
    items = await user.db.run(extras.lookup_history, user.id, "email", limit)
    return JSONResponse({"items": items})


_FEMALE = re.compile(r"\b(women|woman|female|females|she|her)\b", re.IGNORECASE)
_MALE = re.compile(r"\b(men|man|male|males|he|his)\b", re.IGNORECASE)


def segment_from(description: str, name: str | None) -> dict[str, Any]:
    """A segment read from a description: labels whose name (or its singular) it
    mentions, a gender when it names one (and not both), the follower tiers it names."""
    folded = description.casefold()
    labels = [slug for slug, label in LABELS if label.casefold().rstrip("s") in folded]
    female, male = bool(_FEMALE.search(description)), bool(_MALE.search(description))
    gender = "female" if female and not male else "male" if male and not female else "any"
    tiers = [tier for tier in FOLLOWER_TIERS if re.search(rf"\b{tier}\b", folded)]
    return {"name": name or description[:60].strip() or "Segment", "description": description,
            "labels": labels, "gender": gender, "followerTiers": tiers}  # fmt: skip


@lookups_router.post(
    "/lookups/segments/from-description", response_model=Segment, status_code=201,
    tags=["Lookups"],
)  # fmt: skip
async def from_description(body: FromDescriptionIn, user: CurrentUser) -> Response:
    """Create a segment from a plain-language description of the leads wanted."""
    spec = segment_from(body.description, body.name)
    row = await user.db.run(catalog.create_segment, user.id, spec, user.now, write=True)
    return JSONResponse(catalog.segment_body(row), status_code=201)


@lookups_router.delete("/lookups/api-keys/{id}", status_code=204, tags=["Lookups"])
async def delete_api_key(id: Id, user: CurrentUser) -> Response:
    """Revoke one of the user's API keys (ids in ``GET /me``'s ``apiKeys``)."""
    if not await user.db.run(users.delete_key, user.id, id, write=True):
        raise not_found("API key")
    return Response(status_code=204)
