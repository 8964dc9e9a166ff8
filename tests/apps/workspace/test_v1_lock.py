"""v1 is locked: its routes, shapes, headers and status codes, as openapi-v1.yaml gives them.

Every assertion here spells v1 out literally (keys, nesting, codes) rather than reading it
from ``versions.py``, so any change to what v1 answers fails a test. Runs on SQLite and,
when ``SEGUE_TEST_PG_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from tests.apps.workspace.conftest import Env, Tenant

from segue_apps.workspace.service import versioned

MakeTable = Callable[..., Awaitable[str]]
V1 = "/api/v1"
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
LIFECYCLE_HEADERS = ("deprecation", "sunset", "link")
TABLE_KEYS = {
    "id",
    "name",
    "workspaceId",
    "workspaceName",
    "rowCount",
    "columns",
    "defaultFilters",
    "defaultSort",
    "createdAt",
    "updatedAt",
}
BATCH_KEYS = {
    "batchId",
    "tableId",
    "type",
    "status",
    "rowCount",
    "enrichments",
    "failures",
    "creditsUsed",
    "createdAt",
    "completedAt",
}
V2_ONLY = [
    ("POST", "/tables"),
    ("GET", "/tables/{t}"),
    ("GET", "/tables/{t}/columns"),
    ("POST", "/tables/{t}/columns"),
    ("POST", "/tables/{t}/rows/upsert"),
    ("GET", "/tables/{t}/rows/{r}"),
    ("GET", "/tables/{t}/rows/{r}/cells/website"),
    ("GET", "/batches"),
    ("GET", "/workspaces"),
    ("POST", "/workspaces"),
    ("POST", "/workspaces/{w}/delete"),
    ("GET", "/workspaces/{w}/documents"),
    ("POST", "/workspaces/{w}/documents"),
    ("GET", "/workspaces/{w}/documents/{d}"),
    ("DELETE", "/workspaces/{w}/documents/{d}"),
    ("GET", "/account"),
    ("GET", "/account/credits"),
]


def assert_silent(response: httpx.Response) -> None:
    """No lifecycle announcement on v1 in this release."""
    for name in LIFECYCLE_HEADERS:
        assert name not in response.headers, f"{name}: {response.headers[name]}"


def assert_error(response: httpx.Response, status: int, code: str, **exact: Any) -> None:
    """A legacy v1 error: ``{error, code}`` plus exactly the context fields given."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "code", *exact}, body
    assert isinstance(body["error"], str)
    assert body["error"]
    assert body["code"] == code
    for key, value in exact.items():
        assert body[key] == value, (key, body)
    assert_silent(response)


async def _rows(api: httpx.AsyncClient, table_id: str) -> dict[str, Any]:
    response = await api.get(f"{V1}/tables/{table_id}/rows", params={"pageSize": 500})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def _insert(api: httpx.AsyncClient, table_id: str, **body: Any) -> httpx.Response:
    return await api.post(f"{V1}/tables/{table_id}/rows", json=body)


# --------------------------------------------------------------------------- routes


def test_v1_has_exactly_its_five_routes(env: Env) -> None:
    """The compiled v1 route table: five routes, none of v2's additions."""
    plan = versioned(env.app).api.plans[0]
    assert {str(key) for key in plan.keys} == {
        "GET /tables",
        "GET /tables/{tableId}/rows",
        "POST /tables/{tableId}/rows",
        "GET /batches/{batchId}",
        "GET /credits",
    }
    assert [v.prefixes for v in versioned(env.app).api.versions] == [["/api/v2"], ["/api/v1"]]


async def test_v2_only_routes_are_404_in_v1(api: httpx.AsyncClient, tenant: Tenant) -> None:
    """Every other v2 route is absent from v1: 404 ``NOT_FOUND`` (405 where v1 has the path)."""
    row_id = (await _rows(api, tenant.table_id))["rows"][0]["id"]
    ids = {"t": tenant.table_id, "r": row_id, "w": tenant.workspace_id, "d": tenant.document_id}
    for method, template in V2_ONLY:
        path = template.format(**ids)
        response = await api.request(method, f"{V1}{path}")
        if (method, template) == ("POST", "/tables"):  # v1 has GET /tables
            assert_error(response, 405, "METHOD_NOT_ALLOWED")
            assert response.headers["allow"] == "GET"
        else:
            assert_error(response, 404, "NOT_FOUND")


