"""The Sequences segment: list, read, draft, edit a step, launch, stop, delete; campaigns.

A real action on a paused campaign answers 409 ``CAMPAIGN_PAUSED`` with a resume handoff;
the same call with ``dryRun: true`` answers 200 with what would happen (``blockedBy``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from segue_apps.common.responses import JSONResponse
from segue_apps.workspace.auth import Caller, CallerDep
from segue_apps.workspace.errors import WorkspaceError
from segue_apps.workspace.routes import ERRORS, Page, PageSize
from segue_apps.workspace.sequence_schemas import (
    Campaign,
    CampaignChange,
    Channel,
    Deleted,
    DeleteIn,
    Drafted,
    DraftIn,
    DryRunIn,
    Launched,
    Sequence,
    SequencePage,
    SequenceStatus,
    StepEdited,
    StepEditIn,
    Stopped,
)
from segue_apps.workspace.store import data_tables, drafts
from segue_apps.workspace.store import sequences as store

router = APIRouter(tags=["Sequences"], responses=ERRORS)


def _error(description: str) -> dict[str, Any]:
    return ERRORS[400] | {"description": description}


Id = Annotated[str | None, Query(max_length=64)]
Status = Annotated[SequenceStatus | None, Query(description="draft, active or stopped.")]
ChannelFilter = Annotated[Channel | None, Query(description="Sequences with a step on it.")]
RecipientFilter = Annotated[
    str | None,
    Query(min_length=1, max_length=320, description="Recipient email or name (any case)."),
]


@router.get(
    "/sequences",
    response_model=SequencePage,
    responses={400: _error("VALIDATION_ERROR / MISSING_SCOPE")},
)
async def list_sequences(
    caller: CallerDep,
    workspaceId: Id = None,
    tableId: Id = None,
    columnId: Id = None,
    status: Status = None,
    channel: ChannelFilter = None,
    recipient: RecipientFilter = None,
    page: Page = 0,
    page_size: PageSize = 50,
) -> Response:
    """List sequences within a scope: one of ``workspaceId``, ``tableId``, ``columnId``.

    Ids of other workspaces match nothing (an empty page); filter by ``status``,
    ``channel`` and ``recipient``. ``total`` counts the sequences that match.
    """
    if workspaceId is None and tableId is None and columnId is None:
        raise WorkspaceError(
            400, "MISSING_SCOPE", "Pass one of workspaceId, tableId or columnId to bound the list."
        )
    filters = store.Filters(workspaceId, tableId, columnId, status, channel, recipient)
    body = await caller.db.run(store.list_page, caller.workspace_id, filters, page, page_size)
    return JSONResponse(body)


@router.get("/tables/{tableId}/sequences", response_model=SequencePage)
async def list_table_sequences(
    tableId: str,
    caller: CallerDep,
    status: Status = None,
    channel: ChannelFilter = None,
    recipient: RecipientFilter = None,
    page: Page = 0,
    page_size: PageSize = 50,
) -> Response:
    """List one table's sequences (same filters); a missing or foreign table is a 404."""
    filters = store.Filters(None, tableId, None, status, channel, recipient)
    body = await caller.db.run(
        store.list_for_table,
        caller.workspace_id,
        tableId,
        filters,
        page,
        page_size,
        caller.settings.app_url,
    )
    return JSONResponse(body)


@router.post(
    "/tables/{tableId}/sequences",
    response_model=Drafted,
    status_code=202,
    responses={
        402: _error("INSUFFICIENT_CREDITS (top-up handoff)"),
        409: _error("CAMPAIGN_PAUSED (resume handoff)"),
    },
)
async def draft_sequences(tableId: str, body: DraftIn, caller: CallerDep) -> Response:
    """Draft a sequence for each row of the table from ``instructions`` (nothing is sent).

    Drafting follows fixed rules (see the docs) and is done when this answers: 202 with
    the drafting run, already ``completed``, the table, and the counts.
    """
    app_url = caller.settings.app_url
    made = await caller.db.run(
        drafts.draft,
        caller.workspace_id,
        tableId,
        body.instructions,
        app_url,
        caller.now,
        write=True,
    )
    table = await data_tables.get(caller.db, caller.workspace_id, tableId, app_url)
    return JSONResponse({"agent": None, **made, "table": table}, status_code=202)


def _dry_run(body: DryRunIn | None) -> bool:
    return body is not None and body.dryRun


async def _write(caller: Caller, action: Callable[..., Any], *args: Any) -> Response:
    """Run a store action in a write transaction, in the caller's workspace, and answer it."""
    act = partial(action, app_url=caller.settings.app_url, now=caller.now)
    return JSONResponse(await caller.db.run(act, caller.workspace_id, *args, write=True))


