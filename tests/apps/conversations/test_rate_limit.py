"""Per-key rate limiting with X-RateLimit-* headers."""

from __future__ import annotations


async def test_headers_on_every_response_and_429(make_env):
    """Each response carries the limit headers; the request over the limit is 429."""
    env = await make_env(rate_limit=3)
    api = env.tenant.client
    window_end = (env.clock.now // 60_000 + 1) * 60
    remaining = []
    for _ in range(3):
        response = await api.get("/api/v2/conversations")
        assert response.status_code == 200
        assert response.headers["x-ratelimit-limit"] == "3"
        assert response.headers["x-ratelimit-reset"] == str(window_end)
        remaining.append(response.headers["x-ratelimit-remaining"])
    assert remaining == ["2", "1", "0"]
    refused = await api.get("/api/v2/conversations")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-ratelimit-remaining"] == "0"


async def test_limit_is_per_key_and_resets(make_env):
    """Another key has its own budget, and a new window restores it."""
    env = await make_env(rate_limit=1)
    api = env.tenant.client
    assert (await api.get("/api/v2/keys")).status_code == 200
    assert (await api.get("/api/v2/keys")).status_code == 429
    other = await env.new_org()
    assert (await other.client.get("/api/v2/keys")).status_code == 200
    env.clock.advance(60_000)
    assert (await api.get("/api/v2/keys")).status_code == 200


async def test_off_by_default(api):
    """Without a rate limit there are no rate-limit headers."""
    response = await api.get("/api/v2/conversations")
    assert "x-ratelimit-limit" not in response.headers
