"""Adapters declare the query parameters they read, and the old version's OpenAPI shows them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from segue import Caller, DeclarationError, Request, Response, Segue, Version, adapter
from segue_apps.demo.app import create_app, error_body

TAGS = {"type": "array", "items": {"type": "string"}}


@adapter(
    "POST /widgets/{id}/tag",
    status_code=201,
    query_params=[
        {"name": "tag", "schema": TAGS, "description": "Repeatable: `?tag=a&tag=b`"},
        {"name": "dry_run", "schema": {"type": "boolean"}},
        {"name": "note"},
    ],
)
async def tag(request: Request, call: Caller) -> Response:
    """Tag a widget (v1 only): answers the tags it read."""
    tags = [value for name, value in request.query if name == "tag"]
    return Response(201, {"id": request.path_params["id"], "tags": tags})


@adapter("GET /widgets/{widget_id}", query_params=[{"name": "include", "required": True}])
async def show(request: Request, call: Caller) -> Response:
    """v1 always names what to include."""
    return await call.forward()


def _client() -> httpx.AsyncClient:
    v1 = Version("v1", ["/v1"], adapters=[tag, show])
    app = Segue(create_app(), [Version("v2", ["/api/v2"]), v1], error_body=error_body)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def _v1_document() -> dict[str, Any]:
    async with _client() as client:
        found = await client.get("/v1/openapi.json")
        assert found.status_code == 200
        return dict(found.json())


async def test_an_adapter_route_shows_its_query_parameters() -> None:
    op = (await _v1_document())["paths"]["/v1/widgets/{id}/tag"]["post"]
    by_name = {(p["in"], p["name"]): p for p in op["parameters"]}
    assert set(by_name) == {("path", "id"), ("query", "tag"), ("query", "dry_run"),
                            ("query", "note")}  # fmt: skip
    assert by_name["query", "tag"] == {
        "name": "tag",
        "in": "query",
        "required": False,
        "schema": TAGS,
        "description": "Repeatable: `?tag=a&tag=b`",
    }
    assert by_name["query", "dry_run"]["schema"] == {"type": "boolean"}
    assert by_name["query", "note"]["schema"] == {"type": "string"}


async def test_a_declared_parameter_replaces_the_newer_routes_one() -> None:
    op = (await _v1_document())["paths"]["/v1/widgets/{widget_id}"]["get"]
    include = [p for p in op["parameters"] if p["name"] == "include"]
    assert len(include) == 1
    assert include[0]["required"] is True
    assert include[0]["schema"] == {"type": "string"}


async def test_the_adapter_reads_repeated_parameters() -> None:
    async with _client() as client:
        made = await client.post("/v1/widgets/w1/tag", params=[("tag", "a"), ("tag", "b")])
        assert made.status_code == 201
        assert made.json() == {"id": "w1", "tags": ["a", "b"]}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([{"schema": TAGS}], "needs a name"),
        ([{"name": ""}], "needs a name"),
        ([{"name": "tag", "in": "header"}], "unknown keys"),
        ([{"name": "tag"}, {"name": "tag"}], "declared twice"),
    ],
)
def test_bad_query_parameters_are_refused(params: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(DeclarationError, match=message):
        adapter("POST /x", query_params=params)(tag.handler)
