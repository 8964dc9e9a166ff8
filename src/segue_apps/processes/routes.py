"""The v2 routes: runs, files, processes, shares (extension) and health, all under ``/v2``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from segue_apps.common.db import Database
from segue_apps.common.errors import APIError, not_found
from segue_apps.common.jobs import (
    CANCELLED,
    FAILED,
    FINAL_STATUSES,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    Worker,
)
from segue_apps.common.jobs import TIMED_OUT as JOB_TIMED_OUT
from segue_apps.common.jobs.job import loads
from segue_apps.common.responses import JSONResponse
from segue_apps.common.ttl import TTLCache
from segue_apps.processes import store
from segue_apps.processes.auth import ApiKey, CallerDep, authenticate
from segue_apps.processes.errors import error_body
from segue_apps.processes.filestore import FileStore, Staged, sign, signature_matches
from segue_apps.processes.forms import Field, FormError, read_form
from segue_apps.processes.schemas import (
    ErrorBody,
    FileIn,
    FileUpload,
    Health,
    Id,
    ProcessPage,
    Run,
    RunIn,
    RunPage,
    Share,
    Stage,
)
from segue_apps.processes.schemas import Process as ProcessModel

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Invalid request"),
        (401, "Missing or invalid x-api-key"),
        (404, "Not found, or another organisation's"),
        (413, "Request body over the size cap"),
        (415, "Request body is not JSON"),
    )
}
router = APIRouter(responses=ERRORS)

Limit = Annotated[int, Query(ge=1, le=100, description="Items per page (1 to 100).")]
Token = Annotated[str | None, Query(max_length=64, description="From the previous page.")]
_TOKEN = re.compile(r"(\d{1,18})\.([A-Za-z0-9_-]{1,26})")


def created_at(ms: int) -> str:
    """``2021-01-01T12:00:00``: UTC, whole seconds, no offset (the seed's form)."""
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _parse_token(raw: str | None) -> tuple[int, str] | None:
    if raw is None:
        return None
    match = _TOKEN.fullmatch(raw)
    if match is None:
        raise APIError(400, "BAD_REQUEST", "continuation_token is not one this API gave")
    return int(match.group(1)), match.group(2)


def _token(key: tuple[int, str] | None) -> str | None:
    return None if key is None else f"{key[0]}.{key[1]}"


def run_status(row: Any) -> str:
    """The run's status, from its job's."""
    if row.status == QUEUED:
        return "Created" if row.attempts == 0 else "Running"
    if row.status == RUNNING:
        return "Cancelled" if row.cancel_requested else "Running"
    if row.status == SUCCEEDED:
        return "Succeeded"
    if row.status == CANCELLED:
        return "Cancelled"
    assert row.status == FAILED
    error = loads(row.error) or {}
    return "TimedOut" if error.get("code") == JOB_TIMED_OUT else "Failed"


def run_body(row: Any) -> dict[str, Any]:
    """A run as v2 shows it."""
    status = run_status(row)
    error = None
    if status in ("Failed", "TimedOut"):
        found = loads(row.error) or {}
        error = {"code": str(found.get("code", "failed")), "message": str(found.get("message", ""))}
    return {
        "agent_id": row.agent_id,
        "created_at": created_at(row.created_at),
        "file_ids": loads(row.file_ids),
        "id": row.id,
        "name": row.name,
        "outputs": (loads(row.result) or []) if status == "Succeeded" else [],
        "process_id": row.process_id,
        "stage": row.stage,
        "status": status,
        "error": error,
    }


def _inputs(body: RunIn) -> list[dict[str, Any]]:
    if body.inputs is None:
        return []
    if isinstance(body.inputs, dict):
        return [{"name": k, "value": v} for k, v in body.inputs.items()]
    seen: set[str] = set()
    for index, item in enumerate(body.inputs):
        if item.name in seen:
            message = f"input {item.name!r} is given more than once"
            raise APIError(400, "BAD_REQUEST", message, {"field": f"inputs.{index}.name",
                                                         "message": message})  # fmt: skip
        seen.add(item.name)
    return [{"name": item.name, "value": item.value} for item in body.inputs]


KNOWN_PROCESSES: TTLCache[tuple[str, str], Any] = TTLCache(ttl_s=60.0, size=4096)
"""``(org, process id)`` → the process's row, for processes this process ran a run of.

Exact: a process row never changes once made (``segue bootstrap`` only adds them), so a
run's create reads it once a minute rather than in every transaction."""


@router.post("/runs", response_model=Run, status_code=201, tags=["Runs"])
async def create_run(request: Request, body: RunIn, caller: CallerDep) -> Response:
    """Start a run of a process; it answers at once with ``status: "Created"``."""
    inputs = _inputs(body)
    org = caller.org_id
    known = KNOWN_PROCESSES.get((org, body.process_id))

    def create(conn: Any) -> Any:
        process = known or store.get_process(conn, org, body.process_id)
        if process is None or process.agent_id != body.agent_id:  # which one is unknown?
            raise not_found("Process" if store.agent_exists(conn, org, body.agent_id) else "Agent")
        try:
            attached = store.attachable_files(conn, org, body.file_ids)
        except LookupError as unknown:
            raise not_found(f"File {unknown.args[0]!r}") from None
        except ValueError as waiting:
            message = f"File {waiting.args[0]!r} was never uploaded"
            raise APIError(400, "BAD_REQUEST", message) from None
        made = store.create_run(
            conn, org, process, body.name, body.stage, inputs, attached, caller.now, claimant
        )
        return (*made, process)

    worker: Worker = request.app.state.worker
    claimant = worker.reserve()  # this process runs it now: no claim, no wait for a poll
    job = None
    try:
        row, job, process = await caller.db.run(create, write=True)
        if known is None:
            KNOWN_PROCESSES.put((org, body.process_id), process)
    finally:
        if claimant is not None:
            worker.adopt(job)
        else:
            worker.wake()
    return JSONResponse(run_body(row), status_code=201)


@router.get("/runs", response_model=RunPage, tags=["Runs"])
async def list_runs(
    caller: CallerDep,
    process_id: Annotated[str, Query(max_length=26)],
    agent_id: Annotated[str, Query(max_length=26)],
    stage: Stage | None = None,
    limit: Limit = 10,
    continuation_token: Token = None,
) -> Response:
    """The runs of one process of one agent, newest first."""
    before = _parse_token(continuation_token)
    org = caller.org_id

    def page(conn: Any) -> Any:
        process = store.get_process(conn, org, process_id)
        if process is None or process.agent_id != agent_id:
            raise not_found("Process")
        return store.list_runs(conn, org, process_id, agent_id, stage, before, limit)

    rows, after = await caller.db.run(page)
    return JSONResponse({"items": [run_body(r) for r in rows], "continuation_token": _token(after)})


@router.get("/runs/{id}", response_model=Run, tags=["Runs"])
async def get_run(id: str, caller: CallerDep) -> Response:
    """One run: poll it until its status is final."""
    row = await caller.db.run(store.get_run, caller.org_id, id)
    if row is None:
        raise not_found("Run")
    return JSONResponse(run_body(row))


@router.post(
    "/runs/{id}/cancel",
    response_model=Run,
    tags=["Runs"],
    responses={409: {"model": ErrorBody, "description": "The run has finished already"}},
)
async def cancel_run(id: str, caller: CallerDep) -> Response:
    """Cancel an unfinished run; it answers with the run, ``Cancelled``.

    Extension: not in the provider's v2 reference.
    """
    org = caller.org_id

    def cancel(conn: Any) -> Any:
        row = store.get_run(conn, org, id)
        if row is None:
            raise not_found("Run")
        if row.status in FINAL_STATUSES:
            raise APIError(409, "CONFLICT", f"The run has finished ({run_status(row)})")
        return store.cancel_run(conn, org, id, caller.now)

    return JSONResponse(run_body(await caller.db.run(cancel, write=True)))


@router.post("/files", response_model=FileUpload, status_code=201, tags=["Files"])
async def create_file(request: Request, body: FileIn, caller: CallerDep) -> Response:
    """A file to attach to runs, and the URL to upload its bytes to (once, within
    ``upload_ttl`` seconds, as a multipart form with a ``file`` part and the
    ``upload_fields``; no API key: the URL's signature is the credential)."""
    org = caller.org_id

    def create(conn: Any) -> str:
        if body.agent_id is not None and not store.agent_exists(conn, org, body.agent_id):
            raise not_found("Agent")
        return store.create_file(conn, org, body.agent_id, body.file_name, caller.now)

    file_id = await caller.db.run(create, write=True)
    expires = -(-(caller.now + caller.settings.upload_ttl * 1000) // 1000)  # rounded up
    signature = sign(request.app.state.upload_secret, file_id, expires)
    path = request.app.url_path_for("upload_file", id=file_id)
    url = f"{str(request.base_url).rstrip('/')}{path}"
    answer = {
        "file_name": body.file_name,
        "id": file_id,
        "upload_url": f"{url}?expires={expires}&signature={signature}",
        "upload_http_method": "POST",
        "upload_http_headers": {},
        "upload_fields": {"key": file_id},
    }
    return JSONResponse(answer, status_code=201)


UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "No `file` part, or a `key` field other than the file's id"),
        (403, "The URL is expired, used already, or not one this service signed"),
        (413, "Upload over the size cap"),
    )
}
uploads = APIRouter(responses=UPLOAD_ERRORS)


