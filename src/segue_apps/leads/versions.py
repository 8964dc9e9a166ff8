"""v1 of the leads API, declared as its differences from v2 (seed 002).

v1 is deprecated (RFC 9745 ``Deprecation``, ``Link rel="deprecation"`` to the migration
guide on every answer; ``Sunset`` once ``--v1-sunset`` sets one). Its vocabulary is the
old one — people of interest, tracked accounts, saved searches, sync, explore,
``trackedAccountId``, ``savedSearchId``, ``matchConfidence`` ``full``/``maybe`` — and its
errors are ``{"error": {"code", "message", "details"?}}``.

| v1 (`/api/v1`)                          | v2 (`/api/v2`)                                     |
|-----------------------------------------|----------------------------------------------------|
| `GET /me`                               | `GET /me` (without accounts, credits, totals…)     |
| `POST /tracked-accounts`                | 410: `POST /api/v2/streams` with the handle        |
| `GET /tracked-accounts`                 | `GET /accounts`                                    |
| `DELETE /tracked-accounts/{id}` (sleep) | `POST /accounts/{id}/sleep`                        |
| `PUT /tracked-accounts/{id}` (wake)     | `POST /accounts/{id}/wake`                         |
| `POST /tracked-accounts/{id}/change-tier` | `POST /accounts/{id}/change-tier`                |
| `PATCH /tracked-accounts/{id}`          | adapter: `PATCH /streams/{id}` with the new pair   |
| `GET /saved-searches`                   | `GET /segments`                                    |
| `POST /saved-searches`                  | `POST /segments`                                   |
| `GET /saved-searches/{id}`              | adapter: the segment, read from `GET /segments`    |
| `PUT /saved-searches/{id}`              | 410: `PATCH /api/v2/streams/{id}`                  |
| `DELETE /saved-searches/{id}`           | 410: `DELETE /api/v2/streams/{id}`                 |
| `POST /saved-searches/{id}/assignments` | adapter: `PATCH /streams/{id}` with the new pair   |
| `POST /sync`                            | adapter: `POST /streams/{id}/run`, every stream    |
| `POST /explore`                         | adapter: `POST /streams/{id}/re-test`, every stream|
| `GET /sync-status`                      | adapter: the latest of `GET /runs`                 |
| `GET /sync-history`                     | `GET /runs`                                        |
| `GET`, `PUT /sync-settings`             | 410: `GET`, `PATCH /api/v2/streams/{id}`           |
| `GET /explore/budget`                   | adapter: `GET /me`'s `accounts[].monthlyRetest`    |
| `GET /people-of-interest`               | `GET /leads?lifecycle=all` (every lead)            |
| `POST /feedback`                        | adapter: `POST /leads/{id}/feedback`               |
| `POST /enrich`, `GET /enrich/history`   | `/lookups/enrich`, `/lookups/enrich/history`       |
| `POST /enrich-email`, its history       | `/lookups/enrich-email`, its history               |
| `POST /saved-searches/from-description` | `POST /lookups/segments/from-description`          |
| `DELETE /api-keys/{id}`                 | `DELETE /lookups/api-keys/{id}`                    |
| dm-templates, notification-settings     | the same                                           |
| `POST`, `DELETE /webhooks/subscribe`    | the same; filter `trackedAccountId` → `accountId`, |
|                                         | `full`/`maybe`; `savedSearchId` matches nothing    |
| —                                       | streams, runs, leads by id, labels: absent (404)   |
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from segue import (
    Caller,
    EnumMapped,
    ErrorEnvelopeReshaped,
    FieldAdded,
    FieldRenamed,
    Lifecycle,
    QueryMapped,
    Request,
    Response,
    RouteAbsent,
    RouteMoved,
    RouteRemoved,
    Version,
    adapter,
)
from segue_apps.leads.errors import error_body

DEPRECATED = datetime(2026, 1, 1, tzinfo=UTC)
"""When v1 was deprecated (the ``Deprecation`` header's instant)."""
GUIDE = "/_segue/guide"
GRADES = {"full": "high", "maybe": "medium"}
"""v1 ``matchConfidence`` → v2."""

ACCOUNT_LISTS = ["GET /tracked-accounts"]
PEOPLE = ["GET /people-of-interest"]
WEBHOOK = ["POST /webhooks/subscribe"]

V1_CHANGES = [
    # Errors: v1 nests them.
    ErrorEnvelopeReshaped(
        old={"code": "error.code", "message": "error.message", "details": "error.details"},
        new={"code": "error", "message": "message", "details": "details"},
    ),
    # Identity
    *(
        FieldAdded(field, routes=["GET /me"])
        for field in ("accounts", "credits", "subscriptionStatus", "totals")
    ),
    # Tracked accounts: no public "add" verb; the management verbs moved.
    RouteRemoved("POST /tracked-accounts", replacement="POST /api/v2/streams"),
    RouteMoved("GET /tracked-accounts", "GET /accounts"),
    RouteMoved("DELETE /tracked-accounts/{id}", "POST /accounts/{id}/sleep"),
    RouteMoved("PUT /tracked-accounts/{id}", "POST /accounts/{id}/wake"),
    RouteMoved("POST /tracked-accounts/{id}/change-tier", "POST /accounts/{id}/change-tier"),
    *(
        FieldRenamed(
            f"{where}[].assignedSavedSearchIds", "assignedSegmentIds", routes=ACCOUNT_LISTS
        )
        for where in ("active", "sleeping")
    ),
    *(FieldAdded(f"{where}[].streamIds", routes=ACCOUNT_LISTS) for where in ("active", "sleeping")),
    FieldRenamed(
        "assignedSavedSearchIds",
        "assignedSegmentIds",
        routes=["POST /tracked-accounts/{id}/change-tier"],
    ),
    FieldAdded("streamIds", routes=["POST /tracked-accounts/{id}/change-tier"]),
    # Saved searches are segments; editing and deleting them is not exposed any more.
    RouteMoved("GET /saved-searches", "GET /segments"),
    RouteMoved("POST /saved-searches", "POST /segments"),
    FieldAdded("savedSearches[].linkedStreamCount", routes=["GET /saved-searches"]),
    FieldRenamed("savedSearches", "segments", routes=["GET /saved-searches"]),
    RouteRemoved("PUT /saved-searches/{id}", replacement="PATCH /api/v2/streams/{id}"),
    RouteRemoved("DELETE /saved-searches/{id}", replacement="DELETE /api/v2/streams/{id}"),
    # Sync
    RouteMoved("GET /sync-history", "GET /runs"),
    # (inner fields first: going down, changes apply last-declared first)
    EnumMapped("syncs[].kind", {"explore": "retest"}, routes=["GET /sync-history"]),
    FieldRenamed("syncs", "runs", routes=["GET /sync-history"]),
    RouteRemoved("GET /sync-settings", replacement="GET /api/v2/streams/{id}"),
    RouteRemoved("PUT /sync-settings", replacement="PATCH /api/v2/streams/{id}"),
    # People of interest are leads; v1 lists every lead, exported or not.
    RouteMoved("GET /people-of-interest", "GET /leads"),
    QueryMapped("trackedAccountId", "accountId", routes=PEOPLE),
    QueryMapped("savedSearchId", "segmentId", routes=PEOPLE),
    QueryMapped("matchConfidence", "matchConfidence", values=GRADES, routes=PEOPLE),
    QueryMapped("lifecycle", "lifecycle", default="all", routes=PEOPLE),
    FieldRenamed("peopleOfInterest[].trackedAccountId", "trackedXAccountId", routes=PEOPLE),
    FieldRenamed("peopleOfInterest[].savedSearchId", "segmentId", routes=PEOPLE),
    EnumMapped("peopleOfInterest[].matchConfidence", GRADES, routes=PEOPLE),
    FieldAdded("peopleOfInterest[].streamId", routes=PEOPLE),
    FieldRenamed("peopleOfInterest", "leads", routes=PEOPLE),
    # Lookups (the Chrome extension)
    RouteMoved("POST /enrich", "POST /lookups/enrich"),
    RouteMoved("GET /enrich/history", "GET /lookups/enrich/history"),
    RouteMoved("POST /enrich-email", "POST /lookups/enrich-email"),
    RouteMoved("GET /enrich-email/history", "GET /lookups/enrich-email/history"),
    RouteMoved("POST /saved-searches/from-description", "POST /lookups/segments/from-description"),
    RouteMoved("DELETE /api-keys/{id}", "DELETE /lookups/api-keys/{id}"),
    # Webhooks: the filter named tracked accounts and saved searches, full/maybe.
    FieldRenamed("filterConfig.trackedAccountId", "accountId", routes=WEBHOOK, on="both"),
    EnumMapped("filterConfig.matchConfidence", GRADES, routes=WEBHOOK),
    # v2's own routes
    *(
        RouteAbsent(route)
        for route in (
            "POST /streams",
            "GET /streams",
            "GET /streams/{id}",
            "PATCH /streams/{id}",
            "DELETE /streams/{id}",
            "POST /streams/{id}/run",
            "POST /streams/{id}/re-test",
            "GET /streams/{id}/runs",
            "GET /streams/{id}/runs/{runId}",
            "GET /streams/{id}/leads",
            "POST /leads/{id}/feedback",
            "POST /leads/{id}/enrich",
            "POST /leads/{id}/export",
            "GET /segments/labels",
        )
    ),
]


def versions(
    deprecated_at: datetime | None = None, sunset_at: datetime | None = None
) -> list[Version]:
    """v2 and v1, newest first; v1 deprecated (no sunset unless the command line sets one)."""
    v1 = Version(
        "v1",
        ["/api/v1"],
        changes=V1_CHANGES,
        adapters=ADAPTERS,  # defined below
        lifecycle=Lifecycle(
            deprecated_at=deprecated_at or DEPRECATED, sunset_at=sunset_at, migration_url=GUIDE
        ),
        title="Leads API v1",
    )
    return [Version("v2", ["/api/v2"], title="Leads API v2"), v1]


# --------------------------------------------------------------------------- adapters


def _error(status: int, code: str, message: str) -> Response:
    return Response(status, error_body(status, code, message))


async def _refused(call: Caller, refusal: Response) -> Response:
    """``refusal`` (a bad body), unless the key is bad: then v2's 401, as on every route."""
    me = await call.get("/me")
    return me if me.status == 401 else refusal


def _body(request: Request) -> dict[str, Any] | Response:
    """The request's JSON object, or the 400 to answer."""
    try:
        given: Any = request.json if request.content else {}
    except (orjson.JSONDecodeError, ValueError):
        return _error(400, "validation_failed", "body: must be a JSON object")
    if not isinstance(given, dict):
        return _error(400, "validation_failed", "body: must be a JSON object")
    return given


def _text_id(given: dict[str, Any], name: str) -> str | Response:
    value = given.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= 32:
        return _error(400, "validation_failed", f"{name}: a string id is required")
    return value


def _grade(value: str) -> str:
    return {new: old for old, new in GRADES.items()}.get(value, value)


def person_of_interest(lead: dict[str, Any]) -> dict[str, Any]:
    """A v2 lead in v1's words."""
    out = {k: v for k, v in lead.items()
           if k not in ("streamId", "trackedXAccountId", "segmentId")}  # fmt: skip
    out["trackedAccountId"] = lead["trackedXAccountId"]
    out["savedSearchId"] = lead["segmentId"]
    out["matchConfidence"] = _grade(lead["matchConfidence"])
    return out


def sync_of(run: dict[str, Any]) -> dict[str, Any]:
    """A v2 run in v1's words (a re-test is an explore)."""
    return run | {"kind": "explore" if run["kind"] == "retest" else run["kind"]}


async def _active_streams(call: Caller) -> list[dict[str, Any]] | Response:
    found = await call.get("/streams")
    if found.status != 200:
        return found
    streams: list[dict[str, Any]] = found.json["streams"]
    return streams


_STRING = {"type": "string"}
_NULLABLE = {"type": ["string", "null"]}
_ID_BODY = {"type": "object", "additionalProperties": True}
_SEGMENT = {
    "type": "object",
    "properties": {
        "id": _STRING,
        "name": _STRING,
        "description": _STRING,
        "labels": {"type": "array", "items": _STRING},
        "gender": {"type": "string", "enum": ["any", "female", "male"]},
        "followerTiers": {"type": "array", "items": _STRING},
        "createdAt": _STRING,
    },
    "required": ["id", "name", "description", "labels", "gender", "followerTiers", "createdAt"],
}


@adapter("GET /saved-searches/{id}", response_schema=_SEGMENT)
async def get_saved_search(request: Request, call: Caller) -> Response:
    """The saved search (a segment), read from v2 `GET /segments`."""
    found = await call.get("/segments")
    if found.status != 200:
        return found
    for segment in found.json["segments"]:
        if segment["id"] == request.path_params["id"]:
            segment.pop("linkedStreamCount", None)
            return Response(200, segment)
    return _error(404, "not_found", "Saved search not found")


_ASSIGNED = {
    "type": "object",
    "properties": {
        "trackedAccountId": _STRING,
        "savedSearchId": _STRING,
        "streamId": _STRING,
        "assigned": {"type": "boolean"},
    },
    "required": ["trackedAccountId", "savedSearchId", "streamId", "assigned"],
}


async def _assign(call: Caller, account_id: str, segment_id: str) -> Response:
    """Pair an account with a segment: in the first active stream that tracks the account
    (v2 `PATCH /streams/{id}` with the pair added), else in a new stream."""
    streams = await _active_streams(call)
    if isinstance(streams, Response):
        return streams
    for stream in streams:
        full = await call.get(f"/streams/{stream['id']}")
        if full.status != 200:
            return full
        pairs = [{"accountId": p["accountId"], "segmentId": p["segmentId"]}
                 for p in full.json["pairs"]]  # fmt: skip
        if all(p["accountId"] != account_id for p in pairs):
            continue
        wanted = {"accountId": account_id, "segmentId": segment_id}
        if wanted not in pairs:
            patched = await call("PATCH", f"/streams/{stream['id']}",
                                 json={"pairs": [*pairs, wanted]})  # fmt: skip
            if patched.status != 200:
                return patched
        return Response(200, {"trackedAccountId": account_id, "savedSearchId": segment_id,
                              "streamId": stream["id"], "assigned": True})  # fmt: skip
    made = await call.post(
        "/streams", json={"pairs": [{"accountId": account_id, "segmentId": segment_id}]}
    )
    if made.status != 201:
        return made
    return Response(200, {"trackedAccountId": account_id, "savedSearchId": segment_id,
                          "streamId": made.json["id"], "assigned": True})  # fmt: skip


@adapter(
    "POST /saved-searches/{id}/assignments",
    request_schema={"type": "object", "properties": {"trackedAccountId": _STRING},
                    "required": ["trackedAccountId"]},
    response_schema=_ASSIGNED,
)  # fmt: skip
async def assign_saved_search(request: Request, call: Caller) -> Response:
    """Assign the saved search to a tracked account: v2 `PATCH /streams/{id}` with the
    new pair (or a new stream when no stream tracks the account)."""
    given = _body(request)
    if isinstance(given, Response):
        return await _refused(call, given)
    account_id = _text_id(given, "trackedAccountId")
    if isinstance(account_id, Response):
        return await _refused(call, account_id)
    return await _assign(call, account_id, request.path_params["id"])


@adapter(
    "PATCH /tracked-accounts/{id}",
    request_schema={"type": "object", "properties": {"savedSearchId": _STRING},
                    "required": ["savedSearchId"]},
    response_schema=_ASSIGNED,
)  # fmt: skip
async def assign_to_account(request: Request, call: Caller) -> Response:
    """Assign one saved search to the tracked account: v2 `PATCH /streams/{id}` with the
    new pair (or a new stream when no stream tracks the account)."""
    given = _body(request)
    if isinstance(given, Response):
        return await _refused(call, given)
    segment_id = _text_id(given, "savedSearchId")
    if isinstance(segment_id, Response):
        return await _refused(call, segment_id)
    return await _assign(call, request.path_params["id"], segment_id)


_SYNC = {"type": "object", "description": "A sync (a v2 run): kind sync, explore or scheduled"}
_SYNCS = {
    "type": "object",
    "properties": {
        "syncs": {"type": "array", "items": _SYNC},
        "skipped": {
            "type": "array",
            "items": {"type": "object", "properties": {"streamId": _STRING, "error": _STRING},
                      "required": ["streamId", "error"]},
        },
    },
    "required": ["syncs", "skipped"],
}  # fmt: skip


@adapter("POST /sync", status_code=202, response_schema=_SYNCS)
async def sync_all(request: Request, call: Caller) -> Response:
    """Sync every active stream: v2 `POST /streams/{id}/run` for each. When none could
    start, the first refusal is the answer (e.g. 403 `daily_sync_limit`)."""
    streams = await _active_streams(call)
    if isinstance(streams, Response):
        return streams
    syncs, skipped, refusal = [], [], None
    for stream in streams:
        ran = await call.post(f"/streams/{stream['id']}/run")
        if ran.status == 202:
            syncs.append(sync_of(ran.json))
            continue
        refusal = refusal or ran
        code = ran.json.get("error", "failed") if isinstance(ran.json, dict) else "failed"
        skipped.append({"streamId": stream["id"], "error": str(code)})
    if not syncs and refusal is not None:
        return refusal
    return Response(202, {"syncs": syncs, "skipped": skipped})


_EXPLORED = {
    "type": "object",
    "properties": {
        "queued": {"type": "array", "items": {"type": "object"}},
        "skipped": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["queued", "skipped"],
}


def _explore_item(item: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in item.items() if k != "segmentId"}
    out["savedSearchId"] = item["segmentId"]
    return out


@adapter("POST /explore", status_code=202, response_schema=_EXPLORED)
async def explore_all(request: Request, call: Caller) -> Response:
    """Re-test every active stream: v2 `POST /streams/{id}/re-test` for each. When nothing
    could be queued, the first refusal is the answer (e.g. 403 `retest_limit`)."""
    streams = await _active_streams(call)
    if isinstance(streams, Response):
        return streams
    queued: list[Any] = []
    skipped: list[Any] = []
    refusal = None
    for stream in streams:
        tested = await call.post(f"/streams/{stream['id']}/re-test")
        if tested.status != 202:
            refusal = refusal or tested
            continue
        queued += [_explore_item(i) for i in tested.json["queued"]]
        skipped += [_explore_item(i) for i in tested.json["skipped"]]
    if not queued and refusal is not None:
        return refusal
    return Response(202, {"queued": queued, "skipped": skipped})


_BUDGET = {
    "type": "object",
    "properties": {
        "trackedAccounts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"trackedAccountId": _STRING, "handle": _STRING, "tier": _STRING,
                               "used": {"type": "integer"}, "limit": {"type": "integer"},
                               "remaining": {"type": "integer"}},
                "required": ["trackedAccountId", "handle", "tier", "used", "limit", "remaining"],
            },
        },
        "remaining": {"type": "integer"},
    },
    "required": ["trackedAccounts", "remaining"],
}  # fmt: skip


