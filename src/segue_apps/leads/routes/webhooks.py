"""Webhook subscriptions: each new lead matching a filter is POSTed once, signed."""

from __future__ import annotations

import base64
import secrets

from starlette.responses import Response

from segue_apps.common.errors import APIError, not_found
from segue_apps.common.responses import JSONResponse
from segue_apps.leads.auth import CurrentUser
from segue_apps.leads.routes import errors, router
from segue_apps.leads.schemas import Subscribed, SubscribeIn, Unsubscribed, UnsubscribeIn
from segue_apps.leads.ssrf import literal_blocked
from segue_apps.leads.store import extras

webhooks_router = router(404)


def new_secret() -> str:
    """``whsec_`` and 32 random bytes in base64 (the Standard Webhooks form)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


@webhooks_router.post(
    "/webhooks/subscribe",
    response_model=Subscribed,
    status_code=201,
    tags=["Webhooks"],
    responses={200: {"model": Subscribed, "description": "Subscribed already: the same id"}},
)
async def subscribe(body: SubscribeIn, user: CurrentUser) -> Response:
    """Receive ``{type: "lead.created", timestamp, data: <lead>}`` at ``targetUrl`` for each
    new lead passing ``filterConfig``, signed per Standard Webhooks with ``secret``.
    Subscribing the same URL again answers the same id (and replaces its filter); a
    ``segmentId`` filter is refused (use ``streamId``); a loopback or private address is
    refused unless the server allows them."""
    allowed = user.settings.allow_private_webhooks
    if not allowed and literal_blocked(body.targetUrl):
        raise APIError(400, "target_url_not_allowed", "targetUrl must be a public address")
    config = body.filterConfig.model_dump(exclude_none=True)
    fresh = new_secret()
    row = await user.db.run(extras.subscribe, user.id, body.targetUrl, fresh, config, user.now,
                            write=True)  # fmt: skip
    answer = {"id": row.id, "secret": row.secret, "targetUrl": row.target_url,
              "filterConfig": config}  # fmt: skip
    return JSONResponse(answer, status_code=201 if row.secret == fresh else 200)


@webhooks_router.delete(
    "/webhooks/subscribe", response_model=Unsubscribed, tags=["Webhooks"], responses=errors(404)
)
async def unsubscribe(body: UnsubscribeIn, user: CurrentUser) -> Response:
    """Stop a subscription, by ``id`` or ``targetUrl``; deliveries still queued are dropped."""
    row = await user.db.run(extras.unsubscribe, user.id, body.id, body.targetUrl, write=True)
    if row is None:
        raise not_found("Subscription")
    return JSONResponse({"id": row.id, "deleted": True})
