"""Streams, segments and accounts over HTTP (v2)."""

from __future__ import annotations

from tests.apps.leads.conftest import Env, User, founders


async def test_labels_and_segments_with_linked_stream_counts(user: User) -> None:
    """Labels are listed; a segment counts the active streams that use it."""
    labels = (await user.client.get("/api/v2/segments/labels")).json()["labels"]
    assert {"slug": "founders", "name": "Founders"} in labels
    made = await user.client.post("/api/v2/segments", json={
        "name": "Women founders", "description": "founders", "labels": ["founders"],
        "gender": "female", "followerTiers": ["nano", "micro"]})  # fmt: skip
    assert made.status_code == 201, made.text
    segment = made.json()
    assert segment["followerTiers"] == ["nano", "micro"]
    assert segment["gender"] == "female"
    await user.stream({"handle": "jack", "segmentId": segment["id"]})
    second = await user.stream({"handle": "jill", "segmentId": segment["id"]})
    await user.client.delete(f"/api/v2/streams/{second['id']}")
    listed = (await user.client.get("/api/v2/segments")).json()["segments"]
    assert [(s["id"], s["linkedStreamCount"]) for s in listed] == [(segment["id"], 1)]


async def test_a_label_that_does_not_exist_is_an_orphan(user: User) -> None:
    """400 orphan_label, exactly the paywall envelope, from a segment or an inline one."""
    bad = {"name": "x", "description": "x", "labels": ["astronauts"]}
    answer = await user.client.post("/api/v2/segments", json=bad)
    assert answer.status_code == 400
    assert set(answer.json()) == {"error", "message"}
    assert answer.json()["error"] == "orphan_label"
    inline = await user.client.post(
        "/api/v2/streams", json={"pairs": [{"handle": "a", "segment": bad}]}
    )
    assert inline.json()["error"] == "orphan_label"
    assert (await user.client.get("/api/v2/segments")).json()["segments"] == []


async def test_one_shot_create_then_get_with_pairs(user: User) -> None:
    """Handles are tracked, inline segments created, the schedule kept."""
    made = await user.stream(founders("jack", tier="pro"), syncTimes=["09:00", "18:45"],
                             timezone="Europe/Lisbon", emailMode="daily")  # fmt: skip
    assert made["accounts"][0] | {"accountId": "x"} == {
        "handle": "jack",
        "accountId": "x",
        "accountCreated": True,
        "billingDelta": 1,
    }
    assert made["segments"][0]["segmentCreated"] is True
    got = (await user.client.get(f"/api/v2/streams/{made['id']}")).json()
    assert got["syncTimes"] == ["09:00", "18:45"]
    assert got["timezone"] == "Europe/Lisbon"
    [pair] = got["pairs"]
    assert (pair["handle"], pair["tier"], pair["segment"]["name"]) == ("jack", "pro", "Founders")
    again = await user.stream({"handle": "JACK", "segmentId": pair["segmentId"]})
    assert again["accounts"][0]["accountCreated"] is False


async def test_bad_schedules_and_handles_are_refused(user: User) -> None:
    """Off-boundary times, unknown zones and impossible handles are 400."""
    for config in ({"syncTimes": ["09:10"]}, {"timezone": "Mars/Olympus"},
                   {"timezone": "../etc"}):  # fmt: skip
        answer = await user.client.post("/api/v2/streams", json={"pairs": [founders()], **config})
        assert answer.status_code == 400, config
        assert answer.json()["error"] == "validation_failed"
        assert answer.json()["details"]
    long = await user.client.post("/api/v2/streams", json={"pairs": [founders("x" * 16)]})
    assert long.status_code == 400


async def test_handles_that_do_not_resolve(user: User) -> None:
    """missing… 404, private… 422, offline… 503, each the seed's code; nothing is written."""
    for handle, status, code in (("missingbob", 404, "handle_not_found"),
                                 ("privatebob", 422, "handle_protected"),
                                 ("offlinebob", 503, "handle_lookup_failed")):  # fmt: skip
        answer = await user.client.post("/api/v2/streams", json={"pairs": [founders(handle)]})
        assert (answer.status_code, answer.json()["error"]) == (status, code)
    assert (await user.client.get("/api/v2/accounts")).json() == {"active": [], "sleeping": []}


