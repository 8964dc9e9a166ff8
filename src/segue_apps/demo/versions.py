"""v1 of the widget API, declared as its differences from v2.

| v1                                   | v2                                        |
|--------------------------------------|-------------------------------------------|
| `/v1`, `/api/v1`                     | `/api/v2`                                 |
| `id`                                 | `widget_id`                               |
| grade `full` / `maybe` / `none`      | `high` / `medium` / `low`                 |
| no `color` (v2 requires it)          | `color`                                   |
| `legacy_code`                        | gone                                      |
| `PUT /widgets/{id}`                  | `PATCH /widgets/{widget_id}`              |
| parts by default, `?fields=!parts`   | `?include=parts`                          |
| create answers with parts            | create answers without parts              |
| search: top-level `next_cursor`      | `pagination.next_cursor`                  |
| list: no `pagination.total`          | `pagination.total`                        |
| errors `{error, code, path?}`        | `{error, code, details?, handoff?}`       |
| no `/stats`                          | `/stats`                                  |
| `GET /widgets/{id}/summary`          | retired: use `GET /api/v2/widgets/{id}`   |
| `POST /widgets/{id}/clone`           | none: v2 get + v2 create                  |
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from segue import (
    Caller,
    Clock,
    EnumMapped,
    ErrorEnvelopeReshaped,
    FieldAdded,
    FieldRemoved,
    FieldRenamed,
    Lifecycle,
    PaginationReshaped,
    QueryMapped,
    Request,
    Response,
    RouteAbsent,
    RouteMoved,
    RouteRemoved,
    Segue,
    Version,
    adapter,
    system_clock,
)
from segue_apps.demo.app import create_app, error_body

WIDGET = ["POST /widgets", "GET /widgets/{id}", "PUT /widgets/{id}", "POST /widgets/{id}/clone"]
ALL_WIDGETS = [*WIDGET, "GET /widgets"]
DEPRECATED = datetime(2026, 1, 1, tzinfo=UTC)
SUNSET = datetime(2031, 12, 31, 23, 59, 59, tzinfo=UTC)

V1_CHANGES = [
    RouteMoved("PUT /widgets/{id}", "PATCH /widgets/{widget_id}"),
    RouteAbsent("GET /stats"),
    RouteRemoved("GET /widgets/{id}/summary", replacement="GET /api/v2/widgets/{widget_id}"),
    FieldRenamed("id", "widget_id", routes=WIDGET, on="both"),
    FieldRenamed("data[].id", "widget_id", routes=["GET /widgets", "GET /widgets/search"]),
    EnumMapped("grade", {"full": "high", "maybe": "medium", "none": "low"}, routes=ALL_WIDGETS),
    EnumMapped(
        "data[].grade", {"full": "high", "maybe": "medium", "none": "low"}, routes=["GET /widgets"]
    ),
    FieldAdded("color", default="grey", routes=WIDGET, on="both"),
    FieldRemoved(
        "legacy_code",
        compute=lambda w: f"L-{w.get('id', w.get('widget_id'))}",
        schema={"type": "string"},
        routes=WIDGET,
    ),
    QueryMapped(
        "fields",
        "include",
        values={"!parts": None, "parts": "parts"},
        default="parts",
        routes=["GET /widgets/{id}"],
    ),
    PaginationReshaped(
        old={"next_cursor": "next_cursor"},
        new={"next_cursor": "pagination.next_cursor", "limit": "pagination.limit"},
        routes=["GET /widgets/search"],
    ),
    FieldAdded("pagination.total", routes=["GET /widgets"]),
    ErrorEnvelopeReshaped(
        old={"message": "error", "code": "code", "path": "path"},
        new={
            "message": "error",
            "code": "code",
            "path": "details.issues[0].path",
            "details": "details",
            "handoff": "handoff",
        },
    ),
]


def versions(lifecycle: Lifecycle | None = None) -> list[Version]:
    """v2 and v1, newest first."""
    v1_lifecycle = lifecycle or Lifecycle(
        deprecated_at=DEPRECATED,
        sunset_at=SUNSET,
        migration_url="https://example.test/migrate",
        successor_url="https://example.test/api/v2",
    )
    return [
        Version("v2", ["/api/v2"]),
        Version(
            "v1",
            ["/v1", "/api/v1"],
            changes=V1_CHANGES,
            adapters=[create_with_parts, clone],
            lifecycle=v1_lifecycle,
        ),
    ]


# Adapters: the v1 routes no declared change can express, written against v2.


@adapter("POST /widgets", status_code=201)
async def create_with_parts(request: Request, call: Caller) -> Response:
    """v1's create answers with the parts: v2 create, then v2 get with parts."""
    created = await call.forward()
    if created.status != 201:
        return created
    widget_id = created.json["widget_id"]
    found = await call.get(f"/widgets/{widget_id}", query={"include": "parts"})
    return Response(201, found.json)


@adapter("POST /widgets/{id}/clone", status_code=201)
async def clone(request: Request, call: Caller) -> Response:
    """Copy a widget under a new id: v2 get, then v2 create."""
    original = await call.get(f"/widgets/{request.path_params['id']}", query={"include": "parts"})
    if original.status != 200:
        return original
    source: dict[str, Any] = original.json
    copy = {
        "name": source["name"],
        "grade": source["grade"],
        "color": source["color"],
        "parts": [p["label"] for p in source["parts"]],
    }
    created = await call.post("/widgets", json=copy)
    found = await call.get(f"/widgets/{created.json['widget_id']}", query={"include": "parts"})
    return Response(201, found.json)


def build(lifecycle: Lifecycle | None = None, clock: Clock = system_clock, **kwargs: Any) -> Segue:
    """The whole versioned widget API."""
    return Segue(create_app(), versions(lifecycle), error_body=error_body, clock=clock, **kwargs)
