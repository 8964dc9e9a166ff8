"""Upsert: outcomes, idempotent batchId, one transaction, validation, caps, batches."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from tests.apps.workspace.conftest import Tenant

MakeTable = Callable[..., Awaitable[str]]


async def _upsert(api: httpx.AsyncClient, table_id: str, **body: Any) -> httpx.Response:
    return await api.post(f"/api/v2/tables/{table_id}/rows/upsert", json=body)


async def _flat(api: httpx.AsyncClient, table_id: str) -> list[dict[str, Any]]:
    body = (await api.get(f"/api/v2/tables/{table_id}/rows?cells=flat&pageSize=500")).json()
    rows: list[dict[str, Any]] = body["rows"]
    return rows


async def test_upsert_inserts_updates_and_skips(
    api: httpx.AsyncClient, make_table: MakeTable
) -> None:
    """Rows matching nothing are inserted, changed matches updated, identical ones skipped."""
    table_id = await make_table(api, "email", "name")
    first = await _upsert(
        api,
        table_id,
        rows=[{"email": "a@x.io", "name": "A"}, {"email": "b@x.io", "name": "B"}],
        matchColumns=["email"],
    )
    assert first.status_code == 201
    body = first.json()
    assert body["counts"] == {"inserted": 2, "updated": 0, "skipped": 0}
    ids = [o["rowId"] for o in body["outcomes"]]
    second = await _upsert(
        api,
        table_id,
        rows=[
            {"email": "a@x.io", "name": "A2"},
            {"email": "b@x.io", "name": "B"},
            {"email": "c@x.io"},
        ],
        matchColumns=["email"],
    )
    outcomes = second.json()["outcomes"]
    assert [(o["index"], o["rowId"], o["outcome"]) for o in outcomes[:2]] == [
        (0, ids[0], "updated"),
        (1, ids[1], "skipped"),
    ]
    assert outcomes[2]["outcome"] == "inserted"
    assert [r["name"] for r in await _flat(api, table_id) if "name" in r] == ["A2", "B"]


async def test_repeated_batch_id_writes_nothing(
    api: httpx.AsyncClient, make_table: MakeTable
) -> None:
    """A replayed batchId answers 200 with the recorded outcomes and changes no row."""
    table_id = await make_table(api, "email", "name")
    batch = "550e8400-e29b-41d4-a716-446655440000"
    rows = [{"email": "a@x.io", "name": "A"}]
    first = await _upsert(api, table_id, rows=rows, matchColumns=["email"], batchId=batch)
    assert first.status_code == 201
    before = await _flat(api, table_id)
    replay = await _upsert(
        api,
        table_id,
        rows=[{"email": "z@x.io", "name": "Z"}],
        matchColumns=["email"],
        batchId=batch,
    )
    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert await _flat(api, table_id) == before
    batches = (await api.get("/api/v2/batches")).json()
    assert batches["pagination"]["total"] == 1


async def test_failing_row_leaves_table_unchanged(
    api: httpx.AsyncClient, make_table: MakeTable
) -> None:
    """An ambiguous match found after earlier rows were written rolls the whole call back."""
    table_id = await make_table(api, "email", "name")
    await _upsert(
        api,
        table_id,
        rows=[{"email": "a@x.io", "name": "Same"}, {"email": "b@x.io", "name": "Same"}],
        matchColumns=["email"],
    )
    before = await _flat(api, table_id)
    response = await _upsert(
        api,
        table_id,
        rows=[{"name": "New"}, {"name": "Same"}],
        matchColumns=["name"],
        batchId="will-fail",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "AMBIGUOUS_MATCH"
    assert await _flat(api, table_id) == before
    assert (await api.get("/api/v2/batches/will-fail")).status_code == 404


async def test_invalid_row_reports_issues_and_writes_nothing(
    api: httpx.AsyncClient, make_table: MakeTable
) -> None:
    """An unknown field anywhere in the batch fails it with details.issues[] and no writes."""
    table_id = await make_table(api, "email")
    response = await _upsert(
        api,
        table_id,
        rows=[{"email": "a@x.io"}, {"email": "b@x.io", "bogus": 1}],
        matchColumns=["email"],
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "rows.1.bogus: Unknown field",
        "code": "UNKNOWN_FIELDS",
        "details": {"issues": [{"path": "rows.1.bogus", "message": "Unknown field"}]},
    }
    assert await _flat(api, table_id) == []


async def test_match_rules(api: httpx.AsyncClient, tenant: Tenant, make_table: MakeTable) -> None:
    """Match columns must be input columns, present on every row, and unique per call."""
    table_id = await make_table(api, "email")
    cases = [
        ({"rows": [{"email": "a"}], "matchColumns": ["nope"]}, "UNKNOWN_COLUMN"),
        ({"rows": [{"email": ""}], "matchColumns": ["email"]}, "MISSING_MATCH_VALUE"),
        (
            {"rows": [{"email": "a"}, {"email": "a"}], "matchColumns": ["email"]},
            "DUPLICATE_MATCH_KEY",
        ),
    ]
    for body, code in cases:
        response = await _upsert(api, table_id, **body)
        assert (response.status_code, response.json()["code"]) == (400, code)
    non_input = await _upsert(
        api,
        tenant.table_id,
        rows=[{"company-name": "X", "ceo-email": "e"}],
        matchColumns=["company-name"],
    )
    assert non_input.json()["code"] == "NON_INPUT_COLUMNS"


async def test_body_shape_errors(api: httpx.AsyncClient, make_table: MakeTable) -> None:
    """More than 100 rows is a VALIDATION_ERROR; an oversized body is 413."""
    table_id = await make_table(api, "email")
    many = await _upsert(
        api, table_id, rows=[{"email": str(i)} for i in range(101)], matchColumns=["email"]
    )
    assert many.status_code == 400
    assert many.json()["code"] == "VALIDATION_ERROR"
    assert many.json()["details"]["issues"][0]["path"] == "rows"
    huge = await _upsert(api, table_id, rows=[{"email": "x" * 300_000}], matchColumns=["email"])
    assert (huge.status_code, huge.json()["code"]) == (413, "PAYLOAD_TOO_LARGE")


async def test_batch_ledger(api: httpx.AsyncClient, make_table: MakeTable) -> None:
    """A batch is readable with its outcome ledger and listed without it."""
    table_id = await make_table(api, "email")
    made = (await _upsert(api, table_id, rows=[{"email": "a"}], matchColumns=["email"])).json()
    batch = (await api.get(f"/api/v2/batches/{made['batchId']}")).json()
    assert batch["tableId"] == table_id
    assert (batch["type"], batch["status"], batch["rowCount"]) == ("upsert", "complete", 1)
    assert batch["outcomes"] == made["outcomes"]
    assert batch["counts"] == {"inserted": 1, "updated": 0, "skipped": 0}
    listed = (await api.get("/api/v2/batches")).json()["batches"]
    assert [b["batchId"] for b in listed] == [made["batchId"]]
    assert "outcomes" not in listed[0]


async def test_many_full_batches_all_land(api: httpx.AsyncClient, make_table: MakeTable) -> None:
    """Twenty cap-sized batches insert every row once (speed is measured in bench/)."""
    table_id = await make_table(api, "email", "name", "company")
    for b in range(20):
        rows = [{"email": f"{b}-{i}@x.io", "name": "N", "company": "C"} for i in range(100)]
        response = await _upsert(api, table_id, rows=rows, matchColumns=["email"])
        assert response.status_code == 201
        assert response.json()["counts"] == {"inserted": 100, "updated": 0, "skipped": 0}
    listed = await api.get(f"/api/v2/tables/{table_id}/rows", params={"pageSize": 1})
    assert listed.json()["pagination"]["total"] == 2000


async def test_first_match_on_a_column_finds_existing_rows(
    api: httpx.AsyncClient, tenant: Tenant
) -> None:
    """Matching on a column for the first time still finds rows written before."""
    response = await _upsert(
        api,
        tenant.table_id,
        rows=[{"website": "acme.com", "company-name": "Acme Inc"}],
        matchColumns=["website"],
    )
    assert response.json()["counts"] == {"inserted": 0, "updated": 1, "skipped": 0}
    again = await _upsert(
        api, tenant.table_id, rows=[{"company-name": "Acme Inc"}], matchColumns=["company-name"]
    )
    assert again.json()["counts"] == {"inserted": 0, "updated": 0, "skipped": 1}
    rows = await _flat(api, tenant.table_id)
    assert [r["company-name"] for r in rows] == ["Acme Inc", "Beta, Inc."]


async def test_empty_match_columns_only_inserts(
    api: httpx.AsyncClient, make_table: MakeTable
) -> None:
    """``matchColumns: []`` matches nothing: every row is inserted, equal values included."""
    table_id = await make_table(api, "email", "name")
    rows = [{"email": "a@x.io", "name": "A"}, {"email": "a@x.io", "name": "A"}]
    for _ in range(2):
        response = await _upsert(api, table_id, rows=rows, matchColumns=[])
        assert response.status_code == 201
        assert response.json()["counts"] == {"inserted": 2, "updated": 0, "skipped": 0}
    assert [r["email"] for r in await _flat(api, table_id)] == ["a@x.io"] * 4
    matched = await _upsert(api, table_id, rows=rows[:1], matchColumns=["email"])
    assert (matched.status_code, matched.json()["code"]) == (409, "AMBIGUOUS_MATCH")


async def test_bodies_parse_as_the_standard_json_module_parses_them(
    api: httpx.AsyncClient, make_table: MakeTable
) -> None:
    """The upsert body's fast parser falls back to ``json.loads`` for what it refuses:
    the same bodies are accepted with the same values, the same ones refused (``NaN``
    parses either way, and is then refused as a value that is not a JSON number)."""
    table_id = await make_table(api, "email", "name")
    url = f"/api/v2/tables/{table_id}/rows/upsert"
    headers = {"content-type": "application/json"}
    accepted = [
        b'\xef\xbb\xbf{"rows": [{"email": "bom@x.io"}], "matchColumns": ["email"]}',
        b'{"rows": [{"email": "d@x.io", "email": "dup@x.io"}], "matchColumns": ["email"]}',
    ]
    for body in accepted:
        found = await api.post(url, content=body, headers=headers)
        assert found.status_code == 201, (body, found.text)
    emails = [r["email"] for r in await _flat(api, table_id)]
    assert emails == ["bom@x.io", "dup@x.io"]
    for body in (
        b'{"rows": [,]}',
        b'{"rows": [{"email": "x"}], }',
        b'{"rows": [{"email": "n@x.io", "name": NaN}], "matchColumns": ["email"]}',
    ):
        found = await api.post(url, content=body, headers=headers)
        assert found.status_code == 400, body
        assert found.json()["code"] == "VALIDATION_ERROR"
    undecodable = await api.post(url, content=b"\xff", headers=headers)
    assert undecodable.json() == {
        "error": "There was an error parsing the body",
        "code": "BAD_REQUEST",
    }
    broken = await api.post(url, content=b'{"rows": [,]}', headers=headers)
    assert broken.json()["details"]["issues"] == [{"path": "body", "message": "JSON decode error"}]


async def test_values_that_cannot_be_stored_are_400_and_write_nothing(
    api: httpx.AsyncClient, make_table: MakeTable
) -> None:
    """A lone surrogate or an integer beyond 64 bits parses as JSON but cannot be stored
    as JSON again: 400 naming ``rows``, and the rows before it in the call are not kept."""
    table_id = await make_table(api, "email", "name")
    url = f"/api/v2/tables/{table_id}/rows/upsert"
    headers = {"content-type": "application/json"}
    for value in (b'"A\\ud800"', b"123456789012345678901234567890"):
        body = b'{"rows": [{"email": "ok@x.io"}, {"email": "b@x.io", "name": %s}], ' % value
        response = await api.post(
            url, content=body + b'"matchColumns": ["email"]}', headers=headers
        )
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "VALIDATION_ERROR"
        assert response.json()["details"]["issues"][0]["path"] == "rows"
    assert await _flat(api, table_id) == []
