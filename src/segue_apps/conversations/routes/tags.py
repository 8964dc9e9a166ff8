"""``/api/v2/tags`` and ``/api/v2/conversations/{conversation_id}/tags``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from segue_apps.common.responses import JSONResponse
from segue_apps.conversations.auth import CallerDep
from segue_apps.conversations.routes import ERRORS
from segue_apps.conversations.schemas import ConversationTags, TagList, TagsIn
from segue_apps.conversations.store import tags as store

router = APIRouter(tags=["tags"], responses=ERRORS)


@router.get("/tags", response_model=TagList)
async def list_tags(
    caller: CallerDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> Response:
    """List the project's tags with their conversation counts, most used first."""
    return JSONResponse({"data": await store.counts(caller.db, caller.project_id, limit)})


@router.get("/conversations/{conversation_id}/tags", response_model=ConversationTags)
async def get_conversation_tags(conversation_id: str, caller: CallerDep) -> Response:
    """Return a conversation's tags, sorted."""
    found = await store.of_conversation(caller.db, caller.project_id, conversation_id)
    return JSONResponse({"tags": found})


@router.post("/conversations/{conversation_id}/tags", response_model=ConversationTags)
async def add_conversation_tags(conversation_id: str, body: TagsIn, caller: CallerDep) -> Response:
    """Add tags (idempotent) and return all of the conversation's tags."""
    found = await store.add(caller.db, caller.project_id, conversation_id, body.tags, caller.now)
    return JSONResponse({"tags": found})


@router.delete(
    "/conversations/{conversation_id}/tags/{tag}", status_code=204, response_class=Response
)
async def remove_conversation_tag(conversation_id: str, tag: str, caller: CallerDep) -> Response:
    """Remove a tag from a conversation (removing an absent tag is not an error)."""
    await store.remove(caller.db, caller.project_id, conversation_id, tag)
    return Response(status_code=204)
