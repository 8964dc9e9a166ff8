"""Analytics: summary, time series, tags."""

from __future__ import annotations

from datetime import UTC, datetime

DAY = 86_400_000


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).replace(tzinfo=UTC).timestamp() * 1000)


async def _seed(env, api, create) -> None:
    """Two conversations on 2024-01-01 and one on 2024-01-03 (12:00 UTC)."""
    env.clock.now = _ms("2024-01-01T12:00:00")
    first = await create(api, messages=[{"role": "user", "content": "a", "token_count": 10}])
    await create(api, messages=[{"role": "user", "content": "b", "token_count": 20}])
    await api.post(f"/api/v2/conversations/{first['conversation_id']}/tags", json={"tags": ["vip"]})
    env.clock.now = _ms("2024-01-03T12:00:00")
    await create(
        api,
        messages=[
            {"role": "user", "content": "c", "token_count": 5},
            {"role": "assistant", "content": "d", "token_count": 5},
        ],
    )


async def test_summary(env, api, create):
    """Summary counts conversations, messages and tokens in the period, with averages."""
    await _seed(env, api, create)
    params = {"start": _ms("2024-01-01T00:00:00"), "end": _ms("2024-01-04T00:00:00")}
    response = await api.get("/api/v2/analytics/summary", params=params)
    assert response.status_code == 200
    assert response.json() == {
        "project_id": env.tenant.project_id,
        "total_conversations": 3,
        "total_messages": 4,
        "total_tokens": 40,
        "avg_messages_per_conversation": 1.33,
        "avg_tokens_per_conversation": 13.33,
        "period": params,
    }


async def test_summary_default_period_is_last_30_days(env, api):
    """Without start/end the period is the 30 days ending now."""
    body = (await api.get("/api/v2/analytics/summary")).json()
    assert body["period"] == {"start": env.clock.now - 30 * DAY, "end": env.clock.now}
    assert body["total_conversations"] == 0
    assert body["avg_messages_per_conversation"] == 0.0


async def test_timeseries_fills_every_day(env, api, create):
    """Daily buckets cover the whole period, zeros included."""
    await _seed(env, api, create)
    params = {
        "metric": "conversations",
        "granularity": "day",
        "start": _ms("2024-01-01T00:00:00"),
        "end": _ms("2024-01-04T00:00:00"),
    }
    response = await api.get("/api/v2/analytics/timeseries", params=params)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"project_id", "metric", "granularity", "period", "data"}
    assert body["data"] == [
        {"bucket": "2024-01-01", "value": 2},
        {"bucket": "2024-01-02", "value": 0},
        {"bucket": "2024-01-03", "value": 1},
        {"bucket": "2024-01-04", "value": 0},
    ]


async def test_timeseries_tokens_by_week_month_and_hour(env, api, create):
    """Tokens aggregate per ISO week (Monday label), per month and per hour."""
    await _seed(env, api, create)
    base = {"metric": "tokens", "start": _ms("2023-12-31T00:00:00"), "end": _ms("2024-01-03T23:00")}
    week = await api.get("/api/v2/analytics/timeseries", params=base | {"granularity": "week"})
    assert week.json()["data"] == [
        {"bucket": "2023-12-25", "value": 0},
        {"bucket": "2024-01-01", "value": 40},
    ]
    month = await api.get("/api/v2/analytics/timeseries", params=base | {"granularity": "month"})
    assert month.json()["data"] == [
        {"bucket": "2023-12", "value": 0},
        {"bucket": "2024-01", "value": 40},
    ]
    hour_params = {
        "metric": "messages",
        "granularity": "hour",
        "start": _ms("2024-01-03T11:00:00"),
        "end": _ms("2024-01-03T13:00:00"),
    }
    hour = await api.get("/api/v2/analytics/timeseries", params=hour_params)
    assert hour.json()["data"] == [
        {"bucket": "2024-01-03T11:00Z", "value": 0},
        {"bucket": "2024-01-03T12:00Z", "value": 2},
        {"bucket": "2024-01-03T13:00Z", "value": 0},
    ]


async def test_timeseries_rejects_bad_metric(api):
    """An unknown metric is 400 naming metric."""
    response = await api.get("/api/v2/analytics/timeseries", params={"metric": "nope"})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("metric:")


async def test_tag_analytics(env, api, create):
    """Tags analytics counts tagged conversations, their messages and tokens."""
    await _seed(env, api, create)
    params = {"start": _ms("2024-01-01T00:00:00"), "end": _ms("2024-01-04T00:00:00")}
    response = await api.get("/api/v2/analytics/tags", params=params)
    assert response.status_code == 200
    assert response.json() == {
        "project_id": env.tenant.project_id,
        "period": params,
        "data": [{"tag": "vip", "conversation_count": 1, "message_count": 1, "token_count": 10}],
    }


async def test_other_project_id_is_not_found(env, api):
    """A project_id other than the key's is 404 on every analytics route."""
    other = await env.new_project()
    for route in ("summary", "timeseries", "tags"):
        response = await api.get(
            f"/api/v2/analytics/{route}", params={"project_id": other.project_id}
        )
        assert response.status_code == 404, route
    same = await api.get("/api/v2/analytics/summary", params={"project_id": env.tenant.project_id})
    assert same.status_code == 200


async def test_start_after_end_is_bad_request(api):
    """start later than end is 400."""
    response = await api.get("/api/v2/analytics/summary", params={"start": 10, "end": 5})
    assert response.status_code == 400
