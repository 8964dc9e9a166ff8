"""Lookups, DM templates, notification settings and API keys (v2)."""

from __future__ import annotations

from tests.apps.leads.conftest import Env, User


async def test_lookups_spend_credits_and_keep_history(user: User) -> None:
    """enrich and enrich-email cost a credit each and appear in their histories."""
    profile = await user.client.post("/api/v2/lookups/enrich", json={"handle": "jack"})
    assert profile.status_code == 200, profile.text
    assert profile.json()["profile"]["handle"] == "jack"
    assert profile.json()["creditsRemaining"] == 99
    email = await user.client.post("/api/v2/lookups/enrich-email", json={"handle": "jack"})
    assert email.json()["email"].startswith("jack@")
    assert email.json()["creditsRemaining"] == 98
    failed = await user.client.post("/api/v2/lookups/enrich", json={"handle": "privatejo"})
    assert failed.json()["error"] == "handle_protected"
    history = (await user.client.get("/api/v2/lookups/enrich/history")).json()["items"]
    assert [h["handle"] for h in history] == ["jack"]
    emails = (await user.client.get("/api/v2/lookups/enrich-email/history")).json()["items"]
    assert emails[0]["result"]["email"] == email.json()["email"]


async def test_segment_from_description(user: User) -> None:
    """Labels, gender and tiers are read from the words of the description."""
    wanted = {"description": "Women founders and investors, micro"}
    made = await user.client.post("/api/v2/lookups/segments/from-description", json=wanted)
    assert made.status_code == 201
    body = made.json()
    assert body["labels"] == ["founders", "investors"]
    assert body["gender"] == "female"
    assert body["followerTiers"] == ["micro"]
    listed = (await user.client.get("/api/v2/segments")).json()["segments"]
    assert [s["id"] for s in listed] == [body["id"]]


async def test_deleting_an_api_key_revokes_it(env: Env, user: User) -> None:
    """The key listed in /me can be deleted; it then answers 401."""
    keys = (await user.client.get("/api/v2/me")).json()["apiKeys"]
    other = await env.new_user()
    assert (await other.client.delete(f"/api/v2/lookups/api-keys/{keys[0]['id']}")).status_code \
        == 404  # fmt: skip
    assert (await user.client.delete(f"/api/v2/lookups/api-keys/{keys[0]['id']}")).status_code \
        == 204  # fmt: skip
    assert (await user.client.get("/api/v2/me")).status_code == 401


async def test_dm_templates(user: User) -> None:
    """Create, list, get, replace, delete."""
    made = await user.client.post("/api/v2/dm-templates", json={"name": "Hi", "body": "Hello!"})
    assert made.status_code == 201
    template_id = made.json()["id"]
    path = f"/api/v2/dm-templates/{template_id}"
    replaced = await user.client.put(path, json={"name": "Hey", "body": "Hey there"})
    assert replaced.json()["body"] == "Hey there"
    assert (await user.client.get(path)).json()["name"] == "Hey"
    listed = (await user.client.get("/api/v2/dm-templates")).json()["templates"]
    assert [t["id"] for t in listed] == [template_id]
    assert (await user.client.delete(path)).status_code == 204
    assert (await user.client.get(path)).status_code == 404


async def test_notification_settings(user: User) -> None:
    """Defaults until set; PUT replaces."""
    first = (await user.client.get("/api/v2/notification-settings")).json()
    assert first["emailDigest"] == "daily"
    put = await user.client.put("/api/v2/notification-settings",
                                json={"emailDigest": "weekly", "newLeadEmail": True})  # fmt: skip
    assert put.json() == first | {"emailDigest": "weekly", "newLeadEmail": True}
    assert (await user.client.get("/api/v2/notification-settings")).json() == put.json()
