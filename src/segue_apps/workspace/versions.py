"""v1 of the workspace API, declared as its differences from v2 (seed 000).

v1 keeps working unchanged and, in this release, announces nothing: no ``Deprecation``,
``Sunset`` or ``Link`` headers (its :class:`~segue.Lifecycle` has no dates unless the
command line gives some).

| v1 (`/api/v1`)               | v2 (`/api/v2`)                | v1 differs by                  |
|------------------------------|-------------------------------|--------------------------------|
| `GET /tables`                | `GET /tables`                 | `total, page, pageSize` on top |
|                              |                               | (not `pagination`); tables     |
|                              |                               | with `rowCount` (`leadCount`), |
|                              |                               | `workspaceName`, `default*`    |
|                              |                               | null; no `credits`, `cells`,   |
|                              |                               | `url`; columns: no `id`,       |
|                              |                               | `type`…, `sequence` kind is    |
|                              |                               | `enrichment`, `autoTrigger`    |
|                              |                               | only on enrichments            |
| `GET /tables/{id}/rows`      | `GET /tables/{id}/rows`       | always `?cells=flat`; CSV same |
| `POST /tables/{id}/rows`     | `POST …/rows/upsert`          | insert = `matchColumns: []`;   |
|                              |                               | answers `{batchId}` only       |
| `GET /batches/{batchId}`     | `GET /batches/{batchId}`      | `type: insert`, no ledger;     |
|                              |                               | `columns` + flat `rows`        |
| `GET /credits`               | `GET /account/credits`        | same body                      |
| —                            | every other route             | absent: 404                    |
| errors `{error, code, path?}`| `{error, code, details?, …}`  | every 404 is `NOT_FOUND`       |
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import orjson

from segue import (
    Caller,
    EnumMapped,
    ErrorCodeMapped,
    ErrorEnvelopeReshaped,
    FieldAdded,
    FieldRemoved,
    FieldRenamed,
    Lifecycle,
    PaginationReshaped,
    Request,
    Response,
    RouteAbsent,
    RouteMoved,
    Version,
    adapter,
)
from segue_apps.workspace.cells import flat_row
from segue_apps.workspace.errors import error_body

LIST_TABLES = "GET /tables"
LIST_ROWS = "GET /tables/{tableId}/rows"
INSERT_ROWS = "POST /tables/{tableId}/rows"
GET_BATCH = "GET /batches/{batchId}"
V1_ROUTES = (LIST_TABLES, LIST_ROWS, INSERT_ROWS, GET_BATCH, "GET /credits")
"""Every route v1 has (relative to ``/api/v1``); the test suite pins this list."""

AGENT_ROUTES = (
    "POST /agents",
    "GET /agents",
    "GET /agents/{id}",
    "DELETE /agents/{id}",
    "GET /agents/{id}/tables",
    "POST /agents/{id}/runs",
    "GET /agents/{id}/runs",
    "GET /agents/{id}/runs/{runId}",
    "POST /agents/{id}/cancel",
    "GET /scheduled-agents",
    "POST /scheduled-agents",
    "GET /scheduled-agents/{id}",
    "PATCH /scheduled-agents/{id}",
    "DELETE /scheduled-agents/{id}",
    "POST /scheduled-agents/{id}/enable",
    "POST /scheduled-agents/{id}/disable",
    "POST /scheduled-agents/{id}/trigger",
    "GET /scheduled-agents/{id}/runs",
)
"""v2's agents, runs and scheduled agents: none of them is in v1."""

V1_PAGINATION = {"total": "total", "page": "page", "pageSize": "pageSize"}
V2_NOT_FOUND = (
    "TABLE_NOT_FOUND",
    "ROW_NOT_FOUND",
    "COLUMN_NOT_FOUND",
    "BATCH_NOT_FOUND",
    "WORKSPACE_NOT_FOUND",
    "DOCUMENT_NOT_FOUND",
)
"""Every 404 code of v2 besides ``NOT_FOUND``; v1 answers each as ``NOT_FOUND``."""
V2_PAGINATION = {
    "page": "pagination.page",
    "pageSize": "pagination.pageSize",
    "total": "pagination.total",
    "hasMore": "pagination.hasMore",
}


# --------------------------------------------------------------------------- declarations

