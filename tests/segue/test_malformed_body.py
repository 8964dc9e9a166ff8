"""A malformed JSON body on an old route with request changes reaches the app's own 400."""

from __future__ import annotations

from typing import Any

import httpx


async def test_malformed_json_on_translated_route_is_the_apps_400(
    client: httpx.AsyncClient, widget: dict[str, Any]
) -> None:
    """segue does not crash parsing it: the body goes up untouched, the error comes down."""
    v2 = await client.patch(
        "/api/v2/widgets/w1", content=b"{bad", headers={"content-type": "application/json"}
    )
    v1 = await client.put(
        "/v1/widgets/w1", content=b"{bad", headers={"content-type": "application/json"}
    )
    assert v1.status_code == v2.status_code == 400
    assert set(v1.json()) <= {"error", "code", "path"}
    assert v1.json()["code"] == v2.json()["code"]