async def test_patch_replaces_pairs_and_orphans_stay_tracked_until_slept(user: User) -> None:
    """The server diffs the pairs; an account left in no stream is still active."""
    made = await user.stream(founders("jack"), founders("jill"))
    pairs = made["stream"]["pairs"]
    keep = {"accountId": pairs[0]["accountId"], "segmentId": pairs[0]["segmentId"]}
    patched = await user.client.patch(f"/api/v2/streams/{made['id']}", json={
        "pairs": [keep, founders("joe")], "name": "Renamed", "syncTimes": ["07:30"]})  # fmt: skip
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["name"] == "Renamed"
    assert body["syncTimes"] == ["07:30"]
    assert body["diff"]["removed"] == [pairs[1]["id"]]
    assert len(body["diff"]["added"]) == 1
    assert [p["handle"] for p in body["pairs"]] == ["jack", "joe"]
    accounts = (await user.client.get("/api/v2/accounts")).json()
    jill = next(a for a in accounts["active"] if a["handle"] == "jill")
    assert jill["assignedSegmentIds"] == []
    assert jill["streamIds"] == []
    slept = await user.client.post(f"/api/v2/accounts/{jill['id']}/sleep")
    assert slept.json() == {"success": True, "accountId": jill["id"], "asleep": True}
    accounts = (await user.client.get("/api/v2/accounts")).json()
    assert [a["handle"] for a in accounts["sleeping"]] == ["jill"]
    woken = await user.client.post(f"/api/v2/accounts/{jill['id']}/wake")
    assert woken.json() == {"success": True, "accountId": jill["id"], "awake": True}


async def test_delete_archives(user: User) -> None:
    """An archived stream is listed under status=archived, cannot run or change."""
    made = await user.stream(founders())
    archived = await user.client.delete(f"/api/v2/streams/{made['id']}")
    assert archived.json()["status"] == "archived"
    assert archived.json()["archivedAt"]
    assert (await user.client.get("/api/v2/streams")).json()["streams"] == []
    listed = (await user.client.get("/api/v2/streams?status=archived")).json()["streams"]
    assert [s["id"] for s in listed] == [made["id"]]
    assert (await user.client.post(f"/api/v2/streams/{made['id']}/run")).status_code == 409
    assert (await user.client.patch(f"/api/v2/streams/{made['id']}",
                                    json={"name": "x"})).status_code == 409  # fmt: skip


async def test_change_tier_upgrades_now_and_downgrades_next_month(user: User) -> None:
    """An upgrade is immediate; a downgrade is pending until the first of next month."""
    made = await user.stream(founders(tier="starter"))
    account_id = made["accounts"][0]["accountId"]
    up = await user.client.post(f"/api/v2/accounts/{account_id}/change-tier", json={"tier": "pro"})
    assert (up.json()["tier"], up.json()["pendingTier"]) == ("pro", None)
    down = await user.client.post(f"/api/v2/accounts/{account_id}/change-tier",
                                  json={"tier": "growth"})  # fmt: skip
    assert down.json()["tier"] == "pro"
    assert down.json()["pendingTier"] == "growth"
    assert down.json()["pendingTierEffectiveAt"] == "2027-01-01T00:00:00.000Z"


async def test_another_users_ids_are_not_found(env: Env, user: User) -> None:
    """404 for another user's stream, account, run, segment and lead."""
    made = await user.stream(founders())
    run = await user.ran(made["id"])
    lead = (await user.client.get("/api/v2/leads?limit=1")).json()["leads"][0]
    other = await env.new_user()
    stream_id, account_id = made["id"], made["accounts"][0]["accountId"]
    for method, path in (("GET", f"/api/v2/streams/{stream_id}"),
                         ("GET", f"/api/v2/streams/{stream_id}/runs/{run['id']}"),
                         ("GET", f"/api/v2/streams/{stream_id}/leads"),
                         ("POST", f"/api/v2/accounts/{account_id}/sleep"),
                         ("POST", f"/api/v2/leads/{lead['id']}/export")):  # fmt: skip
        answer = await other.client.request(method, path)
        assert answer.status_code == 404, path
        assert answer.json()["error"] == "not_found"
    borrowed = await other.client.post("/api/v2/streams", json={"pairs": [
        {"accountId": account_id, "segmentId": lead["segmentId"]}]})  # fmt: skip
    assert borrowed.status_code == 404