V1_CHANGES = [
    # Routes: v1's five, everything else v2 has is absent (404).
    RouteMoved(INSERT_ROWS, "POST /tables/{tableId}/rows/upsert"),
    RouteMoved("GET /credits", "GET /account/credits"),
    *(
        RouteAbsent(route)
        for route in (
            "POST /tables",
            "GET /tables/{tableId}",
            "GET /tables/{tableId}/columns",
            "POST /tables/{tableId}/columns",
            "POST /tables/{tableId}/cancel",
            "GET /tables/{tableId}/rows/{rowId}",
            "GET /tables/{tableId}/rows/{rowId}/cells/{columnId}",
            "GET /batches",
            "GET /workspaces",
            "POST /workspaces",
            "POST /workspaces/{workspaceId}/delete",
            "GET /workspaces/{workspaceId}/documents",
            "POST /workspaces/{workspaceId}/documents",
            "GET /workspaces/{workspaceId}/documents/{documentId}",
            "DELETE /workspaces/{workspaceId}/documents/{documentId}",
            "GET /account",
        )
    ),
    *(
        RouteAbsent(route)
        for route in (  # the Sequences segment
            "GET /sequences",
            "GET /tables/{tableId}/sequences",
            "POST /tables/{tableId}/sequences",
            "GET /sequences/{sequenceId}",
            "PATCH /sequences/{sequenceId}/steps/{stepId}",
            "POST /sequences/{sequenceId}/launch",
            "POST /sequences/{sequenceId}/stop",
            "POST /sequences/{sequenceId}/delete",
            "GET /tables/{tableId}/columns/{columnId}/campaign",
            "POST /tables/{tableId}/columns/{columnId}/campaign/pause",
            "POST /tables/{tableId}/columns/{columnId}/campaign/resume",
        )
    ),
    *(RouteAbsent(route) for route in AGENT_ROUTES),
    # GET /tables
    PaginationReshaped(old=V1_PAGINATION, new=V2_PAGINATION, routes=[LIST_TABLES]),
    FieldRenamed("tables[].rowCount", "leadCount", routes=[LIST_TABLES]),
    *(
        FieldAdded(f"tables[].{name}", routes=[LIST_TABLES])
        for name in ("credits", "cells", "url", "columns[].id", "columns[].type")
    ),
    FieldAdded("tables[].columns[].credits", routes=[LIST_TABLES]),
    FieldAdded("tables[].columns[].cells", routes=[LIST_TABLES]),
    # v1 knows no `sequence` kind: such columns are filled automatically, like enrichments.
    EnumMapped(
        "tables[].columns[].kind", {"enrichment": "sequence"}, routes=[LIST_TABLES], on="response"
    ),
    FieldRemoved(
        "tables[].defaultFilters",
        default=None,
        schema={"type": ["array", "null"], "items": {"type": "object"}},
        routes=[LIST_TABLES],
    ),
    FieldRemoved(
        "tables[].defaultSort",
        default=None,
        schema={"type": ["object", "null"]},
        routes=[LIST_TABLES],
    ),
    # GET /tables/{tableId}/rows
    PaginationReshaped(old=V1_PAGINATION, new=V2_PAGINATION, routes=[LIST_ROWS]),
    # POST /tables/{tableId}/rows: an insert is an upsert whose rows match nothing.
    FieldAdded("matchColumns", default=[], routes=[INSERT_ROWS], on="request"),
    FieldAdded("tableId", routes=[INSERT_ROWS]),
    FieldAdded("counts", routes=[INSERT_ROWS]),
    FieldAdded("outcomes", routes=[INSERT_ROWS]),
    # GET /batches/{batchId}
    EnumMapped("type", {"insert": "upsert"}, routes=[GET_BATCH], on="response"),
    FieldAdded("counts", routes=[GET_BATCH]),
    FieldAdded("outcomes", routes=[GET_BATCH]),
    # Errors, every route.
    ErrorEnvelopeReshaped(
        old={"message": "error", "code": "code", "path": "path", "credits": "creditsAvailable"},
        new={
            "message": "error",
            "code": "code",
            "path": "details.issues[0].path",
            "credits": "details.creditsAvailable",
            "details": "details",
            "handoff": "handoff",
        },
    ),
    # v1 has one 404 code where v2 names the resource; declared after the reshape, so it
    # reads v2's `code` (going down, the last declared runs first).
    ErrorCodeMapped({code: "NOT_FOUND" for code in V2_NOT_FOUND}),
]


def versions(
    deprecated_at: datetime | None = None, sunset_at: datetime | None = None
) -> list[Version]:
    """v2 and v1, newest first. v1 has no dates in this release (so sends no headers)."""
    v1 = Version(
        "v1",
        ["/api/v1"],
        changes=V1_CHANGES,
        adapters=[list_tables, list_rows, insert_rows, get_batch],  # defined below
        lifecycle=Lifecycle(deprecated_at=deprecated_at, sunset_at=sunset_at),
        title="Workspace API v1",
    )
    return [Version("v2", ["/api/v2"], title="Workspace API v2"), v1]


# --------------------------------------------------------------------------- helpers


def _is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _invalid(message: str, path: str | None = None) -> Response:
    """A 400 ``VALIDATION_ERROR`` in the v2 envelope (the declared reshape makes it v1's)."""
    details = None if path is None else {"issues": [{"path": path, "message": message}]}
    return Response(400, error_body(400, "VALIDATION_ERROR", message, details))


# --------------------------------------------------------------------------- adapters

_WRITABLE_HINTS = {  # v2 code → (v1 message, v1 hint, the v2 issue message naming a field)
    "NON_INPUT_COLUMNS": (
        "Only input columns can be set via the API",
        "Enrichment and score columns are populated automatically",
        "Not an input column",
    ),
    "UNKNOWN_FIELDS": (
        "Unknown fields",
        "Use input column slugs from GET /tables",
        "Unknown field",
    ),
}


