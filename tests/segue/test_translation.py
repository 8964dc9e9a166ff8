"""Every change kind of the demo API, driven over HTTP in both versions."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from segue import FieldRenamed, Segue, Version

PARTS = [{"part_id": "w1p0", "label": "head"}, {"part_id": "w1p1", "label": "shaft"}]


async def test_v2_passes_through_untouched(
    client: httpx.AsyncClient, widget: dict[str, Any]
) -> None:
    """A newest-version request reaches the app as sent and comes back as the app answered."""
    response = await client.get("/api/v2/widgets/w1")
    assert response.status_code == 200
    assert response.json() == {
        "widget_id": "w1",
        "name": "Bolt",
        "grade": "high",
        "color": "red",
        "created_at": 1710000000000,
        "parts": None,
    }
    assert "deprecation" not in response.headers


@pytest.mark.parametrize("prefix", ["/v1", "/api/v1"])
async def test_v1_get_renames_maps_enum_and_includes_parts(
    client: httpx.AsyncClient, widget: dict[str, Any], prefix: str
) -> None:
    """v1 get: `id`, v1 grade spelling, no `color`, computed `legacy_code`, parts by default."""
    response = await client.get(f"{prefix}/widgets/w1")
    assert response.status_code == 200
    assert response.json() == {
        "id": "w1",
        "name": "Bolt",
        "grade": "full",
        "created_at": 1710000000000,
        "parts": PARTS,
        "legacy_code": "L-w1",
    }


async def test_v1_fields_exclusion_maps_to_no_include(
    client: httpx.AsyncClient, widget: dict[str, Any]
) -> None:
    """`?fields=!parts` in v1 is v2's default: no parts."""
    response = await client.get("/v1/widgets/w1?fields=!parts")
    assert response.json()["parts"] is None


async def test_v1_repeated_queries_translate_each_time_alike(
    client: httpx.AsyncClient, widget: dict[str, Any]
) -> None:
    """Translated query strings are remembered per route: asking again, or asking another
    way in between, gives each query its own answer."""
    for query in ["fields=!parts", "fields=parts", "fields=!parts", "", "fields=parts"]:
        response = await client.get(f"/v1/widgets/w1?{query}")
        assert response.status_code == 200
        assert response.json()["parts"] == (None if query == "fields=!parts" else PARTS)


async def test_v1_create_goes_through_adapter_and_fills_new_field(
    client: httpx.AsyncClient,
) -> None:
    """v1 create: enum mapped up, `color` defaulted, answer carries parts (two v2 calls)."""
    response = await client.post(
        "/v1/widgets", json={"name": "Nut", "grade": "maybe", "parts": ["thread"]}
    )
    assert response.status_code == 201
    assert response.json() == {
        "id": "w1",
        "name": "Nut",
        "grade": "maybe",
        "created_at": 1710000000000,
        "parts": [{"part_id": "w1p0", "label": "thread"}],
        "legacy_code": "L-w1",
    }
    stored = (await client.get("/api/v2/widgets/w1")).json()
    assert (stored["grade"], stored["color"]) == ("medium", "grey")


async def test_v1_put_is_v2_patch(client: httpx.AsyncClient, widget: dict[str, Any]) -> None:
    """v1 PUT /widgets/{id} reaches v2 PATCH /widgets/{widget_id}; v1 has no PATCH."""
    response = await client.put("/v1/widgets/w1", json={"grade": "none"})
    assert response.status_code == 200
    assert response.json()["grade"] == "none"
    assert (await client.get("/api/v2/widgets/w1")).json()["grade"] == "low"
    refused = await client.patch("/v1/widgets/w1", json={"grade": "none"})
    assert refused.status_code == 405
    assert refused.headers["allow"] == "DELETE, GET, PUT"
    assert refused.json() == {"error": "PATCH is not allowed", "code": "METHOD_NOT_ALLOWED"}


async def test_v1_list_renames_items_and_drops_total(
    client: httpx.AsyncClient, widget: dict[str, Any]
) -> None:
    """Renames and enum maps reach into list items; v2-only `pagination.total` is dropped."""
    response = await client.get("/v1/widgets")
    assert response.json() == {
        "data": [
            {
                "id": "w1",
                "name": "Bolt",
                "grade": "full",
                "color": "red",
                "created_at": 1710000000000,
                "parts": None,
            }
        ],
        "pagination": {"limit": 20, "next_cursor": None},
    }
    v2 = (await client.get("/api/v2/widgets")).json()
    assert v2["pagination"] == {"limit": 20, "next_cursor": None, "total": 1}