@adapter("GET /explore/budget", response_schema=_BUDGET)
async def explore_budget(request: Request, call: Caller) -> Response:
    """Each tracked account's monthly explore (re-test) budget: v2 `GET /me`'s
    `accounts[].monthlyRetest`."""
    me = await call.get("/me")
    if me.status != 200:
        return me
    rows = [{"trackedAccountId": a["accountId"], "handle": a["handle"], "tier": a["tier"],
             **a["monthlyRetest"]} for a in me.json["accounts"]]  # fmt: skip
    return Response(200, {"trackedAccounts": rows,
                          "remaining": me.json["totals"]["monthlyRetestRemaining"]})  # fmt: skip


_STATUS = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["idle", "queued", "running", "completed", "failed"]},
        "lastSync": {"oneOf": [{"type": "null"}, _SYNC]},
    },
    "required": ["status", "lastSync"],
}


@adapter("GET /sync-status", response_schema=_STATUS)
async def sync_status(request: Request, call: Caller) -> Response:
    """The latest sync: the newest of v2 `GET /runs` (`idle` when there is none)."""
    found = await call.get("/runs", query={"limit": "1"})
    if found.status != 200:
        return found
    latest = found.json["runs"][0] if found.json["runs"] else None
    status = latest["status"] if latest else "idle"
    return Response(200, {"status": status, "lastSync": sync_of(latest) if latest else None})