_STRING = {"type": "string"}
_V1_COLUMN = {
    "type": "object",
    "properties": {
        "name": _STRING,
        "slug": {"type": ["string", "null"]},
        "kind": {"type": "string", "enum": ["input", "enrichment", "score"]},
        "autoTrigger": {"type": "boolean", "description": "enrichment columns only"},
    },
    "required": ["name", "slug", "kind"],
}
_V1_TABLE = {
    "type": "object",
    "properties": {
        "id": _STRING,
        "workspaceId": _STRING,
        "workspaceName": _STRING,
        "name": _STRING,
        "rowCount": {"type": "integer"},
        "columns": {"type": "array", "items": _V1_COLUMN},
        "createdAt": _STRING,
        "updatedAt": _STRING,
        "defaultSort": {"type": ["object", "null"]},
        "defaultFilters": {"type": ["array", "null"], "items": {"type": "object"}},
    },
    "required": [
        "id",
        "workspaceId",
        "workspaceName",
        "name",
        "rowCount",
        "columns",
        "createdAt",
        "updatedAt",
        "defaultSort",
        "defaultFilters",
    ],
}
V1_TABLE_PAGE = {
    "type": "object",
    "properties": {
        "tables": {"type": "array", "items": _V1_TABLE},
        "total": {"type": "integer"},
        "page": {"type": "integer"},
        "pageSize": {"type": "integer"},
    },
    "required": ["tables", "total", "page", "pageSize"],
}
"""v1's table list as :func:`list_tables` answers it (the derived schema would require
``autoTrigger`` on every column and know nothing of ``workspaceName``)."""


@adapter(LIST_TABLES, response_schema=V1_TABLE_PAGE)
async def list_tables(request: Request, call: Caller) -> Response:
    """v1 tables name their workspace (v2 `GET /workspaces`); `autoTrigger` only on enrichments."""
    found = await call.forward()
    if found.status != 200:
        return found
    body: dict[str, Any] = found.json
    names = await _workspace_names(call, {t["workspaceId"] for t in body["tables"]})
    for table in body["tables"]:
        table["workspaceName"] = names.get(table["workspaceId"], "")
        for column in table["columns"]:
            if column["kind"] in ("input", "score"):
                column.pop("autoTrigger", None)
    return found


async def _workspace_names(call: Caller, wanted: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    page = 0
    while wanted - names.keys():
        listed = await call.get("/workspaces", query={"page": str(page), "pageSize": "100"})
        if listed.status != 200:
            break
        names.update({w["id"]: w["name"] for w in listed.json["workspaces"]})
        if not listed.json["pagination"]["hasMore"]:
            break
        page += 1
    return names


@adapter(LIST_ROWS)
async def list_rows(request: Request, call: Caller) -> Response:
    """v1 rows are flat `{id, slug: value}`: v2 with `?cells=flat` (`?format=csv` is flat too)."""
    request.query = [*((k, v) for k, v in request.query if k != "cells"), ("cells", "flat")]
    return await call.forward()


@adapter(INSERT_ROWS, status_code=201)
async def insert_rows(request: Request, call: Caller) -> Response:
    """v1 insert: a UUID `batchId`; write errors list the offending `fields` with a `hint`."""
    try:
        body = request.json
    except orjson.JSONDecodeError:
        body = None  # v2 answers the 400
    if isinstance(body, dict) and "batchId" in body and not _is_uuid(body["batchId"]):
        return _invalid("batchId must be a UUID", "batchId")
    response = await call.forward()
    error = response.json if response.status == 400 and response.is_json else None
    if isinstance(error, dict) and error.get("code") in _WRITABLE_HINTS:
        message, hint, kind = _WRITABLE_HINTS[error["code"]]
        issues = error.get("details", {}).get("issues", [])
        fields = [i["path"].split(".", 2)[-1] for i in issues if i["message"] == kind]
        fields = list(dict.fromkeys(fields))
        response.json = {"error": message, "code": error["code"], "fields": fields, "hint": hint}
    return response


@adapter(GET_BATCH)
async def get_batch(request: Request, call: Caller) -> Response:
    """v1 batch: a UUID id; once complete, the `columns` map and the batch's flat `rows`."""
    if not _is_uuid(request.path_params["batchId"]):
        return Response(400, error_body(400, "VALIDATION_ERROR", "Invalid batchId"))
    found = await call.forward()
    if found.status != 200:
        return found
    batch: dict[str, Any] = found.json
    if batch["status"] == "complete":
        table = f"/tables/{batch['tableId']}"
        columns = await call.get(f"{table}/columns")
        listed = columns.json["columns"] if columns.status == 200 else []
        batch["columns"] = {c["slug"]: c["name"] for c in listed}
        batch["rows"] = []
        for row_id in dict.fromkeys(o["rowId"] for o in batch["outcomes"]):
            row = await call.get(f"{table}/rows/{row_id}")
            if row.status == 200:
                batch["rows"].append(flat_row(row_id, row.json["cells"]))
    return found
