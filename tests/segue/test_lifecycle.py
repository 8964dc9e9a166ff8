"""Deprecation, Sunset and Link headers; 410 after sunset and inside brownouts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from segue import Brownout, Lifecycle, LifecycleError

DEPRECATED = datetime(2026, 1, 1, tzinfo=UTC)
SUNSET = datetime(2031, 12, 31, 23, 59, 59, tzinfo=UTC)


async def test_rfc9745_headers_on_every_v1_response(client: httpx.AsyncClient) -> None:
    """Deprecation as `@epoch`, Sunset as IMF-fixdate, Link with both relations."""
    response = await client.get("/v1/widgets")
    assert response.headers["deprecation"] == "@1767225600"
    assert response.headers["sunset"] == "Wed, 31 Dec 2031 23:59:59 GMT"
    assert response.headers["link"] == (
        '<https://example.test/migrate>; rel="deprecation", '
        '<https://example.test/api/v2>; rel="successor-version"'
    )
    missing = await client.get("/v1/stats")
    assert missing.headers["sunset"] == "Wed, 31 Dec 2031 23:59:59 GMT"


async def test_legacy_deprecation_form(make_client: Callable[..., httpx.AsyncClient]) -> None:
    """The legacy style sends `Deprecation: true` once the date has passed."""
    lifecycle = Lifecycle(DEPRECATED, SUNSET, deprecation_style="legacy", sunset_url="https://s")
    async with make_client(lifecycle=lifecycle) as client:
        response = await client.get("/v1/widgets")
    assert response.headers["deprecation"] == "true"
    assert response.headers["link"] == '<https://s>; rel="sunset"'


async def test_legacy_form_silent_before_deprecation(
    make_client: Callable[..., httpx.AsyncClient], clock: Any
) -> None:
    """Before its date, the legacy form says nothing about deprecation (Sunset still shows)."""
    clock.now = DEPRECATED - timedelta(days=1)
    lifecycle = Lifecycle(DEPRECATED, SUNSET, deprecation_style="legacy")
    async with make_client(lifecycle=lifecycle) as client:
        response = await client.get("/v1/widgets")
    assert "deprecation" not in response.headers
    assert response.headers["sunset"] == "Wed, 31 Dec 2031 23:59:59 GMT"


async def test_version_without_deprecation_sends_no_headers(
    make_client: Callable[..., httpx.AsyncClient],
) -> None:
    """A version declared with no deprecation carries none of the lifecycle headers."""
    async with make_client(lifecycle=Lifecycle()) as client:
        response = await client.get("/v1/widgets")
    assert response.status_code == 200
    assert not {"deprecation", "sunset", "link"} & set(response.headers)


async def test_headers_off_keeps_responses_silent(
    make_client: Callable[..., httpx.AsyncClient],
) -> None:
    """`headers=False` silences the headers while the dates stay in force."""
    lifecycle = Lifecycle(DEPRECATED, SUNSET, headers=False)
    async with make_client(lifecycle=lifecycle) as client:
        response = await client.get("/v1/widgets")
    assert not {"deprecation", "sunset", "link"} & set(response.headers)


@pytest.mark.parametrize("path", ["/v1/widgets", "/api/v1/widgets/w1", "/v1/nothing-here"])
async def test_after_sunset_every_route_is_410(
    client: httpx.AsyncClient, clock: Any, path: str
) -> None:
    """From the sunset instant on, every v1 route answers 410 in v1's envelope."""
    clock.now = SUNSET
    response = await client.get(path)
    assert response.status_code == 410
    assert response.json() == {
        "error": "API v1 was sunset on Wed, 31 Dec 2031 23:59:59 GMT; "
        "migrate as described at https://example.test/migrate",
        "code": "GONE",
    }
    assert 'rel="deprecation"' in response.headers["link"]
    assert (await client.get("/api/v2/widgets")).status_code == 200


async def test_one_second_before_sunset_still_serves(client: httpx.AsyncClient, clock: Any) -> None:
    """The instant before sunset is still served normally."""
    clock.now = SUNSET - timedelta(seconds=1)
    assert (await client.get("/v1/widgets")).status_code == 200


async def test_brownout_window_answers_410(
    make_client: Callable[..., httpx.AsyncClient], clock: Any
) -> None:
    """Inside a brownout window v1 is gone; outside it v1 serves."""
    window = Brownout(datetime(2026, 6, 1, 10, tzinfo=UTC), datetime(2026, 6, 1, 11, tzinfo=UTC))
    lifecycle = Lifecycle(DEPRECATED, SUNSET, migration_url="https://m", brownouts=[window])
    async with make_client(lifecycle=lifecycle) as client:
        clock.now = datetime(2026, 6, 1, 10, 30, tzinfo=UTC)
        inside = await client.get("/v1/widgets")
        clock.now = datetime(2026, 6, 1, 11, 0, tzinfo=UTC)
        after = await client.get("/v1/widgets")
    assert inside.status_code == 410
    assert inside.json()["error"] == (
        "API v1 is in a planned brownout; migrate as described at https://m"
    )
    assert after.status_code == 200


def test_sunset_before_deprecation_is_refused() -> None:
    """Impossible dates fail when declared, not when a request arrives."""
    with pytest.raises(LifecycleError, match="earlier than the deprecation"):
        Lifecycle(deprecated_at=SUNSET, sunset_at=DEPRECATED)


def test_naive_dates_are_refused() -> None:
    """A date without a timezone is ambiguous, so it is refused."""
    with pytest.raises(LifecycleError, match="timezone"):
        Lifecycle(deprecated_at=datetime(2026, 1, 1))


async def test_discovery_lists_versions_with_status(client: httpx.AsyncClient, clock: Any) -> None:
    """The discovery document lists every version, its prefixes, status and dates."""
    body: dict[str, Any] = (await client.get("/_segue/versions")).json()
    assert body["newest"] == "v2"
    v2, v1 = body["versions"]
    assert (v2["name"], v2["prefixes"], v2["status"]) == ("v2", ["/api/v2"], "active")
    assert (v1["name"], v1["prefixes"], v1["status"]) == ("v1", ["/v1", "/api/v1"], "deprecated")
    assert v1["sunset_at"] == "2031-12-31T23:59:59+00:00"
    assert v1["openapi"] == "/v1/openapi.json"
    clock.now = SUNSET
    assert (await client.get("/_segue/versions")).json()["versions"][1]["status"] == "sunset"
