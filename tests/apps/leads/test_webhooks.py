"""Webhooks: subscriptions, the SSRF guard, and signed deliveries from the durable outbox."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from standardwebhooks.webhooks import Webhook
from tests.apps.leads.conftest import Env, User, founders, start, stop

from segue_apps.common.clock import now_ms


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that fails the first ``failures`` attempts of each
    message (by ``webhook-id``) with 500, then answers 204; it records every attempt."""

    failures: int
    attempts: list[tuple[float, dict[str, str], bytes, int]] = field(default_factory=list)
    url: str = ""

    def delivered(self) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for _, h, b, status in self.attempts if status == 204]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver(failures=2)
    seen: dict[str, int] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with lock:
                count = seen[headers["webhook-id"]] = seen.get(headers["webhook-id"], 0) + 1
                status = 500 if count <= made.failures else 204
                made.attempts.append((time.monotonic(), headers, body, status))
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    made.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield made
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
async def open_env(db_url: str) -> AsyncIterator[Env]:
    """The service on the real clock, allowing private webhook addresses."""
    made, lifespan = await start(db_url, clock=now_ms, allow_private_webhooks=True)
    try:
        yield made
    finally:
        await stop(made, lifespan)


async def test_subscriptions_and_the_ssrf_guard(user: User) -> None:
    """Private targets are refused; the same URL keeps its id; segmentId is refused."""
    for url in ("http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://localhost/x",
                "http://[::1]/x", "http://169.254.169.254/latest"):  # fmt: skip
        answer = await user.client.post("/api/v2/webhooks/subscribe", json={"targetUrl": url})
        assert answer.status_code == 400, url
        assert answer.json()["error"] == "target_url_not_allowed"
    url = "https://hooks.example.com/leads"
    made = await user.client.post("/api/v2/webhooks/subscribe", json={"targetUrl": url})
    assert made.status_code == 201
    assert made.json()["secret"].startswith("whsec_")
    again = await user.client.post("/api/v2/webhooks/subscribe", json={
        "targetUrl": url, "filterConfig": {"matchConfidence": "high"}})  # fmt: skip
    assert again.status_code == 200
    assert (again.json()["id"], again.json()["secret"]) == (
        made.json()["id"],
        made.json()["secret"],
    )
    segment = await user.client.post("/api/v2/webhooks/subscribe", json={
        "targetUrl": url, "filterConfig": {"segmentId": "s1"}})  # fmt: skip
    assert segment.status_code == 400
    assert "streamId" in segment.json()["message"]
    gone = await user.client.request("DELETE", "/api/v2/webhooks/subscribe",
                                     json={"id": made.json()["id"]})  # fmt: skip
    assert gone.json() == {"id": made.json()["id"], "deleted": True}
    assert (await user.client.request("DELETE", "/api/v2/webhooks/subscribe",
                                      json={"targetUrl": url})).status_code == 404  # fmt: skip


async def test_v1_filters_in_v1_words(user: User) -> None:
    """trackedAccountId and full/maybe in v1; savedSearchId is kept but matches nothing."""
    url = "https://hooks.example.com/v1"
    made = await user.client.post("/api/v1/webhooks/subscribe", json={
        "targetUrl": url,
        "filterConfig": {"trackedAccountId": "a1", "matchConfidence": "full"}})  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["filterConfig"] == {"trackedAccountId": "a1", "matchConfidence": "full"}
    seen = await user.client.post("/api/v2/webhooks/subscribe", json={"targetUrl": url})
    assert seen.json()["id"] == made.json()["id"]
    old = await user.client.post("/api/v1/webhooks/subscribe", json={
        "targetUrl": url + "/2", "filterConfig": {"savedSearchId": "s1"}})  # fmt: skip
    assert old.json()["filterConfig"] == {"savedSearchId": "s1"}


async def test_a_receiver_that_fails_twice_gets_each_lead_once_signed(
    open_env: Env, receiver: Receiver
) -> None:
    """Each new high lead is retried after about 1 and 2 s, then delivered once; the
    signature verifies and the data is the lead as GET /api/v2/leads shows it."""
    user = await open_env.new_user()
    subscribed = await user.client.post("/api/v2/webhooks/subscribe", json={
        "targetUrl": receiver.url, "filterConfig": {"matchConfidence": "high"}})  # fmt: skip
    assert subscribed.status_code == 201, subscribed.text
    secret = subscribed.json()["secret"]
    made = await user.stream(founders())
    await user.ran(made["id"])
    high = (await user.client.get("/api/v2/leads?matchConfidence=high")).json()["leads"]
    assert high
    deadline = time.monotonic() + 20
    while len(receiver.delivered()) < len(high):
        assert time.monotonic() < deadline, receiver.attempts
        await asyncio.sleep(0.1)
    await user.ran(made["id"])  # a re-run finds no new lead: nothing more is sent
    await asyncio.sleep(1.5)
    delivered = receiver.delivered()
    assert len(delivered) == len(high) == len({h["webhook-id"] for h, _ in delivered})
    by_id = {lead["id"]: lead for lead in high}
    for headers, body in delivered:
        event = Webhook(secret).verify(body, headers)
        assert event["type"] == "lead.created"
        assert event["data"] == by_id[event["data"]["id"]]
        assert event["timestamp"] == event["data"]["discoveredAt"]
        attempts = [
            t for t, h, _, _ in receiver.attempts if h["webhook-id"] == headers["webhook-id"]
        ]
        assert len(attempts) == 3
        assert attempts[1] - attempts[0] >= 0.9
        assert attempts[2] - attempts[1] >= 1.9
    assert len(receiver.attempts) == 3 * len(high)
    assert orjson.loads(delivered[0][1])["data"]["matchConfidence"] == "high"