_UPLOAD_FORM = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "key": {"type": "string", "description": "`upload_fields.key`, if sent"},
                    "file": {"type": "string", "format": "binary"},
                },
                "required": ["file"],
            }
        }
    },
}


@uploads.post(
    "/files/{id}/upload",
    status_code=204,
    tags=["Files"],
    name="upload_file",
    openapi_extra={"requestBody": _UPLOAD_FORM},
)
async def upload_file(
    request: Request,
    id: str,
    expires: Annotated[int, Query(ge=0, le=2**40)],
    signature: Annotated[str, Query(max_length=64)],
) -> Response:
    """Upload a file's bytes to the URL ``POST /files`` gave: a multipart form with a
    ``file`` part and the ``upload_fields`` (no API key: the URL's signature is the
    credential). It works once, before it expires; a refused upload stores nothing.

    The ``file`` part is streamed to the file store as it arrives, never held whole.
    """
    settings = request.app.state.settings
    if not signature_matches(request.app.state.upload_secret, id, expires, signature):
        raise APIError(403, "FORBIDDEN", "The upload URL's signature is not valid")
    now = settings.clock()
    if expires * 1000 <= now:
        raise APIError(403, "FORBIDDEN", "The upload URL has expired")
    files: FileStore = request.app.state.files
    try:
        staged = await _stage(request, files, id, settings.max_upload_bytes)
    except APIError:
        raise
    except Exception as error:  # the store failed while the bytes streamed in
        message = f"The file store {files.location} failed: {type(error).__name__}"
        raise APIError(503, "UNAVAILABLE", message) from error
    db: Database = request.app.state.db
    try:
        if not await db.run(store.claim_upload, id, staged.size, write=True):
            raise APIError(403, "FORBIDDEN", "The upload URL has been used already")
        try:
            await files.commit(staged, id)
        except Exception as error:
            await db.run(store.release_upload, id, write=True)
            message = f"The file store {files.location} failed: {type(error).__name__}"
            raise APIError(503, "UNAVAILABLE", message) from error
        await db.run(store.finish_upload, id, now, write=True)
    finally:
        await staged.discard()  # gone already once committed
    return Response(status_code=204)


