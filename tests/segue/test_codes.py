"""ErrorCodeMapped: several newer error codes answered as one old code, over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

import segue
import segue.changes
from segue import (
    Change,
    DeclarationError,
    ErrorCodeMapped,
    ErrorEnvelopeReshaped,
    Segue,
    Version,
)
from segue.guide import Guide

CODES = {"TABLE_NOT_FOUND": "NOT_FOUND", "ROW_NOT_FOUND": "NOT_FOUND"}
# v2 `{error, code, details?}`; v1 `{message, kind}`: the code moves, so the order matters.
RESHAPE = ErrorEnvelopeReshaped(
    old={"message": "message", "code": "kind"},
    new={"message": "error", "code": "code", "details": "details"},
)


class ErrorBody(BaseModel):
    error: str
    code: Literal["TABLE_NOT_FOUND", "ROW_NOT_FOUND", "BAD_INPUT"]
    details: dict[str, Any] | None = None


ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": ErrorBody}, 404: {"model": ErrorBody}}


def newest_app() -> FastAPI:
    """v2: tables and rows that are missing by name, one bad input, one 2xx naming a code."""
    app = FastAPI()

    @app.get("/api/v2/tables/{table_id}", responses=ERRORS)
    async def table(table_id: str) -> Any:
        if table_id == "missing":
            return JSONResponse({"error": "Table not found", "code": "TABLE_NOT_FOUND"}, 404)
        if table_id == "bad":
            body = {"error": "Bad input", "code": "BAD_INPUT", "details": {"why": "bad"}}
            return JSONResponse(body, 400)
        return {"table_id": table_id}

    @app.get("/api/v2/tables/{table_id}/rows/{row_id}", responses=ERRORS)
    async def row(table_id: str, row_id: str) -> Any:
        return JSONResponse({"error": "Row not found", "code": "ROW_NOT_FOUND"}, 404)

    @app.get("/api/v2/last-error")
    async def last_error() -> dict[str, str]:
        return {"code": "TABLE_NOT_FOUND"}

    return app


def versioned(changes: Sequence[Change]) -> Segue:
    return Segue(newest_app(), [Version("v2", ["/api/v2"]), Version("v1", ["/v1"], changes)])


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """v1 declares the reshape, then the code mapping on the newer envelope's ``code``."""
    app = versioned([RESHAPE, ErrorCodeMapped(CODES)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_each_newer_code_answers_as_the_one_old_code(client: httpx.AsyncClient) -> None:
    """Two v2 404 codes are both v1's `NOT_FOUND`, in v1's envelope, status kept."""
    table = await client.get("/v1/tables/missing")
    assert table.status_code == 404
    assert table.json() == {"message": "Table not found", "kind": "NOT_FOUND"}
    row = await client.get("/v1/tables/t1/rows/r1")
    assert row.status_code == 404
    assert row.json() == {"message": "Row not found", "kind": "NOT_FOUND"}


async def test_codes_not_named_pass_unchanged(client: httpx.AsyncClient) -> None:
    """A code the mapping does not name keeps its spelling."""
    response = await client.get("/v1/tables/bad")
    assert response.status_code == 400
    assert response.json() == {"message": "Bad input", "kind": "BAD_INPUT"}


async def test_newest_version_and_successful_bodies_are_untouched(
    client: httpx.AsyncClient,
) -> None:
    """v2 errors keep their codes; a 2xx body holding a mapped value is not an error body."""
    v2 = await client.get("/api/v2/tables/missing")
    assert v2.json() == {"error": "Table not found", "code": "TABLE_NOT_FOUND"}
    success = await client.get("/v1/last-error")
    assert success.status_code == 200
    assert success.json() == {"code": "TABLE_NOT_FOUND"}


async def test_declared_before_the_reshape_it_reads_the_old_envelope() -> None:
    """Going down, changes run last declared first: declared before the reshape, the code
    is found at the old envelope's `kind`."""
    app = versioned([ErrorCodeMapped(CODES, path="kind"), RESHAPE])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        response = await c.get("/v1/tables/missing")
    assert response.json() == {"message": "Table not found", "kind": "NOT_FOUND"}


async def test_routes_scope_the_mapping() -> None:
    """Scoped to the table route, the row route's code passes unchanged."""
    app = versioned([RESHAPE, ErrorCodeMapped(CODES, routes=["GET /tables/{table_id}"])])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        table = await c.get("/v1/tables/missing")
        row = await c.get("/v1/tables/t1/rows/r1")
    assert table.json()["kind"] == "NOT_FOUND"
    assert row.json()["kind"] == "ROW_NOT_FOUND"


async def test_openapi_error_enum_has_the_old_codes_once(client: httpx.AsyncClient) -> None:
    """v1's 404 schema lists `NOT_FOUND` once in place of the codes it stands for."""
    doc = (await client.get("/v1/openapi.json")).json()
    responses = doc["paths"]["/v1/tables/{table_id}"]["get"]["responses"]
    schema = responses["404"]["content"]["application/json"]["schema"]
    assert schema["properties"]["kind"]["enum"] == ["NOT_FOUND", "BAD_INPUT"]
    v2 = (await client.get("/api/v2/openapi.json")).json()
    assert "TABLE_NOT_FOUND" in str(v2["components"]["schemas"]["ErrorBody"])


def test_guide_lists_the_codes_in_fields_and_behaviour() -> None:
    """The guide has a field row for errors and a behaviour line naming every code."""
    markdown = Guide(versioned([RESHAPE, ErrorCodeMapped(CODES)]).api).markdown()
    assert (
        "| every route | errors | `code` | `code` | "
        "v2 codes `TABLE_NOT_FOUND` and `ROW_NOT_FOUND` are all `NOT_FOUND` in v1 |"
    ) in markdown
    assert (
        "- Every route: error `code` `NOT_FOUND` of v1 is `TABLE_NOT_FOUND` or "
        "`ROW_NOT_FOUND` in v2; a client checking for `NOT_FOUND` checks for each of them "
        "in v2."
    ) in markdown


@pytest.mark.parametrize(
    ("codes", "path"),
    [
        ({}, "code"),
        ({"TABLE_NOT_FOUND": ""}, "code"),
        ({"TABLE_NOT_FOUND": 404}, "code"),
        ({"NOT_FOUND": "NOT_FOUND"}, "code"),
        (CODES, "details[0]"),
    ],
    ids=["empty", "empty-code", "not-a-string", "to-itself", "path-ends-in-an-index"],
)
def test_bad_declarations_fail_when_declared(codes: Any, path: str) -> None:
    """Bad arguments raise DeclarationError at declaration, not per request."""
    with pytest.raises(DeclarationError):
        ErrorCodeMapped(codes, path=path)


def test_exported_from_segue_and_segue_changes() -> None:
    """The kind is public where every other change kind is."""
    assert "ErrorCodeMapped" in segue.__all__
    assert "ErrorCodeMapped" in segue.changes.__all__
    assert segue.ErrorCodeMapped is segue.changes.ErrorCodeMapped
