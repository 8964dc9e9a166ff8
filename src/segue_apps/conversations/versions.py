"""v1 of the conversations API, declared as its differences from v2 (seed 001).

| Area                | v1                                   | v2                                  |
|---------------------|--------------------------------------|-------------------------------------|
| Base URL            | `/v1`, `/api/v1`, keys under `/api`  | `/api/v2`                           |
| Update              | `PUT /conversations/:id`             | `PATCH /conversations/:id`          |
| Ids                 | `id`                                 | `conversation_id`, `project_id`, …  |
| Create conversation | answers with `messages`              | without                             |
| Get conversation    | messages unless `?fields=!messages`  | only with `?include=messages`       |
| Lists               | no `pagination.total`                | `pagination.total`                  |
| Search              | top-level `next_cursor`              | `pagination {limit, next_cursor}`   |
| List projects       | every project, no pagination         | `limit`, `cursor`, `pagination`     |
| Project create/patch| no `updated_at`                      | `updated_at`                        |
| Keys                | `/api/projects/:id/keys[/:keyId]`    | `/api/v2/keys[/:id]`, key's project |
| Keys, analytics     | no `project_id`                      | `project_id`                        |
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from segue import (
    Adapter,
    Caller,
    FieldAdded,
    FieldRenamed,
    Lifecycle,
    PaginationReshaped,
    QueryMapped,
    Request,
    Response,
    RouteMoved,
    Version,
    adapter,
    default_error_body,
)

DEPRECATED = datetime(2026, 3, 18, tzinfo=UTC)  # the migration guide's date
SUNSET = datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)
MIGRATION_GUIDE = "https://docs.agentstate.app/api/v2/migration"

ONE_CONVERSATION = [
    "POST /conversations",
    "GET /conversations/{id}",
    "PUT /conversations/{id}",
]
CONVERSATION_LISTS = ["GET /conversations", "GET /conversations/search"]
ONE_PROJECT = ["GET /projects/{id}", "PATCH /projects/{id}"]
KEYS = "/projects/{project_id}/keys"
ANALYTICS = ["GET /analytics/summary", "GET /analytics/timeseries", "GET /analytics/tags"]

V1_CHANGES = [
    # Routes
    RouteMoved("PUT /conversations/{id}", "PATCH /conversations/{conversation_id}"),
    RouteMoved(f"POST {KEYS}", "POST /keys"),
    RouteMoved(f"GET {KEYS}", "GET /keys"),
    RouteMoved(f"DELETE {KEYS}/{{id}}", "DELETE /keys/{key_id}"),
    # Conversations
    FieldRenamed("id", "conversation_id", routes=ONE_CONVERSATION, on="both"),
    FieldRenamed("data[].id", "conversation_id", routes=CONVERSATION_LISTS),
    QueryMapped(
        "fields",
        "include",
        values={"!messages": None, "messages": "messages"},
        default="messages",
        routes=["GET /conversations/{id}"],
    ),
    FieldAdded("pagination.total", routes=["GET /conversations"]),
    PaginationReshaped(
        old={"next_cursor": "next_cursor"},
        new={"next_cursor": "pagination.next_cursor", "limit": "pagination.limit"},
        routes=["GET /conversations/search"],
    ),
    # Projects
    FieldRenamed("project.id", "project_id", routes=["POST /projects"]),
    FieldRenamed("api_key.id", "key_id", routes=["POST /projects"]),
    FieldAdded("project.updated_at", routes=["POST /projects"]),
    FieldRenamed("data[].id", "project_id", routes=["GET /projects"]),
    FieldRenamed("id", "project_id", routes=ONE_PROJECT),
    FieldRenamed("api_keys[].id", "key_id", routes=["GET /projects/{id}"]),
    FieldAdded("updated_at", routes=["PATCH /projects/{id}"]),
    # Keys
    FieldRenamed("id", "key_id", routes=[f"POST {KEYS}"]),
    FieldAdded("project_id", routes=[f"POST {KEYS}"]),
    FieldRenamed("data[].id", "key_id", routes=[f"GET {KEYS}"]),
    FieldAdded("data[].project_id", routes=[f"GET {KEYS}"]),
    # Analytics
    FieldAdded("project_id", routes=ANALYTICS),
]


def versions(
    deprecated_at: datetime | None = None, sunset_at: datetime | None = None
) -> list[Version]:
    """v2 and v1, newest first; the v1 dates can be moved (``--v1-sunset``)."""
    v1 = Version(
        "v1",
        ["/v1", "/api/v1", "/api"],
        changes=V1_CHANGES,
        adapters=[create_conversation, list_every_project, *KEY_ADAPTERS],
        lifecycle=Lifecycle(
            deprecated_at=deprecated_at or DEPRECATED,
            sunset_at=sunset_at or SUNSET,
            deprecation_style="legacy",
            migration_url=MIGRATION_GUIDE,
        ),
        title="Conversations API v1",
    )
    return [Version("v2", ["/api/v2"], title="Conversations API v2"), v1]


# Adapters: the v1 routes no declared change can express, written against v2.


@adapter("POST /conversations", status_code=201)
async def create_conversation(request: Request, call: Caller) -> Response:
    """v1 answers a create with the messages: v2 create, then v2 get `?include=messages`."""
    created = await call.forward()
    if created.status != 201:
        return created
    conversation_id = created.json["conversation_id"]
    found = await call.get(f"/conversations/{conversation_id}", query={"include": "messages"})
    return Response(201, found.json)


_STRING = {"type": "string"}
V1_PROJECT_LIST = {
    "type": "object",
    "properties": {
        "data": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": _STRING,
                    "org_id": _STRING,
                    "name": _STRING,
                    "slug": _STRING,
                    "created_at": {"type": "integer", "description": "Unix time in milliseconds"},
                    "key_count": {"type": "integer"},
                },
                "required": ["id", "org_id", "name", "slug", "created_at", "key_count"],
            },
        }
    },
    "required": ["data"],
}
"""v1's project list as :func:`list_every_project` answers it: every project, no pages."""


@adapter("GET /projects", response_schema=V1_PROJECT_LIST)
async def list_every_project(request: Request, call: Caller) -> Response:
    """v1 lists every project at once: v2 pages walked to the end."""
    query = [(k, v) for k, v in request.query if k not in ("limit", "cursor")]
    data: list[Any] = []
    cursor = None
    while True:
        page = await call.get(
            "/projects", query=[*query, ("limit", "100"), *([("cursor", cursor)] if cursor else [])]
        )
        if page.status != 200:
            return page
        data.extend(page.json["data"])
        cursor = page.json["pagination"]["next_cursor"]
        if cursor is None:
            return Response(200, {"data": data})


async def own_project_only(request: Request, call: Caller) -> Response:
    """v1 names the project in the path; v2 infers it from the key. Another project → 404."""
    keys = await call.get("/keys")
    if keys.status != 200:
        return keys
    own = {key["project_id"] for key in keys.json["data"]}
    if request.path_params["project_id"] not in own:
        return Response(404, default_error_body(404, "NOT_FOUND", "Project not found", None))
    return await call.forward()


KEY_ADAPTERS = [
    Adapter(route, own_project_only, status_code=status)
    for route, status in (
        (f"POST {KEYS}", 201),
        (f"GET {KEYS}", 200),
        (f"DELETE {KEYS}/{{id}}", 204),
    )
]
