"""Request bodies and response models of the Sequences segment (camelCase on the wire)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from segue_apps.workspace.schemas import ErrorEnvelope, Pagination, Table, _Model

SequenceStatus = Literal["draft", "active", "stopped"]
Channel = Literal["email", "linkedin_connect", "linkedin_message", "call"]
StepStatus = Literal["draft", "scheduled", "sent", "cancelled"]


class Recipient(BaseModel):
    """Who a sequence goes to, as read from its row."""

    name: str | None
    email: str | None


class SequenceSummary(BaseModel):
    """A sequence in a list."""

    id: str
    workspaceId: str
    tableId: str
    columnId: str
    rowId: str
    recipient: Recipient
    channels: list[Channel]
    status: SequenceStatus
    stepCount: int
    sentCount: int
    campaignPaused: bool
    url: str
    createdAt: str
    updatedAt: str
    launchedAt: str | None
    stoppedAt: str | None


class SequenceStep(BaseModel):
    """One step of a sequence (provider internals are never shown)."""

    id: str
    position: int
    channel: Channel
    subject: str | None
    body: str
    delayDays: int
    status: StepStatus
    sentAt: str | None
    updatedAt: str


class Sequence(SequenceSummary):
    """A sequence with the instructions it was drafted from and its steps inline."""

    instructions: str
    steps: list[SequenceStep]


class SequencePage(BaseModel):
    """A page of sequence summaries."""

    sequences: list[SequenceSummary]
    pagination: Pagination


class DraftIn(_Model):
    """Body of ``POST /tables/{tableId}/sequences``."""

    instructions: str = Field(min_length=1, max_length=10_000)


class DraftAction(BaseModel):
    """A workspace change the drafting made (``column_added``)."""

    type: Literal["column_added"]
    tableId: str
    columnId: str
    columnName: str


class DraftResponse(BaseModel):
    """What the drafting run said and did."""

    text: str
    actions: list[DraftAction]


class DraftRun(BaseModel):
    """The drafting run; drafting is synchronous, so it is already ``completed``."""

    id: str
    status: Literal["completed"]
    prompt: str
    startedAt: str
    completedAt: str
    response: DraftResponse


class CampaignRef(BaseModel):
    """The campaign (sequence column) drafted into."""

    tableId: str
    columnId: str
    slug: str
    paused: bool


class DraftCounts(BaseModel):
    """Sequences drafted new, rewritten (drafts) and skipped (launched or stopped)."""

    drafted: int
    rewritten: int
    skipped: int
    steps: int


class Drafted(BaseModel):
    """Answer of ``POST /tables/{tableId}/sequences`` (202)."""

    agent: None
    run: DraftRun
    table: Table
    campaign: CampaignRef
    sequences: DraftCounts


class StepEditIn(_Model):
    """Body of ``PATCH /sequences/{sequenceId}/steps/{stepId}``: at least one field."""

    subject: str | None = Field(default=None, max_length=1_000)
    body: str | None = Field(default=None, max_length=20_000)

    @model_validator(mode="after")
    def _one_field(self) -> StepEditIn:
        if self.subject is None and self.body is None:
            raise ValueError("give subject, body or both")
        return self


class StepEdited(BaseModel):
    """A step after its copy changed."""

    stepId: str
    subject: str | None
    body: str
    status: StepStatus
    updatedAt: str


class DryRunIn(_Model):
    """An optional body: ``dryRun: true`` reports what would happen and writes nothing."""

    dryRun: bool = False


class DeleteIn(DryRunIn):
    """Body of ``POST /sequences/{sequenceId}/delete``."""

    forceDeletionOfSentMessages: bool = False


class _Report(BaseModel):
    """Present on dry runs only: ``dryRun: true`` and the refusal a real call would get."""

    dryRun: bool | None = None
    blockedBy: ErrorEnvelope | None = None


class Stopped(_Report):
    """Result of a stop."""

    sequenceId: str
    action: Literal["stopped", "nothing_to_stop", "noop"]


class Deleted(_Report):
    """Result of a delete (``deleted`` is false on a dry run)."""

    sequenceId: str
    deleted: bool
    sentMessages: int


class Launched(_Report):
    """Result of a launch."""

    sequenceId: str
    action: Literal["launched"]
    sentSteps: int
    scheduledSteps: int


class Campaign(BaseModel):
    """A campaign's pause state."""

    tableId: str
    columnId: str
    slug: str
    paused: bool
    pausedAt: str | None
    sequences: int


class CampaignChange(Campaign, _Report):
    """Result of a pause or resume (the state after it, or that a dry run foresees)."""

    action: Literal["paused", "resumed", "noop"]
