"""``/api/v2/conversations/{conversation_id}/messages``: append and list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from segue_apps.common.responses import JSONResponse
from segue_apps.conversations.auth import CallerDep
from segue_apps.conversations.routes import ERRORS
from segue_apps.conversations.schemas import AppendedMessages, MessagePage, MessagesAppend
from segue_apps.conversations.store import messages as store

router = APIRouter(prefix="/conversations", tags=["messages"], responses=ERRORS)


@router.post("/{conversation_id}/messages", response_model=AppendedMessages, status_code=201)
async def append_messages(
    conversation_id: str, body: MessagesAppend, caller: CallerDep
) -> Response:
    """Append messages; message_count, token_count and updated_at change atomically."""
    appended = await store.append(
        caller.db, caller.project_id, conversation_id, body.messages, caller.now
    )
    return JSONResponse({"messages": appended}, status_code=201)


@router.get("/{conversation_id}/messages", response_model=MessagePage)
async def list_messages(
    conversation_id: str,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[
        str | None, Query(description="a message id, or a timestamp in ms; next_cursor is an id")
    ] = None,
) -> Response:
    """List a conversation's messages, oldest first."""
    page = await store.page(caller.db, caller.project_id, conversation_id, limit=limit, after=after)
    return JSONResponse(page)
