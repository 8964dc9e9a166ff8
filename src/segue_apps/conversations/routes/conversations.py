"""``/api/v2/conversations``: create, list, search, get, patch, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from segue_apps.common.errors import APIError
from segue_apps.common.pagination import parse_cursor
from segue_apps.common.responses import JSONResponse
from segue_apps.conversations.auth import CallerDep
from segue_apps.conversations.routes import ERRORS
from segue_apps.conversations.schemas import (
    Conversation,
    ConversationCreate,
    ConversationPage,
    ConversationPatch,
    ConversationWithMessages,
    Order,
    SearchPage,
)
from segue_apps.conversations.store import conversations as store
from segue_apps.conversations.store import search as search_store

router = APIRouter(prefix="/conversations", tags=["conversations"], responses=ERRORS)

CURSOR = (
    "updated_at (ms) of the last row of the previous page, as returned in next_cursor "
    "(``ms:id`` when rows share that timestamp)"
)


@router.post("", response_model=Conversation, status_code=201)
async def create_conversation(body: ConversationCreate, caller: CallerDep) -> Response:
    """Create a conversation, optionally with its first messages (not echoed back)."""
    created = await store.create(caller.db, caller.project_id, body, caller.now)
    return JSONResponse(created, status_code=201)


@router.get("", response_model=ConversationPage)
async def list_conversations(
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(description=CURSOR)] = None,
    order: Order = "desc",
) -> Response:
    """List the project's conversations by ``updated_at``, with the total count."""
    page = await store.page(
        caller.db,
        caller.project_id,
        limit=limit,
        cursor=parse_cursor(cursor),
        descending=order == "desc",
    )
    return JSONResponse(page)


@router.get("/search", response_model=SearchPage)
async def search_conversations(
    caller: CallerDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="substring to find")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(description=CURSOR)] = None,
) -> Response:
    """Find conversations whose title or messages contain ``q`` (case-insensitive)."""
    page = await search_store.search(
        caller.db, caller.project_id, q, limit=limit, cursor=parse_cursor(cursor)
    )
    return JSONResponse(page)


@router.get(
    "/{conversation_id}",
    response_model=ConversationWithMessages,
    response_model_exclude_none=True,
)
async def get_conversation(
    conversation_id: str,
    caller: CallerDep,
    include: Annotated[
        str | None, Query(description="comma-separated extras; only `messages`")
    ] = None,
) -> Response:
    """Return a conversation; ``?include=messages`` adds its messages, oldest first."""
    extras = {part.strip() for part in include.split(",") if part.strip()} if include else set()
    if extras - {"messages"}:
        unknown = ", ".join(sorted(extras - {"messages"}))
        raise APIError(400, "BAD_REQUEST", f"include: unknown value(s) {unknown}")
    found = await store.get(
        caller.db, caller.project_id, conversation_id, with_messages="messages" in extras
    )
    return JSONResponse(found)


@router.patch("/{conversation_id}", response_model=Conversation)
async def update_conversation(
    conversation_id: str, body: ConversationPatch, caller: CallerDep
) -> Response:
    """Change title, metadata and/or external_id; fields not sent are kept."""
    updated = await store.patch(caller.db, caller.project_id, conversation_id, body, caller.now)
    return JSONResponse(updated)


@router.delete("/{conversation_id}", status_code=204, response_class=Response)
async def delete_conversation(conversation_id: str, caller: CallerDep) -> Response:
    """Delete a conversation with its messages and tags."""
    await store.delete(caller.db, caller.project_id, conversation_id)
    return Response(status_code=204)