async def test_no_lifecycle_headers_on_any_v1_answer(
    api: httpx.AsyncClient, env: Env, tenant: Tenant
) -> None:
    """Success, error and unknown-route answers alike carry no Deprecation/Sunset/Link."""
    inserted = await _insert(api, tenant.table_id, rows=[{"website": "x.io"}])
    batch = inserted.json()["batchId"]
    for response in (
        await api.get(f"{V1}/tables"),
        await api.get(f"{V1}/tables/{tenant.table_id}/rows"),
        await api.get(f"{V1}/tables/{tenant.table_id}/rows", params={"format": "csv"}),
        inserted,
        await api.get(f"{V1}/batches/{batch}"),
        await api.get(f"{V1}/credits"),
        await api.get(f"{V1}/nope"),
        await env.client().get(f"{V1}/tables"),
    ):
        assert_silent(response)
    listed = (await api.get("/_segue/versions")).json()["versions"]
    v1 = next(v for v in listed if v["name"] == "v1")
    assert (v1["status"], v1["deprecated_at"], v1["sunset_at"]) == ("active", None, None)


async def test_every_v1_route_needs_a_key(env: Env, tenant: Tenant) -> None:
    """401 ``UNAUTHORIZED`` ``{error, code}`` without a key, and with a wrong one."""
    anonymous, wrong = env.client(), env.client("as_live_" + "x" * 40)
    batch = str(uuid.uuid4())
    for client in (anonymous, wrong):
        for method, path in (
            ("GET", "/tables"),
            ("GET", f"/tables/{tenant.table_id}/rows"),
            ("POST", f"/tables/{tenant.table_id}/rows"),
            ("GET", f"/batches/{batch}"),
            ("GET", "/credits"),
        ):
            body = {"rows": [{"website": "a"}]} if method == "POST" else None
            response = await client.request(method, f"{V1}{path}", json=body)
            assert_error(response, 401, "UNAUTHORIZED")


async def test_wrong_method_is_405_in_v1_envelope(api: httpx.AsyncClient) -> None:
    """A v1 path with a method v1 lacks: 405 with ``Allow``."""
    response = await api.delete(f"{V1}/tables")
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "GET"


# --------------------------------------------------------------------------- GET /tables


async def test_list_tables_shape(api: httpx.AsyncClient, tenant: Tenant) -> None:
    """``{tables, total, page, pageSize}``; full v1 table objects; nothing v2 adds."""
    response = await api.get(f"{V1}/tables")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"tables", "total", "page", "pageSize"}
    assert (body["total"], body["page"], body["pageSize"]) == (1, 0, 50)
    (table,) = body["tables"]
    assert set(table) == TABLE_KEYS
    assert table["id"] == tenant.table_id
    assert table["name"] == "Demo companies"
    assert table["workspaceId"] == tenant.workspace_id
    assert table["workspaceName"] == "Default"
    assert table["rowCount"] == 2
    assert table["defaultFilters"] is None
    assert table["defaultSort"] is None
    assert DATE_TIME.match(table["createdAt"])
    assert DATE_TIME.match(table["updatedAt"])
    assert table["columns"] == [
        {"name": "Company Name", "slug": "company-name", "kind": "input"},
        {"name": "Website", "slug": "website", "kind": "input"},
        {"name": "CEO Email", "slug": "ceo-email", "kind": "enrichment", "autoTrigger": True},
        # v1 has no `sequence` kind: an automatically filled column is an enrichment.
        {"name": "Outreach", "slug": "outreach", "kind": "enrichment", "autoTrigger": False},
    ]
    assert_silent(response)


async def test_list_tables_pages(api: httpx.AsyncClient, make_table: MakeTable) -> None:
    """``page`` is zero-based, ``pageSize`` echoes, ``total`` counts every table."""
    second = await make_table(api, "email")
    pages = [
        (await api.get(f"{V1}/tables", params={"page": p, "pageSize": 1})).json() for p in (0, 1)
    ]
    for number, body in enumerate(pages):
        assert set(body) == {"tables", "total", "page", "pageSize"}
        assert (body["total"], body["page"], body["pageSize"]) == (2, number, 1)
    (made,) = [t for body in pages for t in body["tables"] if t["id"] == second]
    assert [len(body["tables"]) for body in pages] == [1, 1]
    assert made["rowCount"] == 0
    assert made["columns"] == [{"name": "Email", "slug": "email", "kind": "input"}]


