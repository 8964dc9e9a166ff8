"""Leads: polling filters, lifecycle on exportedAt, summaries, feedback, enrich, export."""

from __future__ import annotations

from typing import Any

from tests.apps.leads.conftest import Env, User, founders

LEAD_KEYS = {"id", "streamId", "trackedXAccountId", "segmentId", "matchConfidence", "sourceType",
             "discoveredAt", "exportedAt", "feedbackStatus", "email", "profile"}  # fmt: skip


async def _two_streams(user: User) -> tuple[dict[str, Any], dict[str, Any]]:
    a = await user.stream(founders("jack"))
    b = await user.stream(founders("jill"))
    await user.ran(a["id"])
    await user.ran(b["id"])
    return a, b


async def test_filters_and_summaries_count_what_is_listed(user: User) -> None:
    """streamId, matchConfidence, since; summary=true counts what the same query lists."""
    a, _b = await _two_streams(user)
    every = (await user.client.get("/api/v2/leads?limit=500")).json()
    assert set(every["leads"][0]) == LEAD_KEYS
    assert every["total"] == len(every["leads"])
    assert every["hasMore"] is False
    only_a = (await user.client.get(f"/api/v2/leads?streamId={a['id']}&limit=500")).json()
    assert {lead["streamId"] for lead in only_a["leads"]} == {a["id"]}
    for confidence in ("high", "medium"):
        query = f"streamId={a['id']}&matchConfidence={confidence}"
        listed = (await user.client.get(f"/api/v2/streams/{a['id']}/leads?{query}")).json()
        counted = (await user.client.get(f"/api/v2/streams/{a['id']}/leads?{query}"
                                         "&summary=true")).json()  # fmt: skip
        key = "highFitCount" if confidence == "high" else "mediumFitCount"
        assert counted[key] == listed["total"] > 0
        assert {lead["matchConfidence"] for lead in listed["leads"]} == {confidence}
    later = (await user.client.get("/api/v2/leads?since=2099-01-01T00:00:00Z")).json()
    assert (
        later == {"leads": [], "streams": [], "total": 0, "hasMore": False} or later["total"] == 0
    )
    bad = await user.client.get("/api/v2/leads?since=yesterday")
    assert bad.status_code == 400


async def test_pages_and_group_by_stream(user: User) -> None:
    """limit/offset pages with total and hasMore; groupBy=stream groups the page."""
    a, b = await _two_streams(user)
    total = (await user.client.get("/api/v2/leads")).json()["total"]
    page = (await user.client.get("/api/v2/leads?limit=3&offset=2")).json()
    assert len(page["leads"]) == 3
    assert page["total"] == total
    assert page["hasMore"] is True
    grouped = (await user.client.get("/api/v2/leads?groupBy=stream&limit=500")).json()
    assert {g["streamId"] for g in grouped["streams"]} == {a["id"], b["id"]}
    assert sum(len(g["leads"]) for g in grouped["streams"]) == total == grouped["total"]


async def test_lifecycle_follows_export(user: User) -> None:
    """lifecycle=new (default) until exported, then lifecycle=exported."""
    _a, _ = await _two_streams(user)
    fresh = (await user.client.get("/api/v2/leads")).json()
    lead = fresh["leads"][0]
    exported = await user.client.post(f"/api/v2/leads/{lead['id']}/export")
    assert exported.json()["exportedAt"] is not None
    again = await user.client.post(f"/api/v2/leads/{lead['id']}/export")
    assert again.json()["exportedAt"] == exported.json()["exportedAt"]
    new = (await user.client.get("/api/v2/leads")).json()
    assert new["total"] == fresh["total"] - 1
    for lifecycle, total in (("new", fresh["total"] - 1), ("exported", 1), ("all", fresh["total"])):
        counted = (await user.client.get(f"/api/v2/leads?limit=1&lifecycle={lifecycle}")).json()
        assert counted["total"] == total, lifecycle
    assert lead["id"] not in {x["id"] for x in new["leads"]}
    done = (await user.client.get("/api/v2/leads?lifecycle=exported")).json()
    assert [x["id"] for x in done["leads"]] == [lead["id"]]
    every = (await user.client.get("/api/v2/leads?lifecycle=all")).json()
    assert every["total"] == fresh["total"]


async def test_feedback_and_enrich(env: Env, user: User) -> None:
    """Feedback shows as feedbackStatus; enrich spends a credit once."""
    _a, _ = await _two_streams(user)
    lead = (await user.client.get("/api/v2/leads")).json()["leads"][0]
    given = await user.client.post(f"/api/v2/leads/{lead['id']}/feedback",
                                   json={"status": "good"})  # fmt: skip
    assert given.json()["feedbackStatus"] == "good"
    assert (await user.client.post(f"/api/v2/leads/{lead['id']}/feedback",
                                   json={"status": "meh"})).status_code == 400  # fmt: skip
    first = (await user.client.post(f"/api/v2/leads/{lead['id']}/enrich")).json()
    second = (await user.client.post(f"/api/v2/leads/{lead['id']}/enrich")).json()
    assert first["creditsRemaining"] == second["creditsRemaining"] == 99
    assert first["lead"]["email"].startswith(lead["profile"]["handle"])
    assert (await user.client.post("/api/v2/leads/nope/enrich")).status_code == 404
