"""Input no store can take is a 4xx in the version's envelope, and writes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from tests.apps.workspace.conftest import Tenant

JSON = {"content-type": "application/json"}


async def _documents(api: httpx.AsyncClient, workspace_id: str) -> list[str]:
    listed = await api.get(f"/api/v2/workspaces/{workspace_id}/documents")
    return [d["name"] for d in listed.json()["documents"]]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"name": "a", "content": "x\\u0000y"}', "must not contain NUL characters"),
        ('{"name": "\\udfff", "content": "x"}', "unable to parse raw data as a unicode string"),
    ],
    ids=["nul", "surrogate"],
)
async def test_unstorable_document_is_400_and_stores_nothing(api, tenant: Tenant, body, message):
    """A document whose text cannot be stored is refused before the store runs."""
    url = f"/api/v2/workspaces/{tenant.workspace_id}/documents"
    response = await api.post(url, content=body, headers=JSON)
    assert response.status_code == 400, response.text
    found = response.json()
    assert (found["code"], found["error"]) == ("VALIDATION_ERROR", "Invalid request")
    assert message in found["details"]["issues"][0]["message"]
    assert await _documents(api, tenant.workspace_id) == ["README"]


async def test_page_beyond_2_31_is_400(api):
    """The page index is bounded, so its row offset stays inside 64 bits."""
    response = await api.get("/api/v2/workspaces?page=2305842322018926401")
    assert response.status_code == 400
    assert response.json()["details"]["issues"][0]["path"] == "page"


async def test_chunked_body_over_the_cap_is_413(api, tenant: Tenant):
    """A body without Content-Length is counted as it arrives (the cap is 200 kB here)."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "big", "content": "'
        for _ in range(3):
            yield b"a" * 100_000
        yield b'"}'

    url = f"/api/v2/workspaces/{tenant.workspace_id}/documents"
    response = await api.post(url, content=chunks(), headers=JSON)
    assert response.status_code == 413
    assert response.json() == {
        "error": "Request body exceeds 200000 bytes",
        "code": "PAYLOAD_TOO_LARGE",
    }
    assert await _documents(api, tenant.workspace_id) == ["README"]


async def test_body_that_is_not_json_is_415_in_each_versions_envelope(api, tenant: Tenant):
    """v2 answers in its envelope; v1, through segue, in v1's ``{error, code}``."""
    body = b'{"rows": [{"company-name": "X"}]}'
    headers = {"content-type": "text/csv"}
    v2 = await api.post(
        f"/api/v2/tables/{tenant.table_id}/rows/upsert", content=body, headers=headers
    )
    v1 = await api.post(f"/api/v1/tables/{tenant.table_id}/rows", content=body, headers=headers)
    message = "Request body must be JSON (Content-Type: application/json)"
    assert (v2.status_code, v1.status_code) == (415, 415)
    assert v2.json() == v1.json() == {"error": message, "code": "UNSUPPORTED_MEDIA_TYPE"}
    rows = await api.get(f"/api/v2/tables/{tenant.table_id}/rows")
    assert rows.json()["pagination"]["total"] == 2  # bootstrap's demo rows only


async def test_nul_in_path_is_400(api):
    """A NUL never reaches a query."""
    response = await api.get("/api/v2/tables/a%00b")
    assert response.status_code == 400
    assert response.json() == {"error": "NUL characters are not allowed", "code": "BAD_REQUEST"}