@router.get("/sequences/{sequenceId}", response_model=Sequence)
async def get_sequence(sequenceId: str, caller: CallerDep) -> Response:
    """Return a sequence with its steps inline (provider internals redacted)."""
    return JSONResponse(await caller.db.run(store.detail, caller.workspace_id, sequenceId))


@router.patch(
    "/sequences/{sequenceId}/steps/{stepId}",
    response_model=StepEdited,
    responses={
        400: _error("VALIDATION_ERROR / STEP_NOT_EDITABLE"),
        404: _error("SEQUENCE_NOT_FOUND / SEQUENCE_STEP_NOT_FOUND"),
        409: _error("STEP_STATUS_CHANGED / CAMPAIGN_PAUSED (resume handoff)"),
    },
)
async def edit_step(sequenceId: str, stepId: str, body: StepEditIn, caller: CallerDep) -> Response:
    """Change one step's ``subject`` and/or ``body`` while it is draft or scheduled.

    Connection requests take no subject and at most 300 characters of body.
    """
    return await _write(caller, store.edit_step, sequenceId, stepId, body.subject, body.body)


@router.post(
    "/sequences/{sequenceId}/launch",
    response_model=Launched,
    responses={409: _error("CAMPAIGN_PAUSED (resume handoff) / SEQUENCE_NOT_DRAFT")},
)
async def launch_sequence(
    sequenceId: str, caller: CallerDep, body: DryRunIn | None = None
) -> Response:
    """Launch a draft: its first step is sent, the others scheduled. Supports ``dryRun``.

    Extension: the provider launches from the app. No message leaves this service.
    """
    return await _write(caller, store.launch, sequenceId, _dry_run(body))


@router.post(
    "/sequences/{sequenceId}/stop",
    response_model=Stopped,
    responses={409: _error("CAMPAIGN_PAUSED (resume handoff)")},
)
async def stop_sequence(
    sequenceId: str, caller: CallerDep, body: DryRunIn | None = None
) -> Response:
    """Stop one recipient's sequence; sent history is kept. Supports ``dryRun``.

    ``action``: ``nothing_to_stop`` (a fresh draft), ``stopped``, or ``noop`` (already
    stopped).
    """
    return await _write(caller, store.stop, sequenceId, _dry_run(body))


@router.post(
    "/sequences/{sequenceId}/delete",
    response_model=Deleted,
    responses={409: _error("SEQUENCE_HAS_SENT_MESSAGES / CAMPAIGN_PAUSED (resume handoff)")},
)
async def delete_sequence(
    sequenceId: str, caller: CallerDep, body: DeleteIn | None = None
) -> Response:
    """Soft-delete a sequence and clear its row's cell. Supports ``dryRun``.

    A sequence with sent messages needs ``forceDeletionOfSentMessages: true``.
    """
    force = body is not None and body.forceDeletionOfSentMessages
    return await _write(caller, store.delete, sequenceId, force, _dry_run(body))


_CAMPAIGN = "/tables/{tableId}/columns/{columnId}/campaign"
_NOT_SEQUENCE: dict[int | str, dict[str, Any]] = {
    400: _error("VALIDATION_ERROR / NOT_A_SEQUENCE_COLUMN")
}


@router.get(_CAMPAIGN, response_model=Campaign, responses=_NOT_SEQUENCE)
async def get_campaign(tableId: str, columnId: str, caller: CallerDep) -> Response:
    """Read a campaign's pause state; ``columnId`` is a sequence column's id or slug."""
    found = await caller.db.run(
        store.campaign, caller.workspace_id, tableId, columnId, caller.settings.app_url
    )
    return JSONResponse(found)


@router.post(f"{_CAMPAIGN}/pause", response_model=CampaignChange, responses=_NOT_SEQUENCE)
async def pause_campaign(
    tableId: str, columnId: str, caller: CallerDep, body: DryRunIn | None = None
) -> Response:
    """Pause every sequence of the column (idempotent; ``dryRun``)."""
    return await _write(caller, store.set_paused, tableId, columnId, True, _dry_run(body))


@router.post(f"{_CAMPAIGN}/resume", response_model=CampaignChange, responses=_NOT_SEQUENCE)
async def resume_campaign(
    tableId: str, columnId: str, caller: CallerDep, body: DryRunIn | None = None
) -> Response:
    """Resume a paused campaign (idempotent; ``dryRun``)."""
    return await _write(caller, store.set_paused, tableId, columnId, False, _dry_run(body))