async def test_list_tables_validation_error(api: httpx.AsyncClient) -> None:
    """``pageSize`` above 100 → 400 ``{error, code, path}``."""
    response = await api.get(f"{V1}/tables", params={"pageSize": 101})
    assert_error(response, 400, "VALIDATION_ERROR", path="pageSize")


# --------------------------------------------------------------------------- GET rows


async def test_list_rows_flat_shape(api: httpx.AsyncClient, tenant: Tenant) -> None:
    """``{columns, rows, total, page, pageSize}``; flat rows keyed by slug, empty cells left out."""
    response = await api.get(f"{V1}/tables/{tenant.table_id}/rows")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"columns", "rows", "total", "page", "pageSize"}
    assert body["columns"] == {
        "company-name": "Company Name",
        "website": "Website",
        "ceo-email": "CEO Email",
        "outreach": "Outreach",
    }
    assert (body["total"], body["page"], body["pageSize"]) == (2, 0, 50)
    first, second = body["rows"]
    assert first == {
        "id": first["id"],
        "company-name": "Acme Corp",
        "website": "acme.com",
        "ceo-email": "ceo@acme.com",
        "outreach": "draft",
    }
    assert second == {"id": second["id"], "company-name": "Beta, Inc.", "website": "beta.io"}
    assert_silent(response)


async def test_list_rows_pages_up_to_500(api: httpx.AsyncClient, tenant: Tenant) -> None:
    """``pageSize`` up to 500 (not v2's 100 for other lists); above → 400 with ``path``."""
    page = (await api.get(f"{V1}/tables/{tenant.table_id}/rows?page=1&pageSize=1")).json()
    assert (page["total"], page["page"], page["pageSize"]) == (2, 1, 1)
    assert [r["company-name"] for r in page["rows"]] == ["Beta, Inc."]
    assert (await api.get(f"{V1}/tables/{tenant.table_id}/rows?pageSize=500")).status_code == 200
    too_big = await api.get(f"{V1}/tables/{tenant.table_id}/rows?pageSize=501")
    assert_error(too_big, 400, "VALIDATION_ERROR", path="pageSize")


async def test_list_rows_cells_parameter_cannot_reach_typed_cells(
    api: httpx.AsyncClient, tenant: Tenant
) -> None:
    """v1 has no ``cells`` parameter: rows stay flat whatever a client adds."""
    body = (await api.get(f"{V1}/tables/{tenant.table_id}/rows?cells=typed")).json()
    assert body["rows"][1] == {
        "id": body["rows"][1]["id"],
        "company-name": "Beta, Inc.",
        "website": "beta.io",
    }