async def _stage(request: Request, files: FileStore, file_id: str, cap: int) -> Staged:
    """Stream the form's ``file`` part into a new staged upload of ``files``, checking the
    other fields; a refused form leaves nothing staged."""
    staged: Staged | None = None
    ended = False
    try:
        content_type = request.headers.get("content-type", "")
        async for part in read_form(content_type, request.stream()):
            if isinstance(part, Field):
                if part.name == "key" and part.value != file_id:
                    raise APIError(400, "BAD_REQUEST", "The form's key is not this file's id")
            elif part.name != "file" or (staged is not None and part.first):
                continue  # another file part: not stored
            elif part.first:
                staged = await files.begin()
            elif part.last:
                ended = True
            elif staged is not None and not ended:
                if staged.size + len(part.data) > cap:
                    raise APIError(413, "PAYLOAD_TOO_LARGE", f"The file exceeds {cap} bytes")
                await staged.write(part.data)
        if staged is None or not ended:
            raise APIError(400, "BAD_REQUEST", "The form has no complete `file` part")
        return staged
    except FormError as error:
        if staged is not None:
            await staged.discard()
        raise APIError(400, "BAD_REQUEST", str(error)) from None
    except BaseException:
        if staged is not None:
            await staged.discard()
        raise


@router.get("/processes", response_model=ProcessPage, tags=["Processes"])
async def list_processes(
    caller: CallerDep,
    agent_id: Annotated[str | None, Query(max_length=26)] = None,
    limit: Limit = 10,
    continuation_token: Token = None,
) -> Response:
    """The organisation's processes (of one agent, given ``agent_id``), oldest first."""
    after = _parse_token(continuation_token)
    org = caller.org_id

    def page(conn: Any) -> Any:
        if agent_id is not None and not store.agent_exists(conn, org, agent_id):
            raise not_found("Agent")
        return store.list_processes(conn, org, agent_id, after, limit)

    items, following = await caller.db.run(page)
    return JSONResponse({"items": items, "continuation_token": _token(following)})


