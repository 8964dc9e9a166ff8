"""Webhook deliveries: the durable outbox's handler (kind ``webhook_delivery``).

Each new lead matching a subscription is a job, queued in the transaction that wrote the
lead (its dedupe key names the subscription and the lead, so it is queued once). The
handler POSTs ``{type: "lead.created", timestamp, data: <lead>}`` signed per the Standard
Webhooks specification (``webhook-id`` is ``msg_<job id>``, the same on every attempt,
for the receiver to deduplicate; ``webhook-timestamp``; ``webhook-signature:
v1,<base64 HMAC-SHA256>`` of ``id.timestamp.body`` with the subscription's secret). Any
answer but a 2xx, or no answer, is retried after 1, 2, 4… s up to the cap
(``--webhook-retry-cap-ms``); a subscription removed meanwhile ends the job quietly.
Redirects are not followed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from standardwebhooks.webhooks import Webhook

from segue_apps.common.db import Database
from segue_apps.common.jobs import Handler, Job, JobContext, JobFailed
from segue_apps.leads.settings import Settings
from segue_apps.leads.ssrf import resolves_internal
from segue_apps.leads.store import extras
from segue_apps.leads.store.common import iso


class DeliveryFailed(Exception):
    """The receiver did not answer 2xx (retried)."""


def event_body(job: Job) -> bytes:
    """The delivery's body, the same bytes on every attempt."""
    event = {"type": "lead.created", "timestamp": iso(job.payload["at"]),
             "data": job.payload["lead"]}  # fmt: skip
    return orjson.dumps(event)


def delivery_handler(db: Database, settings: Settings) -> Handler:
    """The handler of ``webhook_delivery`` jobs."""

    async def handle(job: Job, context: JobContext) -> Any:
        sub = await db.run(extras.subscription, job.payload["subscription_id"])
        if sub is None:
            return {"delivered": False, "reason": "unsubscribed"}
        if not settings.allow_private_webhooks and await resolves_internal(sub.target_url):
            raise JobFailed("target_url_not_allowed", "the target resolves to an internal address")
        body = event_body(job)
        message_id = f"msg_{job.id}"
        now = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(sub.secret).sign(message_id, now, body),
        }
        try:
            async with httpx.AsyncClient(timeout=10, follow_redirects=False) as client:
                answer = await client.post(sub.target_url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"{type(error).__name__}: {error}") from None
        if not 200 <= answer.status_code < 300:
            raise DeliveryFailed(f"the receiver answered {answer.status_code}")
        return {"delivered": True, "status": answer.status_code, "attempt": job.attempts}

    return handle