async def test_list_rows_csv(api: httpx.AsyncClient, tenant: Tenant) -> None:
    """``?format=csv``: ``text/csv``, an ``id`` column then one per slug, empty cells empty."""
    response = await api.get(f"{V1}/tables/{tenant.table_id}/rows", params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    parsed = list(csv.reader(io.StringIO(response.text, newline="")))
    assert parsed[0] == ["id", "company-name", "website", "ceo-email", "outreach"]
    assert [row[1:] for row in parsed[1:]] == [
        ["Acme Corp", "acme.com", "ceo@acme.com", "draft"],
        ["Beta, Inc.", "beta.io", "", ""],
    ]
    flat = (await _rows(api, tenant.table_id))["rows"]
    assert [row[0] for row in parsed[1:]] == [r["id"] for r in flat]
    assert_silent(response)


async def test_list_rows_unknown_table(api: httpx.AsyncClient, env: Env) -> None:
    """Missing and foreign tables alike: 404 ``NOT_FOUND`` (v2's ``TABLE_NOT_FOUND``)."""
    assert_error(await api.get(f"{V1}/tables/nope/rows"), 404, "NOT_FOUND", error="Table not found")
    other = await env.new_tenant()
    foreign = await api.get(f"{V1}/tables/{other.table_id}/rows")
    assert_error(foreign, 404, "NOT_FOUND", error="Table not found")
    csv_404 = await api.get(f"{V1}/tables/nope/rows", params={"format": "csv"})
    assert_error(csv_404, 404, "NOT_FOUND")


# --------------------------------------------------------------------------- POST rows


async def test_insert_answers_batch_id_only(api: httpx.AsyncClient, tenant: Tenant) -> None:
    """201 ``{batchId}`` (a UUID); the rows are appended, flat, in order."""
    before = (await _rows(api, tenant.table_id))["total"]
    response = await _insert(
        api,
        tenant.table_id,
        rows=[
            {"company-name": "Gamma LLC", "website": "gamma.dev"},
            {"company-name": "Delta"},
        ],
        enrich=False,
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"batchId"}
    uuid.UUID(body["batchId"])
    assert_silent(response)
    after = await _rows(api, tenant.table_id)
    assert after["total"] == before + 2
    added = after["rows"][-2:]
    assert [{k: v for k, v in r.items() if k != "id"} for r in added] == [
        {"company-name": "Gamma LLC", "website": "gamma.dev"},
        {"company-name": "Delta"},
    ]


async def test_insert_never_updates_an_existing_row(api: httpx.AsyncClient, tenant: Tenant) -> None:
    """An insert is an upsert matching nothing: equal values still make new rows."""
    rows = [{"company-name": "Acme Corp", "website": "acme.com"}]
    assert (await _insert(api, tenant.table_id, rows=rows)).status_code == 201
    assert (await _insert(api, tenant.table_id, rows=rows)).status_code == 201
    listed = (await _rows(api, tenant.table_id))["rows"]
    assert [r["company-name"] for r in listed].count("Acme Corp") == 3
    assert listed[0]["ceo-email"] == "ceo@acme.com"


async def test_repeated_batch_id_writes_nothing(api: httpx.AsyncClient, tenant: Tenant) -> None:
    """A known ``batchId``: 200 with the same ``{batchId}``, no row added or changed."""
    batch = "550e8400-e29b-41d4-a716-446655440000"
    first = await _insert(api, tenant.table_id, rows=[{"website": "one.io"}], batchId=batch)
    assert first.status_code == 201
    assert first.json() == {"batchId": batch}
    before = await _rows(api, tenant.table_id)
    replay = await _insert(
        api,
        tenant.table_id,
        rows=[{"website": "two.io"}, {"company-name": "Other"}],
        batchId=batch,
    )
    assert replay.status_code == 200
    assert replay.json() == {"batchId": batch}
    assert_silent(replay)
    assert await _rows(api, tenant.table_id) == before
    ledger = (await api.get(f"{V1}/batches/{batch}")).json()
    assert ledger["rowCount"] == 1


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"rows": []}, "rows"),
        ({"rows": [{"website": str(i)} for i in range(101)]}, "rows"),
        ({}, "rows"),
        ({"rows": [{"website": "a"}], "batchId": "not-a-uuid"}, "batchId"),
        ({"rows": [{"website": "a"}], "enrich": "maybe"}, "enrich"),
    ],
)
async def test_insert_validation_error_has_path(
    api: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], path: str
) -> None:
    """Body errors: 400 ``{error, code: VALIDATION_ERROR, path}``; nothing written."""
    before = await _rows(api, tenant.table_id)
    response = await api.post(f"{V1}/tables/{tenant.table_id}/rows", json=body)
    assert_error(response, 400, "VALIDATION_ERROR", path=path)
    assert await _rows(api, tenant.table_id) == before


async def test_insert_malformed_json_is_400(api: httpx.AsyncClient, tenant: Tenant) -> None:
    """A body that is not JSON: 400 ``VALIDATION_ERROR`` in the v1 envelope."""
    response = await api.post(
        f"{V1}/tables/{tenant.table_id}/rows",
        content=b'{"rows": [',
        headers={"content-type": "application/json"},
    )
    assert_error(response, 400, "VALIDATION_ERROR", path="body")


@pytest.mark.parametrize("value", [b'"A\\ud800"', b"123456789012345678901234567890"])
async def test_insert_refuses_what_v2_refuses(
    api: httpx.AsyncClient, tenant: Tenant, value: bytes
) -> None:
    """A lone surrogate or an integer beyond 64 bits is JSON that cannot be stored: the same
    400 naming ``rows`` as v2 gives, in the v1 envelope, and nothing written. (v1 once named
    ``matchColumns``, a field it has not got, or stored the long integer as a float.)"""
    before = await _rows(api, tenant.table_id)
    response = await api.post(
        f"{V1}/tables/{tenant.table_id}/rows",
        content=b'{"rows": [{"website": "a.io"}, {"website": %s}]}' % value,
        headers={"content-type": "application/json"},
    )
    assert_error(response, 400, "VALIDATION_ERROR", path="rows")
    assert await _rows(api, tenant.table_id) == before