async def test_v1_search_pagination_is_top_level(
    client: httpx.AsyncClient, widget: dict[str, Any]
) -> None:
    """v2 `pagination.next_cursor` is v1's top-level `next_cursor`; `limit` is dropped."""
    response = await client.get("/v1/widgets/search?q=bol")
    assert response.json() == {
        "data": [{"id": "w1", "name": "Bolt", "snippet": "Bolt"}],
        "next_cursor": None,
    }
    v2 = (await client.get("/api/v2/widgets/search?q=bol")).json()
    assert v2["pagination"] == {"limit": 20, "next_cursor": None}


async def test_validation_error_in_each_envelope(client: httpx.AsyncClient) -> None:
    """v2's `{error, code, details, handoff}` is v1's `{error, code, path}`."""
    v1 = await client.post("/v1/widgets", json={"grade": "full"})
    assert v1.status_code == 400
    assert v1.json() == {"error": "request is invalid", "code": "VALIDATION_FAILED", "path": "name"}
    v2 = await client.post("/api/v2/widgets", json={"grade": "high", "color": "red"})
    assert v2.status_code == 400
    assert set(v2.json()) == {"error", "code", "details", "handoff"}
    assert v2.json()["details"]["issues"][0]["path"] == "name"


async def test_route_absent_in_v1_is_404(client: httpx.AsyncClient) -> None:
    """`/stats` exists only in v2; v1 answers 404 in its own envelope."""
    assert (await client.get("/api/v2/stats")).status_code == 200
    response = await client.get("/v1/stats")
    assert response.status_code == 404
    assert response.json() == {"error": "no route GET /stats in v1", "code": "NOT_FOUND"}


async def test_removed_route_is_410_naming_replacement(client: httpx.AsyncClient) -> None:
    """A retired v1 route answers 410 and says what to call instead."""
    response = await client.get("/v1/widgets/w1/summary")
    assert response.status_code == 410
    assert response.json() == {
        "error": "GET /widgets/{id}/summary was removed from v1: "
        "use GET /api/v2/widgets/{widget_id}",
        "code": "GONE",
    }


async def test_adapter_calls_newest_several_times(
    client: httpx.AsyncClient, widget: dict[str, Any]
) -> None:
    """v1-only clone = v2 get + v2 create + v2 get, answered in v1 spelling."""
    response = await client.post("/v1/widgets/w1/clone")
    assert response.status_code == 201
    assert response.json() == {
        "id": "w2",
        "name": "Bolt",
        "grade": "full",
        "created_at": 1710000000001,
        "parts": [{"part_id": "w2p0", "label": "head"}, {"part_id": "w2p1", "label": "shaft"}],
        "legacy_code": "L-w2",
    }
    missing = await client.post("/v1/widgets/w9/clone")
    assert missing.status_code == 404
    assert missing.json() == {"error": "widget not found", "code": "NOT_FOUND"}


async def test_v1_delete_passes_empty_body(
    client: httpx.AsyncClient, widget: dict[str, Any]
) -> None:
    """A 204 with no body crosses the version boundary unchanged."""
    response = await client.delete("/v1/widgets/w1")
    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get("/api/v2/widgets/w1")).status_code == 404


async def test_unversioned_path_goes_to_app(client: httpx.AsyncClient) -> None:
    """Paths outside every version prefix are the app's business."""
    response = await client.get("/elsewhere")
    assert response.status_code == 404


async def test_version_header_selects_version(make_client: Any) -> None:
    """With a version header configured, its value picks the version over the path."""
    async with make_client(version_header="API-Version") as client:
        await client.post("/api/v2/widgets", json={"name": "Bolt", "grade": "high", "color": "red"})
        response = await client.get("/api/v2/widgets/w1", headers={"API-Version": "v1"})
        assert response.json()["id"] == "w1"
        assert response.headers["deprecation"] == "@1767225600"
        unknown = await client.get("/api/v2/widgets/w1", headers={"API-Version": "v7"})
        assert unknown.status_code == 404
        assert unknown.json() == {"error": "unknown API version", "code": "NOT_FOUND"}


async def test_old_prefix_below_the_newest_still_reaches_its_version() -> None:
    """With the newest version at ``/api`` and v1 at ``/api/v1``, ``/api/v1/...`` is v1:
    the newest's shortcut past segue's look-ups applies only where no prefix lies below."""
    newest = FastAPI()

    @newest.get("/api/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"thing_id": thing_id}

    app = Segue(
        newest,
        [Version("v2", ["/api"]), Version("v1", ["/api/v1"], [FieldRenamed("id", "thing_id")])],
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/api/things/7")).json() == {"thing_id": "7"}
        assert (await client.get("/api/v1/things/7")).json() == {"id": "7"}
