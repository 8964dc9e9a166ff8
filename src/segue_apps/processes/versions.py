"""v1 of the processes API, declared as its differences from v2 (seed 004).

v1 is deprecated with no end-of-life date: every v1 answer, errors included, carries
``Deprecation: @<epoch>`` and ``Link: <…/_segue/guide>; rel="deprecation"``, no ``Sunset``.
A missing or wrong ``x-api-key`` is 401 in both versions (the provider's v1 said 403).
v1 errors have v2's body ``{status_code, message, details}``.

| v1 (`/v1`)                      | v2 (`/v2`)          | v1 differs by                       |
|---------------------------------|---------------------|-------------------------------------|
| `POST /invoke/{share_id}`       | `POST /runs`        | the share id names process and      |
|                                 |                     | stage; the body is the facts        |
|                                 |                     | `{name: value}`; → `{worker_id}`    |
| `GET /run/{worker_id}`          | `GET /runs/{id}`    | `{state, answer}`: `answer` is the  |
|                                 |                     | JSON text of `{name: value}`        |
| `POST /upload`                  | `POST /files`       | no body needed; `{upload_url, …,`   |
|                                 |                     | `blob_uri}`; `?attachments_key=`    |
|                                 |                     | `<blob_uri>` on invoke = `file_ids` |
| —                               | every other route   | absent: 404                         |
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import orjson

from segue import Caller, Lifecycle, Request, Response, RouteAbsent, Version, adapter
from segue_apps.common.ttl import TTLCache
from segue_apps.processes.errors import error_body

DEPRECATED = datetime(2026, 1, 1, tzinfo=UTC)
"""When v1 was deprecated (the ``Deprecation`` header's instant)."""
GUIDE = "/_segue/guide"

V1_CHANGES = [
    *(
        RouteAbsent(route)
        for route in (
            "POST /runs",
            "GET /runs",
            "GET /runs/{id}",
            "POST /runs/{id}/cancel",
            "GET /processes",
            "GET /processes/{id}",
            "GET /shares/{share_id}",
            "GET /health",
            "POST /files",
            "POST /files/{id}/upload",
        )
    ),
]


def versions(
    deprecated_at: datetime | None = None, sunset_at: datetime | None = None
) -> list[Version]:
    """v2 and v1, newest first; v1 deprecated (no sunset unless the command line sets one)."""
    v1 = Version(
        "v1",
        ["/v1"],
        changes=V1_CHANGES,
        adapters=[invoke, run_state, upload],  # defined below
        lifecycle=Lifecycle(
            deprecated_at=deprecated_at or DEPRECATED, sunset_at=sunset_at, migration_url=GUIDE
        ),
        title="Processes API v1",
    )
    return [Version("v2", ["/v2"], title="Processes API v2"), v1]


# --------------------------------------------------------------------------- adapters

_FACTS = {"type": "object", "description": "The facts: `{name: value}`, the run's inputs"}
_WORKER = {
    "type": "object",
    "properties": {"worker_id": {"type": "string"}},
    "required": ["worker_id"],
}
_STATE = {
    "type": "object",
    "properties": {
        "state": {"type": "string", "enum": ["pending", "running", "done", "error"]},
        "answer": {
            "type": ["string", "null"],
            "description": "once done: the JSON text of `{name: value}` for every output",
        },
    },
    "required": ["state", "answer"],
}
_STATES = {
    "Created": "pending",
    "Running": "running",
    "Succeeded": "done",
    "Failed": "error",
    "Cancelled": "error",
    "TimedOut": "error",
}


class ShareCache:
    """What a share id names, per API key, kept ``ttl_s`` seconds: v1's invoke then makes
    one v2 call (``POST /runs``) rather than two. A share never changes once made; the
    cache is keyed by the key's hash, so an entry serves only the tenant that looked it up,
    and ``POST /runs`` checks the key and the process again on every call.
    """

    def __init__(self, ttl_s: float = 60.0, size: int = 4096) -> None:
        self._found: TTLCache[tuple[bytes, str], dict[str, Any]] = TTLCache(ttl_s, size)

    async def find(self, request: Request, call: Caller) -> dict[str, Any] | Response:
        """The share of the request's ``share_id`` (v2's ``GET /shares/{id}`` body), or
        that call's error answer."""
        share_id = request.path_params["share_id"]
        api_key = next((v for k, v in request.headers if k == b"x-api-key"), b"")
        key = (hashlib.sha256(api_key).digest(), share_id)
        kept = self._found.get(key)
        if kept is not None:
            return dict(kept)
        found = await call.get(f"/shares/{share_id}")
        if found.status != 200:
            return found
        self._found.put(key, found.json)
        return dict(found.json)


SHARES = ShareCache()
"""The share lookups of v1's invoke (shared by the apps of this process)."""


def _invalid(message: str) -> Response:
    return Response(400, error_body(400, "BAD_REQUEST", message))


_ATTACHMENTS = {
    "name": "attachments_key",
    "schema": {"type": "array", "items": {"type": "string"}},
    "description": "A `blob_uri` of `POST /upload` to attach; repeat it for several files",
}


@adapter(
    "POST /invoke/{share_id}",
    status_code=201,
    request_schema=_FACTS,
    response_schema=_WORKER,
    query_params=[_ATTACHMENTS],
    summary="Start a run of the process the share id names, with the facts: v2 `POST /runs`.",
)
async def invoke(request: Request, call: Caller) -> Response:
    """Start a run of the process the share id names, its inputs the facts, its files the
    `attachments_key` query parameters (each a `blob_uri` of `POST /upload`): v2
    `POST /runs`."""
    try:
        facts: Any = request.json if request.content else {}
    except orjson.JSONDecodeError:
        return _invalid("The body must be a JSON object of facts")
    if not isinstance(facts, dict):
        return _invalid("The body must be a JSON object of facts")
    named = await SHARES.find(request, call)
    if isinstance(named, Response):
        return named
    file_ids = []
    for name, value in request.query:
        if name == "attachments_key":
            if not value.startswith(BLOB_PREFIX):
                return Response(404, error_body(404, "NOT_FOUND", f"File {value!r} not found"))
            file_ids.append(value.removeprefix(BLOB_PREFIX))
    run = {
        "agent_id": named["agent_id"],
        "process_id": named["process_id"],
        "stage": named["stage"],
        "name": named["name"],
        "inputs": facts,
        "file_ids": file_ids,
    }
    created = await call.post("/runs", json=run)
    if created.status != 201:
        return created
    return Response(201, {"worker_id": created.json["id"]})


@adapter("GET /run/{worker_id}", response_schema=_STATE)
async def run_state(request: Request, call: Caller) -> Response:
    """The run's state and, once done, its outputs as JSON text: v2 `GET /runs/{id}`."""
    found = await call.get(f"/runs/{request.path_params['worker_id']}")
    if found.status != 200:
        return found
    run: dict[str, Any] = found.json
    state = _STATES[run["status"]]
    answer = None
    if state == "done":
        answer = orjson.dumps({o["name"]: o["value"] for o in run["outputs"]}).decode()
    return Response(200, {"state": state, "answer": answer})


BLOB_PREFIX = "blob://files/"
"""A v1 ``blob_uri`` is this and the v2 file id."""
_UPLOAD_IN = {
    "type": "object",
    "properties": {"file_name": {"type": "string", "minLength": 1, "maxLength": 256}},
    "description": "Optional; no body is needed",
}
_UPLOAD = {
    "type": "object",
    "properties": {
        "upload_url": {"type": "string"},
        "upload_http_method": {"type": "string", "enum": ["POST"]},
        "upload_http_headers": {"type": "object", "additionalProperties": {"type": "string"}},
        "blob_uri": {"type": "string", "description": "Pass as `attachments_key` to invoke"},
    },
    "required": ["upload_url", "upload_http_method", "upload_http_headers", "blob_uri"],
}


@adapter(
    "POST /upload",
    status_code=201,
    request_schema=_UPLOAD_IN,
    response_schema=_UPLOAD,
    summary="A URL to upload one file's bytes to, once, within 5 minutes: v2 `POST /files`.",
)
async def upload(request: Request, call: Caller) -> Response:
    """A URL to upload one file's bytes to (a multipart form with a `file` part, once,
    within 5 minutes): v2 `POST /files`."""
    try:
        given: Any = request.json if request.content else {}
    except orjson.JSONDecodeError:
        return _invalid("The body must be a JSON object")
    if not isinstance(given, dict):
        return _invalid("The body must be a JSON object")
    made = await call.post("/files", json={"file_name": given.get("file_name", "upload")})
    if made.status != 201:
        return made
    file: dict[str, Any] = made.json
    return Response(
        201,
        {
            "upload_url": file["upload_url"],
            "upload_http_method": file["upload_http_method"],
            "upload_http_headers": file["upload_http_headers"],
            "blob_uri": BLOB_PREFIX + file["id"],
        },
    )
