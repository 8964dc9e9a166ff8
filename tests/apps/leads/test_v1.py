"""v1 through segue: deprecated, the old vocabulary, 410s naming v2 routes, adapters."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from tests.apps.leads.conftest import Env, User, founders

from segue_apps.leads.service import versioned

REMOVED = {
    ("POST", "/api/v1/tracked-accounts"): "POST /api/v2/streams",
    ("PUT", "/api/v1/saved-searches/s1"): "PATCH /api/v2/streams/{id}",
    ("DELETE", "/api/v1/saved-searches/s1"): "DELETE /api/v2/streams/{id}",
    ("GET", "/api/v1/sync-settings"): "GET /api/v2/streams/{id}",
    ("PUT", "/api/v1/sync-settings"): "PATCH /api/v2/streams/{id}",
}


def _deprecated(answer: httpx.Response) -> None:
    assert answer.headers["deprecation"].startswith("@")
    assert 'rel="deprecation"' in answer.headers["link"]
    assert "/_segue/guide" in answer.headers["link"]


async def test_every_v1_answer_is_deprecated_errors_included(env: Env, user: User) -> None:
    """Deprecation and Link on successes, refusals, 401s and 410s; no Sunset by default."""
    anonymous = env.client()
    for answer in (await user.client.get("/api/v1/me"),
                   await anonymous.get("/api/v1/me"),
                   await user.client.get("/api/v1/sync-settings"),
                   await user.client.get("/api/v1/saved-searches/nope")):  # fmt: skip
        _deprecated(answer)
        assert "sunset" not in answer.headers
    assert "deprecation" not in (await user.client.get("/api/v2/me")).headers


async def test_sunset_when_the_command_line_sets_one(env: Env, user: User) -> None:
    """--v1-sunset adds the Sunset header."""
    app = versioned(env.asgi.app if hasattr(env.asgi, "app") else env.asgi,
                    sunset_at=datetime(2099, 1, 1, tzinfo=UTC))  # fmt: skip
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {user.key}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
        answer = await c.get("/api/v1/me")
    assert answer.headers["sunset"] == "Thu, 01 Jan 2099 00:00:00 GMT"


async def test_removed_routes_answer_410_naming_the_v2_route(user: User) -> None:
    """Exactly the listed routes, in v1's envelope."""
    for (method, path), replacement in REMOVED.items():
        answer = await user.client.request(method, path)
        assert answer.status_code == 410, path
        error = answer.json()["error"]
        assert error["code"] == "gone"
        assert replacement in error["message"]
        assert error["details"] == {"replacement": replacement}
    document = (await user.client.get("/_segue/versions")).json()
    v1 = next(v for v in document["versions"] if v["name"] == "v1")
    paths = (await user.client.get(v1["openapi"])).json()["paths"]
    for method, path in REMOVED:
        operation = paths[path.replace("s1", "{id}")][method.lower()]
        assert operation["deprecated"] is True
        assert set(operation["responses"]) == {"410"}


async def test_v2_only_routes_are_absent(user: User) -> None:
    """Streams, runs by stream and leads by id do not exist in v1."""
    for method, path in (("GET", "/api/v1/streams"), ("POST", "/api/v1/leads/x/export"),
                         ("GET", "/api/v1/segments/labels")):  # fmt: skip
        assert (await user.client.request(method, path)).status_code == 404


async def test_people_of_interest_are_every_lead_in_v1_words(user: User) -> None:
    """full/maybe, trackedAccountId, savedSearchId; exported leads too; filters mapped."""
    made = await user.stream(founders("jack"))
    await user.ran(made["id"])
    v2 = (await user.client.get("/api/v2/leads?limit=500")).json()
    await user.client.post(f"/api/v2/leads/{v2['leads'][0]['id']}/export")
    people = (await user.client.get("/api/v1/people-of-interest?limit=500")).json()
    assert people["total"] == v2["total"]
    person = people["peopleOfInterest"][0]
    assert {"trackedAccountId", "savedSearchId"} <= set(person)
    assert not {"trackedXAccountId", "segmentId", "streamId"} & set(person)
    assert {p["matchConfidence"] for p in people["peopleOfInterest"]} == {"full", "maybe"}
    full = (await user.client.get("/api/v1/people-of-interest?matchConfidence=full")).json()
    high = (await user.client.get("/api/v2/leads?matchConfidence=high&lifecycle=all")).json()
    assert full["total"] == high["total"] > 0
    account_id = made["accounts"][0]["accountId"]
    mine = await user.client.get(f"/api/v1/people-of-interest?trackedAccountId={account_id}")
    assert mine.json()["total"] == v2["total"]


