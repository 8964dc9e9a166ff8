"""Authentication with bearer API keys."""

from __future__ import annotations

import pytest

UNAUTHORIZED = {"UNAUTHORIZED"}


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Basic abc",
        "Bearer as_live_short",
        "Bearer as_live_" + "A" * 40,
    ],
)
async def test_missing_or_invalid_key_is_401(env, header):
    """Requests without a valid key get 401 UNAUTHORIZED in the envelope."""
    client = env.client()
    headers = {"Authorization": header} if header else {}
    response = await client.get("/api/v2/conversations", headers=headers)
    assert response.status_code == 401
    assert set(response.json()) == {"error"}
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


async def test_last_used_at_is_recorded_cheaply(env, api):
    """last_used_at is set on use and refreshed at most once a minute."""
    created = (await api.post("/api/v2/keys", json={"name": "k"})).json()
    other = env.client(created["key"])
    first_use = env.clock.now
    await other.get("/api/v2/keys")

    async def last_used() -> int:
        keys = (await api.get("/api/v2/keys")).json()["data"]
        return next(k["last_used_at"] for k in keys if k["key_id"] == created["key_id"])

    assert await last_used() == first_use
    env.clock.advance(30_000)
    await other.get("/api/v2/keys")
    assert await last_used() == first_use
    env.clock.advance(30_000)
    await other.get("/api/v2/keys")
    assert await last_used() == env.clock.now
