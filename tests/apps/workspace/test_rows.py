"""Row reads: typed cells, flat rows, CSV, one row, one cell."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable

import httpx
from tests.apps.workspace.conftest import Tenant

MakeTable = Callable[..., Awaitable[str]]


async def test_rows_are_typed_by_default(api: httpx.AsyncClient, tenant: Tenant) -> None:
    """Default rows carry scalar, value (with run) and sequence cells."""
    response = await api.get(f"/api/v2/tables/{tenant.table_id}/rows")
    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {"page": 0, "pageSize": 50, "total": 2, "hasMore": False}
    first = body["rows"][0]["cells"]
    assert first["company-name"] == {"kind": "scalar", "value": "Acme Corp"}
    assert first["ceo-email"]["kind"] == "value"
    assert first["ceo-email"]["run"]["status"] == "completed"
    sequence = first["outreach"]
    assert sequence["kind"] == "sequence"
    assert sequence["url"] == f"/api/v2/sequences/{sequence['sequenceId']}"
    assert [c["slug"] for c in body["columns"]] == [
        "company-name",
        "website",
        "ceo-email",
        "outreach",
    ]


async def test_flat_rows_reproduce_the_v1_shape(api: httpx.AsyncClient, tenant: Tenant) -> None:
    """``?cells=flat`` gives ``{id, slug: value}`` rows without empty cells."""
    body = (await api.get(f"/api/v2/tables/{tenant.table_id}/rows?cells=flat")).json()
    assert body["columns"] == {
        "company-name": "Company Name",
        "website": "Website",
        "ceo-email": "CEO Email",
        "outreach": "Outreach",
    }
    first, second = body["rows"]
    assert first == {
        "id": first["id"],
        "company-name": "Acme Corp",
        "website": "acme.com",
        "ceo-email": "ceo@acme.com",
        "outreach": "draft",
    }
    assert second == {"id": second["id"], "company-name": "Beta, Inc.", "website": "beta.io"}


async def test_csv_round_trips_commas_quotes_and_newlines(
    api: httpx.AsyncClient, make_table: MakeTable
) -> None:
    """CSV export quotes awkward values so the csv module reads them back unchanged."""
    table_id = await make_table(api, "key", "note")
    awkward = ["a, b", 'say "hi"', "line1\nline2", 'all, "of"\r\nthem', "plain"]
    rows = [{"key": str(i), "note": note} for i, note in enumerate(awkward)]
    upserted = await api.post(
        f"/api/v2/tables/{table_id}/rows/upsert", json={"rows": rows, "matchColumns": ["key"]}
    )
    assert upserted.status_code == 201
    response = await api.get(f"/api/v2/tables/{table_id}/rows", params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    parsed = list(csv.reader(io.StringIO(response.text, newline="")))
    assert parsed[0] == ["id", "key", "note"]
    assert [row[2] for row in parsed[1:]] == awkward


async def test_get_row_and_cell(api: httpx.AsyncClient, tenant: Tenant) -> None:
    """One row and one cell (by slug or column id) are addressable."""
    row = (await api.get(f"/api/v2/tables/{tenant.table_id}/rows")).json()["rows"][1]
    one = await api.get(f"/api/v2/tables/{tenant.table_id}/rows/{row['id']}")
    assert one.status_code == 200
    assert one.json() == row
    cell = await api.get(f"/api/v2/tables/{tenant.table_id}/rows/{row['id']}/cells/website")
    assert cell.status_code == 200
    body = cell.json()
    assert body["cell"] == {"kind": "scalar", "value": "beta.io"}
    by_id = await api.get(
        f"/api/v2/tables/{tenant.table_id}/rows/{row['id']}/cells/{body['columnId']}"
    )
    assert by_id.json() == body
    empty = await api.get(f"/api/v2/tables/{tenant.table_id}/rows/{row['id']}/cells/ceo-email")
    assert empty.json()["cell"] is None


async def test_missing_row_and_column_are_404(api: httpx.AsyncClient, tenant: Tenant) -> None:
    """Unknown rows and columns have their own codes."""
    base = f"/api/v2/tables/{tenant.table_id}/rows"
    missing = await api.get(f"{base}/nope")
    assert (missing.status_code, missing.json()["code"]) == (404, "ROW_NOT_FOUND")
    row_id = (await api.get(base)).json()["rows"][0]["id"]
    column = await api.get(f"{base}/{row_id}/cells/nope")
    assert (column.status_code, column.json()["code"]) == (404, "COLUMN_NOT_FOUND")
