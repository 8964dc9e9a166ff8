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


async def test_enum_sent_as_an_object_is_the_apps_400(client: httpx.AsyncClient) -> None:
    """A v1 ``grade`` that is an object (unhashable) goes up untouched; v2 refuses it."""
    response = await client.post("/v1/widgets", json={"name": "w", "grade": {}, "parts": []})
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_FAILED"
    assert (await client.get("/api/v2/widgets")).json()["data"] == []


async def test_body_that_is_not_json_is_the_envelope_400(client: httpx.AsyncClient) -> None:
    """FastAPI's own 400 for undecodable bytes leaves in v2's envelope, not ``{detail}``."""
    response = await client.post(
        "/api/v2/widgets", content=b"\xff", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "There was an error parsing the body",
        "code": "BAD_REQUEST",
    }
