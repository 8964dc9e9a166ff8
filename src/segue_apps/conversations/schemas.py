"""Request and response models of the v2 surface (field names as in seed 001, v2 column).

Request models validate input (as :class:`~segue_apps.common.inputs.InputModel`s, so
nothing unstorable gets through: no integer beyond 64 bits, NUL, lone surrogate or deep
nesting, metadata included). Response models document output: routes return
JSON-ready dicts built from rows, so these describe exactly what the store emits and
give the OpenAPI document (from which segue derives v1's) real names, types and enums.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from segue_apps.common.inputs import InputModel

Role = Literal["system", "user", "assistant", "tool"]
Metric = Literal["conversations", "messages", "tokens"]
Granularity = Literal["hour", "day", "week", "month"]
Order = Literal["asc", "desc"]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^/\s][^/]*$")]
Slug = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
]
Ms = Annotated[int, Field(description="Unix time in milliseconds")]
MAX_TOKEN_COUNT = 2**31 - 1
"""A message's token count at most: the sums kept per conversation and project stay far
inside 64 bits (2**32 such messages would be needed to overflow one)."""

# --- requests ---------------------------------------------------------------------------


class MessageIn(InputModel):
    """A message to append; ``token_count`` overrides the server's estimate."""

    role: Role
    content: str = Field(min_length=1)
    metadata: dict[str, Any] | None = None
    token_count: int | None = Field(default=None, ge=0, le=MAX_TOKEN_COUNT)


class ConversationCreate(InputModel):
    """Body of ``POST /conversations``."""

    external_id: str | None = Field(default=None, min_length=1, max_length=255)
    title: str | None = Field(default=None, max_length=1000)
    metadata: dict[str, Any] | None = None
    messages: list[MessageIn] = Field(default_factory=list, max_length=1000)


class ConversationPatch(InputModel):
    """Body of ``PATCH /conversations/{id}``; only the fields sent are changed."""

    external_id: str | None = Field(default=None, min_length=1, max_length=255)
    title: str | None = Field(default=None, max_length=1000)
    metadata: dict[str, Any] | None = None


class MessagesAppend(InputModel):
    """Body of ``POST /conversations/{id}/messages``."""

    messages: list[MessageIn] = Field(min_length=1, max_length=1000)


class ProjectCreate(InputModel):
    """Body of ``POST /projects``; ``org_id`` is accepted, the calling key's org is used."""

    name: str = Field(min_length=1, max_length=255)
    slug: Slug | None = None
    org_id: str | None = None


class ProjectPatch(InputModel):
    """Body of ``PATCH /projects/{id}``."""

    name: str | None = Field(default=None, min_length=1, max_length=255)
    slug: Slug | None = None


class KeyCreate(InputModel):
    """Body of ``POST /keys``."""

    name: str = Field(min_length=1, max_length=255)


class TagsIn(InputModel):
    """Body of ``POST /conversations/{id}/tags``."""

    tags: list[Tag] = Field(min_length=1, max_length=100)


# --- responses --------------------------------------------------------------------------


class Message(BaseModel):
    """A stored message."""

    id: str
    role: Role
    content: str
    metadata: dict[str, Any]
    token_count: int
    created_at: Ms


class Conversation(BaseModel):
    """A conversation without its messages."""

    conversation_id: str
    project_id: str
    external_id: str | None
    title: str | None
    metadata: dict[str, Any]
    message_count: int
    token_count: int
    created_at: Ms
    updated_at: Ms


class ConversationWithMessages(Conversation):
    """A conversation; ``messages`` is present only with ``?include=messages``."""

    messages: list[Message] | None = None


class Pagination(BaseModel):
    """Cursor pagination: pass ``next_cursor`` back as ``cursor`` (``null`` at the end)."""

    limit: int
    next_cursor: str | None


class CountedPagination(Pagination):
    """Pagination with the total number of rows."""

    total: int


class ConversationPage(BaseModel):
    """A page of conversations."""

    data: list[Conversation]
    pagination: CountedPagination


class SearchHit(BaseModel):
    """A conversation matching a search, with a snippet around the first match."""

    conversation_id: str
    title: str | None
    snippet: str
    message_count: int
    created_at: Ms
    updated_at: Ms


class SearchPage(BaseModel):
    """Search results."""

    data: list[SearchHit]
    pagination: Pagination


class AppendedMessages(BaseModel):
    """The messages just appended."""

    messages: list[Message]


class MessagePage(BaseModel):
    """A page of messages, oldest first."""

    data: list[Message]
    pagination: Pagination


class Project(BaseModel):
    """A project."""

    project_id: str
    org_id: str
    name: str
    slug: str
    created_at: Ms
    updated_at: Ms


class CreatedKey(BaseModel):
    """A key as returned once on project creation (``key`` is never shown again)."""

    key_id: str
    name: str
    key_prefix: str
    key: str
    created_at: Ms


class ProjectCreated(BaseModel):
    """Response of ``POST /projects``."""

    project: Project
    api_key: CreatedKey


class ProjectListItem(BaseModel):
    """A project in a list; ``key_count`` counts its unrevoked keys."""

    project_id: str
    org_id: str
    name: str
    slug: str
    created_at: Ms
    key_count: int


class ProjectPage(BaseModel):
    """A page of projects."""

    data: list[ProjectListItem]
    pagination: CountedPagination


class ProjectKey(BaseModel):
    """A key as listed inside a project."""

    key_id: str
    name: str
    key_prefix: str
    created_at: Ms
    last_used_at: Ms | None
    revoked_at: Ms | None


class ProjectDetail(BaseModel):
    """A project with its keys."""

    project_id: str
    org_id: str
    name: str
    slug: str
    created_at: Ms
    api_keys: list[ProjectKey]


class ApiKey(BaseModel):
    """A key of the calling project."""

    key_id: str
    project_id: str
    name: str
    key_prefix: str
    created_at: Ms
    last_used_at: Ms | None
    revoked_at: Ms | None


class ApiKeyCreated(ApiKey):
    """A new key; ``key`` is shown only here."""

    key: str


class ApiKeyList(BaseModel):
    """The calling project's keys."""

    data: list[ApiKey]


class Period(BaseModel):
    """The analysed period, both ends inclusive, in ms."""

    start: Ms
    end: Ms


class Summary(BaseModel):
    """Totals over the period."""

    project_id: str
    total_conversations: int
    total_messages: int
    total_tokens: int
    avg_messages_per_conversation: float
    avg_tokens_per_conversation: float
    period: Period


class Bucket(BaseModel):
    """One time bucket; ``bucket`` is its label (see the analytics route docs)."""

    bucket: str
    value: int


class Timeseries(BaseModel):
    """A metric per time bucket; every bucket of the period is present."""

    project_id: str
    metric: Metric
    granularity: Granularity
    period: Period
    data: list[Bucket]


class TagStats(BaseModel):
    """Activity of one tag over the period."""

    tag: str
    conversation_count: int
    message_count: int
    token_count: int


class TagAnalytics(BaseModel):
    """Activity per tag."""

    project_id: str
    period: Period
    data: list[TagStats]


class TagCount(BaseModel):
    """A tag of the project and how many conversations carry it."""

    tag: str
    conversation_count: int


class TagList(BaseModel):
    """The project's tags, most used first."""

    data: list[TagCount]


class ConversationTags(BaseModel):
    """The tags of one conversation, sorted."""

    tags: list[str]


class ErrorBody(BaseModel):
    """The inside of the error envelope."""

    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorEnvelope(BaseModel):
    """Every error: ``{"error": {"code", "message", "details"?}}``."""

    error: ErrorBody