@router.get("/processes/{id}", response_model=ProcessModel, tags=["Processes"])
async def get_process(
    id: str, caller: CallerDep, agent_id: Annotated[str | None, Query(max_length=26)] = None
) -> Response:
    """One process."""
    row = await caller.db.run(store.get_process, caller.org_id, id)
    if row is None or (agent_id is not None and row.agent_id != agent_id):
        raise not_found("Process")
    return JSONResponse(store.process_body(row))


@router.get("/shares/{share_id}", response_model=Share, tags=["Processes"])
async def get_share(share_id: Id, caller: CallerDep) -> Response:
    """What a share id names: a process at a stage (what v1's ``invoke`` runs).

    Extension: not in the provider's v2 reference.
    """
    row = await caller.db.run(store.find_share, caller.org_id, share_id)
    if row is None:
        raise not_found("Share")
    body = {"id": row.id, "process_id": row.process_id, "agent_id": row.agent_id,
            "name": row.name, "stage": row.stage}  # fmt: skip
    return JSONResponse(body)


@router.get(
    "/health",
    response_model=Health,
    tags=["Health"],
    responses={503: {"model": ErrorBody, "description": "A dependency failed (named in details)"}},
)
async def health(request: Request, key: ApiKey) -> Response:
    """Check the database really answers and the file store really writes, reads and
    deletes; 503 naming what failed otherwise.

    The database is checked before the key (whose lookup needs it), so a service whose
    database is away answers 503 rather than failing the key check.
    """
    db: Database = request.app.state.db
    try:
        await db.run(store.ping)
    except Exception as error:  # any failure is the answer
        details = [{"check": "database", "message": f"{type(error).__name__}: {error}"}]
        return JSONResponse(error_body(503, "UNAVAILABLE", "database: unavailable", details), 503)
    await authenticate(request, key)
    files: FileStore = request.app.state.files
    try:
        await files.probe()
    except Exception as error:  # any failure is the answer
        details = [{"check": "file_store", "location": files.location,
                    "message": f"{type(error).__name__}: {error}"}]  # fmt: skip
        body = error_body(503, "UNAVAILABLE", f"file_store {files.location}: unavailable", details)
        return JSONResponse(body, 503)
    return JSONResponse({"status": "OK", "database": "OK", "file_store": "OK"})
