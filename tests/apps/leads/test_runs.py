"""Stream runs: durable jobs that classify followers into leads, never twice."""

from __future__ import annotations

import asyncio

from tests.apps.leads.conftest import Env, User, founders


async def test_a_run_completes_with_leads_and_rerunning_never_duplicates(user: User) -> None:
    """queued → completed; a second run finds the same profiles and adds no lead."""
    made = await user.stream(founders("jack"), founders("jill"))
    started = await user.client.post(f"/api/v2/streams/{made['id']}/run")
    assert started.status_code == 202
    assert started.json()["status"] in ("queued", "running")
    first = await user.settled(made["id"], started.json()["id"])
    assert first["status"] == "completed"
    assert first["profilesScanned"] == 2000
    assert first["leadsCreated"] > 0
    assert first["startedAt"]
    assert first["finishedAt"]
    again = await user.ran(made["id"])
    assert again["leadsCreated"] == 0
    leads = (await user.client.get("/api/v2/leads?limit=500")).json()
    assert leads["total"] == first["leadsCreated"] == len(leads["leads"])
    assert len({lead["profile"]["xUserId"] for lead in leads["leads"]}) == leads["total"]
    summary = (await user.client.get(f"/api/v2/streams/{made['id']}/leads?summary=true")).json()
    assert summary["highFitCount"] >= 2
    assert summary["mediumFitCount"] >= 2
    assert summary["highFitCount"] + summary["mediumFitCount"] == leads["total"]


async def test_runs_are_listed_per_stream_and_across_streams(user: User) -> None:
    """GET /streams/{id}/runs and GET /runs, newest first."""
    a = await user.stream(founders("jack"))
    b = await user.stream(founders("jill"))
    run_a = await user.ran(a["id"])
    run_b = await user.ran(b["id"])
    per = (await user.client.get(f"/api/v2/streams/{a['id']}/runs")).json()["runs"]
    assert [r["id"] for r in per] == [run_a["id"]]
    flat = (await user.client.get("/api/v2/runs")).json()["runs"]
    assert {r["id"] for r in flat} == {run_a["id"], run_b["id"]}
    assert (await user.client.get(f"/api/v2/streams/{b['id']}/runs/{run_a['id']}")).status_code \
        == 404  # fmt: skip


async def test_retest_scopes_to_an_account_or_segment(user: User) -> None:
    """Re-test with {accountId} queues only that account's pairs, one run."""
    made = await user.stream(founders("jack"), founders("jill"))
    jill = made["stream"]["pairs"][1]
    answer = await user.client.post(f"/api/v2/streams/{made['id']}/re-test",
                                    json={"accountId": jill["accountId"]})  # fmt: skip
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert [q["pairId"] for q in body["queued"]] == [jill["id"]]
    assert body["skipped"] == []
    run = await user.settled(made["id"], body["queued"][0]["runId"])
    assert run["kind"] == "retest"
    assert run["scope"] == {"accountId": jill["accountId"]}
    assert run["profilesScanned"] == 1000
    everything = await user.client.post(f"/api/v2/streams/{made['id']}/re-test")
    assert len(everything.json()["queued"]) == 2
    unknown = await user.client.post(f"/api/v2/streams/{made['id']}/re-test",
                                     json={"segmentId": "nope"})  # fmt: skip
    assert unknown.status_code == 404


async def test_sleeping_accounts_are_skipped(user: User) -> None:
    """A slept account's pairs are skipped by re-tests (account_sleeping) and runs."""
    made = await user.stream(founders("jack"), founders("jill"))
    jill = made["stream"]["pairs"][1]
    await user.client.post(f"/api/v2/accounts/{jill['accountId']}/sleep")
    body = (await user.client.post(f"/api/v2/streams/{made['id']}/re-test")).json()
    assert [s["reason"] for s in body["skipped"]] == ["account_sleeping"]
    run = await user.ran(made["id"])
    assert run["pairIds"] == [made["stream"]["pairs"][0]["id"]]


async def test_a_scheduled_sync_fires_once_per_slot(env: Env, user: User) -> None:
    """At 09:00 in Lisbon (09:00 UTC in December) the stream runs once, however often the
    schedule is looked at; the next slot runs again."""
    made = await user.stream(founders(), syncTimes=["09:00", "09:15"], timezone="Europe/Lisbon")
    env.now = 1_796_461_200_000 + 60_000  # 2026-12-05T09:01:00Z
    await asyncio.sleep(0.4)  # the schedule loop looks every 50 ms
    runs = (await user.client.get("/api/v2/runs")).json()["runs"]
    assert [r["kind"] for r in runs] == ["scheduled"]
    env.now += 14 * 60_000  # 09:15
    await asyncio.sleep(0.4)
    runs = (await user.client.get(f"/api/v2/streams/{made['id']}/runs")).json()["runs"]
    assert [r["kind"] for r in runs] == ["scheduled", "scheduled"]
    done = await user.settled(made["id"], runs[1]["id"])
    assert done["status"] == "completed"
    assert done["leadsCreated"] > 0
