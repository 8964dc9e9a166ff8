"""Request bodies and response models of agents, runs and scheduled agents (camelCase).

As in :mod:`~segue_apps.workspace.schemas`, response models document the shapes for
OpenAPI; routes build their bodies from rows.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from segue_apps.common.inputs import InputModel
from segue_apps.workspace.schemas import ErrorEnvelope, Handoff, Pagination, Table, TableColumn

RunStatus = Literal[
    "running",
    "completed",
    "needs_input",
    "step_cap_hit",
    "incomplete",
    "cancelled",
    "errored",
    "timed_out",
]
Model = Literal["origami-lite", "origami-max", "origami-fast", "origami-mid"]
"""Public model ids; ``origami-fast`` and ``origami-mid`` are legacy aliases of lite."""
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class _Body(InputModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class DocumentAttachment(_Body):
    """Bind an existing workspace document to the run (the runner reads its content)."""

    kind: Literal["document"]
    documentId: Id


class TableAttachment(_Body):
    """Bind an existing table to the run (merged into ``focusTableIds``)."""

    kind: Literal["table"]
    tableId: Id


Attachment = Annotated[DocumentAttachment | TableAttachment, Field(discriminator="kind")]


class SendRunIn(_Body):
    """Body of ``POST /agents/{id}/runs``."""

    prompt: str = Field(min_length=1, max_length=10_000)
    focusTableIds: list[Id] = Field(default_factory=list, max_length=50)
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)
    model: Model | None = None


class CreateAgentIn(_Body):
    """Body of ``POST /agents``. Without ``prompt`` the agent is created with no run."""

    name: str | None = Field(default=None, min_length=1, max_length=80)
    prompt: str | None = Field(default=None, min_length=1, max_length=10_000)
    workspaceId: Id | None = None
    focusTableIds: list[Id] = Field(default_factory=list, max_length=50)
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)
    model: Model | None = None


class RunSteps(BaseModel):
    """Step progress: ``completed`` of at most ``max`` (the plan's cap)."""

    completed: int
    max: int


class RunSummary(BaseModel):
    """A run as listed."""

    id: str
    agentId: str
    status: RunStatus
    prompt: str
    model: str
    steps: RunSteps
    startedAt: str
    completedAt: str | None


class RunRequest(BaseModel):
    """What the run was asked (``focusTableIds`` with table attachments merged in)."""

    prompt: str
    model: str
    focusTableIds: list[str]
    attachments: list[dict[str, Any]]


class RunAction(BaseModel):
    """One workspace mutation the run performed (``leads_added``, ``leads_deleted``, …)."""

    model_config = ConfigDict(extra="allow")

    type: Literal[
        "table_created",
        "column_added",
        "columns_updated",
        "columns_deleted",
        "leads_added",
        "leads_deleted",
        "leads_restored",
        "columns_restored",
        "table_restored",
    ]
    tableId: str
    tableName: str | None = None
    columnId: str | None = None
    columnName: str | None = None
    count: int | None = None
    leadCount: int | None = None
    deletedAt: str | None = None


class ColumnStats(BaseModel):
    """Per-column economics (``?include=stats``)."""

    avgCreditsPerRun: float
    callRate: float
    totalRuns: int


class StatsColumn(TableColumn):
    """A table column, with ``stats`` under ``?include=stats``."""

    stats: ColumnStats | None = None


class TableStats(BaseModel):
    """Table economics (``?include=stats``)."""

    creditsPerLead: float
    creditsPerQualifiedLead: float
    findMoreEstimatedCredits: float
    qualification: dict[str, Any] | None
    funnel: dict[str, Any]
    running: dict[str, Any]
    leadSources: list[dict[str, Any]]
    hasUnknownTotalWithMore: bool


class StatsTable(Table):
    """A table object, with ``stats`` under ``?include=stats``."""

    columns: list[StatsColumn]  # type: ignore[assignment]
    stats: TableStats | None = None


class TranscriptMessage(BaseModel):
    """One message of the public transcript."""

    role: Literal["user", "assistant", "tool"]
    content: str | None = None
    toolCalls: list[dict[str, Any]] | None = None
    toolCallId: str | None = None
    name: str | None = None
    result: str | None = None


class RunResponse(BaseModel):
    """What a terminal run did; ``text`` is null on errored and timed_out runs."""

    text: str | None
    actions: list[RunAction]
    tables: list[StatsTable]
    transcript: list[TranscriptMessage] | None
    transcriptTruncated: bool


class PendingQuestion(BaseModel):
    """A question the run stopped on (``needs_input``)."""

    type: Literal["single-choice", "confirm"]
    question: str
    suggestedAnswers: list[str]
    freeformOption: str


class NextAction(BaseModel):
    """A suggested next step."""

    label: str
    type: str | None = None
    tableSlug: str | None = None


class RunTodo(BaseModel):
    """Questions to answer (on ``needs_input``) and suggested next steps."""

    pendingQuestions: list[PendingQuestion]
    nextActions: list[NextAction]


class Run(RunSummary):
    """The run object (seed 003): the same shape from create, send, poll and cancel."""

    workspaceId: str
    request: RunRequest
    response: RunResponse | None
    todo: RunTodo


class AgentSummary(BaseModel):
    """An agent's identity."""

    id: str
    name: str
    workspaceId: str
    createdAt: str


class Agent(AgentSummary):
    """An agent with its newest run."""

    apiKeyOwned: bool
    lastRun: RunSummary | None


class AgentWorkspace(BaseModel):
    """The workspace an agent works in."""

    id: str
    name: str
    createdAt: str
    createdByApi: bool


class CreatedAgent(BaseModel):
    """``POST /agents``: the agent, its first run (null without a prompt), its workspace."""

    agent: AgentSummary
    run: Run | None
    workspace: AgentWorkspace


class AgentPage(BaseModel):
    """A page of agents."""

    agents: list[Agent]
    pagination: Pagination


class Archived(BaseModel):
    """``DELETE /agents/{id}``."""

    agent: dict[str, str]
    workspace: dict[str, str | None]


class AgentTables(BaseModel):
    """Every table of the agent's workspace."""

    workspaceId: str
    tables: list[StatsTable]


class RunEnvelope(BaseModel):
    """``{run}``: the run object."""

    run: Run


class MaybeRun(BaseModel):
    """``{run}``: the run object, or null when the agent never ran."""

    run: Run | None


class RunPage(BaseModel):
    """A page of run summaries, newest first."""

    runs: list[RunSummary]
    pagination: Pagination


class InsufficientCredits(ErrorEnvelope):
    """402 ``INSUFFICIENT_CREDITS`` (or ``SUBSCRIPTION_REQUIRED``)."""

    creditsRequired: int | None = None
    creditsAvailable: int | None = None
    topUpUrl: str | None = None
    message: str | None = None
    hint: str | None = None


class Busy(ErrorEnvelope):
    """409 ``AGENT_BUSY`` / ``RUN_ALREADY_ACTIVE``: the run in flight."""

    currentRun: dict[str, str] | None = None


class ConcurrentLimit(ErrorEnvelope):
    """429 ``CONCURRENT_LIMIT_EXCEEDED``: the organisation's runs in flight."""

    limit: int
    activeSessions: list[dict[str, str]]
    canUpgrade: bool


class ScheduleIn(_Body):
    """Body of ``POST /scheduled-agents``."""

    workspaceId: Id
    name: str = Field(min_length=1, max_length=80)
    prompt: str = Field(min_length=1, max_length=10_000)
    cron: str = Field(min_length=1, max_length=120)
    timezone: str = Field(default="UTC", min_length=1, max_length=64)
    enabled: bool = False


class SchedulePatch(_Body):
    """Body of ``PATCH /scheduled-agents/{id}``: the fields to change."""

    name: str | None = Field(default=None, min_length=1, max_length=80)
    prompt: str | None = Field(default=None, min_length=1, max_length=10_000)
    cron: str | None = Field(default=None, min_length=1, max_length=120)
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    enabled: bool | None = None


class ScheduledAgent(BaseModel):
    """A scheduled agent."""

    id: str
    workspaceId: str
    agentId: str
    name: str
    prompt: str
    cron: str
    timezone: str
    enabled: bool
    nextRunAt: str | None
    planBlocked: bool
    lastRun: RunSummary | None
    createdAt: str
    updatedAt: str


class SchedulePage(BaseModel):
    """A page of scheduled agents."""

    scheduledAgents: list[ScheduledAgent]
    pagination: Pagination
    planBlocked: bool


class ScheduleDeleted(BaseModel):
    """``DELETE /scheduled-agents/{id}``."""

    id: str
    deleted: bool


class Triggered(BaseModel):
    """``POST /scheduled-agents/{id}/trigger``: the run admitted."""

    runId: str
    run: Run


class HistoryRun(RunSummary):
    """A run of a scheduled agent; failed ones carry a handoff to the agent's chat."""

    handoff: Handoff | None = None


class HistoryPage(BaseModel):
    """A scheduled agent's runs, newest first."""

    runs: list[HistoryRun]
    pagination: Pagination