async def test_insert_non_input_and_unknown_fields(api: httpx.AsyncClient, tenant: Tenant) -> None:
    """Column errors name the ``fields`` with a ``hint``, as v1 documents; nothing written."""
    before = await _rows(api, tenant.table_id)
    non_input = await _insert(
        api, tenant.table_id, rows=[{"company-name": "X", "ceo-email": "e@x.io"}]
    )
    assert_error(
        non_input,
        400,
        "NON_INPUT_COLUMNS",
        error="Only input columns can be set via the API",
        fields=["ceo-email"],
        hint="Enrichment and score columns are populated automatically",
    )
    unknown = await _insert(api, tenant.table_id, rows=[{"Foo": 1}, {"Bar": 2, "website": "w"}])
    assert_error(
        unknown,
        400,
        "UNKNOWN_FIELDS",
        error="Unknown fields",
        fields=["Foo", "Bar"],
        hint="Use input column slugs from GET /tables",
    )
    assert await _rows(api, tenant.table_id) == before


async def test_insert_into_unknown_table(api: httpx.AsyncClient) -> None:
    """404 ``NOT_FOUND`` ``{error, code}``."""
    response = await _insert(api, "nope", rows=[{"website": "a"}])
    assert_error(response, 404, "NOT_FOUND", error="Table not found")


# --------------------------------------------------------------------------- GET batch


async def test_batch_shape_when_complete(api: httpx.AsyncClient, tenant: Tenant) -> None:
    """A complete v1 batch: ``type: insert``, counts, ``columns`` and its flat ``rows``."""
    made = await _insert(
        api,
        tenant.table_id,
        rows=[{"company-name": "Gamma", "website": "g.dev"}, {"website": "h.dev"}],
        enrich=False,
    )
    batch_id = made.json()["batchId"]
    response = await api.get(f"{V1}/batches/{batch_id}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == BATCH_KEYS | {"columns", "rows"}
    assert body["batchId"] == batch_id
    assert body["tableId"] == tenant.table_id
    assert (body["type"], body["status"], body["rowCount"]) == ("insert", "complete", 2)
    assert body["enrichments"] == {"total": 0, "completed": 0, "pending": 0, "failed": 0}
    assert body["failures"] == {}
    assert body["creditsUsed"] == 0
    assert DATE_TIME.match(body["createdAt"])
    assert DATE_TIME.match(body["completedAt"])
    assert body["columns"] == {
        "company-name": "Company Name",
        "website": "Website",
        "ceo-email": "CEO Email",
        "outreach": "Outreach",
    }
    listed = (await _rows(api, tenant.table_id))["rows"][-2:]
    assert body["rows"] == listed
    assert [set(r) for r in body["rows"]] == [{"id", "company-name", "website"}, {"id", "website"}]
    assert_silent(response)


async def test_batch_errors(api: httpx.AsyncClient, env: Env, tenant: Tenant) -> None:
    """A non-UUID id → 400 ``{error, code}``; unknown and foreign batches → 404 ``NOT_FOUND``."""
    assert_error(
        await api.get(f"{V1}/batches/not-a-uuid"), 400, "VALIDATION_ERROR", error="Invalid batchId"
    )
    missing = await api.get(f"{V1}/batches/{uuid.uuid4()}")
    assert_error(missing, 404, "NOT_FOUND", error="Batch not found")
    other = await env.new_tenant()
    made = await _insert(other.client, other.table_id, rows=[{"website": "a"}])
    foreign = await api.get(f"{V1}/batches/{made.json()['batchId']}")
    assert_error(foreign, 404, "NOT_FOUND", error="Batch not found")


# --------------------------------------------------------------------------- GET credits


async def test_credits_shape(api: httpx.AsyncClient) -> None:
    """``{balance, currency: "credits"}``, the same balance v2's account reports."""
    response = await api.get(f"{V1}/credits")
    assert response.status_code == 200
    assert response.json() == {"balance": 1000, "currency": "credits"}
    v2 = (await api.get("/api/v2/account/credits")).json()
    assert response.json() == v2
    assert_silent(response)