_POI = {"type": "object", "description": "A person of interest (v1's lead)"}


@adapter(
    "POST /feedback",
    request_schema={
        "type": "object",
        "properties": {"personOfInterestId": _STRING,
                       "status": {"type": "string", "enum": ["good", "bad"]},
                       "note": _NULLABLE},
        "required": ["personOfInterestId", "status"],
    },
    response_schema=_POI,
)  # fmt: skip
async def feedback(request: Request, call: Caller) -> Response:
    """Feedback on a person of interest: v2 `POST /leads/{id}/feedback`."""
    given = _body(request)
    if isinstance(given, Response):
        return await _refused(call, given)
    lead_id = _text_id(given, "personOfInterestId")
    if isinstance(lead_id, Response):
        return await _refused(call, lead_id)
    sent = {k: given[k] for k in ("status", "note") if k in given}
    answer = await call.post(f"/leads/{lead_id}/feedback", json=sent)
    if answer.status != 200:
        return answer
    return Response(200, person_of_interest(answer.json))


async def subscribe(request: Request, call: Caller) -> Response:
    """Subscribe a webhook; a v1 `savedSearchId` filter is kept but, as the provider's
    migration says, matches nothing any more."""
    given = _body(request)
    if isinstance(given, Response):
        return await _refused(call, given)
    config = given.get("filterConfig")
    if isinstance(config, dict) and "savedSearchId" in config:
        config = dict(config)
        config["streamId"] = f"savedSearch:{config.pop('savedSearchId')}"[:64]
        given = given | {"filterConfig": config}
    answer = await call.post("/webhooks/subscribe", json=given)
    if isinstance(answer.json, dict) and isinstance(answer.json.get("filterConfig"), dict):
        shown = answer.json["filterConfig"]
        kept = shown.get("streamId")
        if isinstance(kept, str) and kept.startswith("savedSearch:"):
            shown.pop("streamId")
            shown["savedSearchId"] = kept.removeprefix("savedSearch:")
    return answer


SUBSCRIBE = adapter("POST /webhooks/subscribe", status_code=201)(subscribe)

ADAPTERS = [
    get_saved_search,
    assign_saved_search,
    assign_to_account,
    sync_all,
    explore_all,
    explore_budget,
    sync_status,
    feedback,
    SUBSCRIBE,
]