async def test_accounts_and_saved_searches(user: User) -> None:
    """Tracked accounts list, sleep (DELETE), wake (PUT), change-tier; saved searches."""
    made = await user.client.post("/api/v1/saved-searches", json=founders()["segment"])
    assert made.status_code == 201
    search_id = made.json()["id"]
    listed = (await user.client.get("/api/v1/saved-searches")).json()["savedSearches"]
    assert [s["id"] for s in listed] == [search_id]
    assert "linkedStreamCount" not in listed[0]
    got = await user.client.get(f"/api/v1/saved-searches/{search_id}")
    assert got.json()["name"] == "Founders"
    missing = await user.client.get("/api/v1/saved-searches/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    stream = await user.stream({"handle": "jack", "segmentId": search_id})
    account_id = stream["accounts"][0]["accountId"]
    tracked = (await user.client.get("/api/v1/tracked-accounts")).json()
    assert tracked["active"][0]["assignedSavedSearchIds"] == [search_id]
    slept = await user.client.delete(f"/api/v1/tracked-accounts/{account_id}")
    assert slept.json()["asleep"] is True
    woken = await user.client.put(f"/api/v1/tracked-accounts/{account_id}")
    assert woken.json()["awake"] is True
    tier = await user.client.post(f"/api/v1/tracked-accounts/{account_id}/change-tier",
                                  json={"tier": "pro"})  # fmt: skip
    assert tier.json()["tier"] == "pro"
    assert "assignedSavedSearchIds" in tier.json()


async def test_assignments_patch_the_stream_that_tracks_the_account(user: User) -> None:
    """POST saved-searches/{id}/assignments and PATCH tracked-accounts/{id} add a pair."""
    stream = await user.stream(founders("jack"))
    account_id = stream["accounts"][0]["accountId"]
    second = {"name": "F2", "description": "founders of startups", "labels": ["founders"]}
    other = (await user.client.post("/api/v1/saved-searches", json=second)).json()
    assigned = await user.client.post(f"/api/v1/saved-searches/{other['id']}/assignments",
                                      json={"trackedAccountId": account_id})  # fmt: skip
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["streamId"] == stream["id"]
    pairs = (await user.client.get(f"/api/v2/streams/{stream['id']}")).json()["pairs"]
    assert [p["segmentId"] for p in pairs] == [stream["stream"]["pairs"][0]["segmentId"],
                                               other["id"]]  # fmt: skip
    again = await user.client.patch(f"/api/v1/tracked-accounts/{account_id}",
                                    json={"savedSearchId": other["id"]})  # fmt: skip
    assert again.json()["assigned"] is True
    assert len((await user.client.get(f"/api/v2/streams/{stream['id']}")).json()["pairs"]) == 2


async def test_sync_explore_budget_status_history(user: User) -> None:
    """sync runs every stream, explore re-tests them; status and history read the runs."""
    assert (await user.client.get("/api/v1/sync-status")).json() == {"status": "idle",
                                                                    "lastSync": None}  # fmt: skip
    await user.stream(founders("jack"))
    await user.stream(founders("jill"))
    synced = await user.client.post("/api/v1/sync")
    assert synced.status_code == 202
    assert len(synced.json()["syncs"]) == 2
    explored = await user.client.post("/api/v1/explore")
    assert len(explored.json()["queued"]) == 2
    assert "savedSearchId" in explored.json()["queued"][0]
    for run in (await user.client.get("/api/v2/runs?limit=10")).json()["runs"]:
        await user.settled(run["streamId"], run["id"])
    budget = (await user.client.get("/api/v1/explore/budget")).json()
    assert [b["remaining"] for b in budget["trackedAccounts"]] == [2, 2]
    status = (await user.client.get("/api/v1/sync-status")).json()
    assert status["status"] == "completed"
    history = (await user.client.get("/api/v1/sync-history")).json()["syncs"]
    assert sorted(s["kind"] for s in history) == ["explore", "explore", "sync", "sync"]


async def test_sync_refusals_pass_through(env: Env) -> None:
    """When no stream may sync, v1 gets the paywall code in its envelope."""
    lapsed = await env.new_user(subscription="lapsed")
    assert (await lapsed.client.post("/api/v1/sync")).json() == {"syncs": [], "skipped": []}
    user = await env.new_user(plan="free")
    await user.stream(founders())
    answer = await user.client.post("/api/v1/explore")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "free_retest_limit"


async def test_feedback_lookups_and_utilities(user: User) -> None:
    """feedback by personOfInterestId; enrich, from-description and utilities at v1 paths."""
    made = await user.stream(founders())
    await user.ran(made["id"])
    person = (await user.client.get("/api/v1/people-of-interest")).json()["peopleOfInterest"][0]
    given = await user.client.post("/api/v1/feedback", json={"personOfInterestId": person["id"],
                                                             "status": "bad"})  # fmt: skip
    assert given.json()["feedbackStatus"] == "bad"
    assert given.json()["matchConfidence"] in ("full", "maybe")
    assert (await user.client.post("/api/v1/enrich", json={"handle": "jack"})).status_code == 200
    history = (await user.client.get("/api/v1/enrich/history")).json()["items"]
    assert len(history) == 1
    segment = await user.client.post("/api/v1/saved-searches/from-description",
                                     json={"description": "podcasters"})  # fmt: skip
    assert segment.json()["labels"] == ["podcasters"]
    template = await user.client.post("/api/v1/dm-templates", json={"name": "a", "body": "b"})
    assert template.status_code == 201
    settings = await user.client.get("/api/v1/notification-settings")
    assert settings.status_code == 200
