"""Every route of both versions needs ``Authorization: Bearer ctgo_…``; else 401."""

from __future__ import annotations

import re

from tests.apps.leads.conftest import Env, User

BAD_KEYS = (None, "ctgo_" + "x" * 40, "as_live_" + "x" * 40, "ctgo_short")


async def _operations(user: User) -> list[tuple[str, str, bool]]:
    """``(method, path, retired)`` of every operation of every version's document."""
    versions = (await user.client.get("/_segue/versions")).json()["versions"]
    out = []
    for version in versions:
        document = (await user.client.get(version["openapi"])).json()
        for path, item in document["paths"].items():
            for method, operation in item.items():
                retired = set(operation.get("responses", {})) == {"410"}
                out.append((method.upper(), re.sub(r"\{[^}]+\}", "x", path), retired))
    return out


async def test_every_route_refuses_a_missing_or_wrong_key(env: Env, user: User) -> None:
    """401 in the version's envelope; retired v1 routes answer their 410 to anyone."""
    operations = await _operations(user)
    assert len(operations) > 60
    for key in BAD_KEYS:
        client = env.client(key)
        for method, path, retired in operations:
            answer = await client.request(method, path)
            if retired:
                assert answer.status_code == 410, path
                continue
            assert answer.status_code == 401, (method, path, key)
            body = answer.json()
            code = body["error"]["code"] if path.startswith("/api/v1") else body["error"]
            assert code == "unauthorized", (method, path)


async def test_bootstrap_makes_a_new_user_each_time(env: Env) -> None:
    """Two bootstraps, two users with their own keys; the defaults as documented."""
    first, second = await env.new_user(), await env.new_user(plan="pro", credits=7)
    assert first.id != second.id
    assert first.key.startswith("ctgo_")
    me = (await first.client.get("/api/v2/me")).json()
    assert (me["plan"], me["credits"]["balance"], me["subscriptionStatus"]) == (
        "growth", 100, "active")  # fmt: skip
    other = (await second.client.get("/api/v2/me")).json()
    assert (other["id"], other["plan"], other["credits"]["balance"]) == (second.id, "pro", 7)


async def test_v1_lookups_at_their_old_paths(user: User) -> None:
    """enrich-email and its history, and api-keys/{id}, at v1's paths."""
    found = await user.client.post("/api/v1/enrich-email", json={"handle": "jill"})
    assert found.json()["email"].startswith("jill@")
    history = (await user.client.get("/api/v1/enrich-email/history")).json()["items"]
    assert [h["handle"] for h in history] == ["jill"]
    key_id = (await user.client.get("/api/v1/me")).json()["apiKeys"][0]["id"]
    assert (await user.client.delete(f"/api/v1/api-keys/{key_id}")).status_code == 204
    assert (await user.client.get("/api/v1/me")).status_code == 401
