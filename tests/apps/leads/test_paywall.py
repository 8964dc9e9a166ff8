"""Every paywall code of the seed's table, reached from a fresh user in a few calls, with
the listed status and exactly ``{"error", "message"}``."""

from __future__ import annotations

import httpx
import pytest
from tests.apps.leads.conftest import Env, User, founders

from segue_apps.leads.plans import PAYWALL, TIERS


def _paywalled(answer: httpx.Response, code: str) -> None:
    assert answer.status_code == PAYWALL[code][0], answer.text
    body = answer.json()
    assert set(body) == {"error", "message"}
    assert body["error"] == code
    assert body["message"]


async def test_free_retest_limit(env: Env) -> None:
    """A free user's re-test: 403 free_retest_limit (2 calls)."""
    free = await env.new_user(plan="free")
    made = await free.stream(founders())
    assert made["stream"]["pairs"][0]["tier"] == "free"
    _paywalled(await free.client.post(f"/api/v2/streams/{made['id']}/re-test"),
               "free_retest_limit")  # fmt: skip


@pytest.mark.parametrize(("tier", "code"), [("starter", "retest_limit"),
                                             ("growth", "retest_limit"),
                                             ("pro", "retest_limit_pro")])  # fmt: skip
async def test_retest_budget_exhausted(env: Env, tier: str, code: str) -> None:
    """The tier's monthly re-tests, then 403 with the tier's code (at most 7 calls)."""
    paying = await env.new_user(plan="pro")
    made = await paying.stream(founders(tier=tier))
    path = f"/api/v2/streams/{made['id']}/re-test"
    for _ in range(TIERS[tier].monthly_retests):
        assert (await paying.client.post(path)).status_code == 202
    _paywalled(await paying.client.post(path), code)
    me = (await paying.client.get("/api/v2/me")).json()
    assert me["accounts"][0]["monthlyRetest"]["remaining"] == 0


async def test_daily_sync_limit(user: User) -> None:
    """A growth account's 4 daily syncs, then 403 daily_sync_limit (6 calls)."""
    made = await user.stream(founders())
    path = f"/api/v2/streams/{made['id']}/run"
    for _ in range(TIERS["growth"].daily_syncs):
        assert (await user.client.post(path)).status_code == 202
    _paywalled(await user.client.post(path), "daily_sync_limit")
    me = (await user.client.get("/api/v2/me")).json()
    assert me["accounts"][0]["dailySync"] == {"used": 4, "limit": 4, "remaining": 0}
    assert me["totals"]["dailySyncRemaining"] == 0


async def test_free_account_limit(env: Env) -> None:
    """A free user tracking a second account: 403 free_account_limit, nothing written."""
    free = await env.new_user(plan="free")
    made = await free.client.post("/api/v2/segments", json=founders()["segment"])
    segment = made.json()["id"]
    pairs = [{"handle": "a", "segmentId": segment}, {"handle": "b", "segmentId": segment}]
    _paywalled(await free.client.post("/api/v2/streams", json={"pairs": pairs}),
               "free_account_limit")  # fmt: skip
    await free.stream(pairs[0])
    _paywalled(await free.client.post("/api/v2/streams", json={"pairs": pairs[1:]}),
               "free_account_limit")  # fmt: skip


async def test_free_account_ip_duplicate(env: Env) -> None:
    """The second free user from one signup IP: 409; without --signup-ip, never."""
    first = await env.new_user(plan="free", signup_ip="203.0.113.7")
    second = await env.new_user(plan="free", signup_ip="203.0.113.7")
    await first.stream(founders())
    answer = await second.client.post("/api/v2/streams", json={"pairs": [founders()]})
    _paywalled(answer, "free_account_ip_duplicate")
    for _ in range(2):
        await (await env.new_user(plan="free")).stream(founders())


async def test_subscription_required(env: Env) -> None:
    """A lapsed subscription: 403 on stream create, run, re-test and wake."""
    lapsed = await env.new_user(subscription="lapsed")
    me = (await lapsed.client.get("/api/v2/me")).json()
    assert me["subscriptionStatus"] == "lapsed"
    _paywalled(await lapsed.client.post("/api/v2/streams", json={"pairs": [founders()]}),
               "subscription_required")  # fmt: skip
    for path in ("/api/v2/streams/x/run", "/api/v2/streams/x/re-test",
                 "/api/v2/accounts/x/wake"):  # fmt: skip
        _paywalled(await lapsed.client.post(path), "subscription_required")


async def test_stream_cap_exceeded(user: User) -> None:
    """A growth account in 3 active streams: the 4th is 400; archiving one frees a place."""
    made = [await user.stream(founders()) for _ in range(TIERS["growth"].streams_per_account)]
    _paywalled(await user.client.post("/api/v2/streams", json={"pairs": [founders()]}),
               "stream_cap_exceeded")  # fmt: skip
    await user.client.delete(f"/api/v2/streams/{made[0]['id']}")
    await user.stream(founders())


async def test_stream_multi_segment(env: Env) -> None:
    """On the starter plan a stream's pairs span one segment; growth may span more."""
    starter = await env.new_user(plan="starter")
    other = {"name": "E", "description": "Engineers", "labels": ["engineers"]}
    pairs = [founders("a"), {"handle": "a", "segment": other}]
    _paywalled(await starter.client.post("/api/v2/streams", json={"pairs": pairs}),
               "stream_multi_segment")  # fmt: skip
    growth = await env.new_user()
    await growth.stream(*pairs)


async def test_credits_exhausted(env: Env) -> None:
    """Enrichment without credits: 429 on each enrichment route."""
    broke = await env.new_user(credits=0)
    for path in ("/api/v2/lookups/enrich", "/api/v2/lookups/enrich-email"):
        _paywalled(await broke.client.post(path, json={"handle": "jack"}), "credits_exhausted")
    one = await env.new_user(credits=1)
    made = await one.stream(founders())
    await one.ran(made["id"])
    lead_ids = [lead["id"] for lead in (await one.client.get("/api/v2/leads")).json()["leads"]]
    enriched = await one.client.post(f"/api/v2/leads/{lead_ids[0]}/enrich")
    assert enriched.json()["creditsRemaining"] == 0
    assert "@" in enriched.json()["lead"]["email"]
    _paywalled(await one.client.post(f"/api/v2/leads/{lead_ids[1]}/enrich"), "credits_exhausted")
    me = (await one.client.get("/api/v2/me")).json()
    assert me["credits"] == {"balance": 0, "lowBalance": True}
