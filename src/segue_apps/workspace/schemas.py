"""Request bodies and response models of the v2 surface (camelCase on the wire).

Response models document shapes for OpenAPI (segue derives v1's document from them);
routes build their bodies from rows and return them directly.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from segue_apps.common.inputs import InputModel

ColumnKind = Literal["input", "enrichment", "score", "sequence"]
Outcome = Literal["inserted", "updated", "skipped"]


class _Model(InputModel):
    """A request body: camelCase names, no unknown fields, nothing unstorable (see
    :class:`~segue_apps.common.inputs.InputModel`)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class Handoff(BaseModel):
    """A forwardable link into the app that lets the user fix the problem."""

    kind: str
    url: str
    label: str


class ErrorEnvelope(BaseModel):
    """The v2 error envelope."""

    error: str
    code: str
    details: dict[str, Any] | None = None
    handoff: Handoff | None = None


class Pagination(BaseModel):
    """Standard pagination envelope of every v2 list."""

    page: int
    pageSize: int
    total: int
    hasMore: bool


class Credits(BaseModel):
    """Lifetime credit cost."""

    lifetimeUsed: int


class CellsLiveness(BaseModel):
    """Cell-pipeline activity snapshot."""

    running: int
    errored: int


class WorkspaceColumn(BaseModel):
    """Column metadata (``GET /tables/{tableId}/columns``)."""

    id: str
    name: str
    slug: str | None
    kind: ColumnKind
    autoTrigger: bool


class TableColumn(WorkspaceColumn):
    """A column as embedded in a table object."""

    type: str
    credits: Credits
    cells: CellsLiveness


class Table(BaseModel):
    """A table object."""

    id: str
    workspaceId: str
    name: str
    leadCount: int
    columns: list[TableColumn]
    credits: Credits
    cells: CellsLiveness
    url: str
    createdAt: str
    updatedAt: str


class TablePage(BaseModel):
    """A page of tables."""

    tables: list[Table]
    pagination: Pagination


class ColumnList(BaseModel):
    """A table's columns."""

    columns: list[WorkspaceColumn]


class ColumnIn(_Model):
    """A column to create (extension)."""

    name: str = Field(min_length=1, max_length=255)
    slug: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")
    type: Literal["static", "code"] = "static"
    kind: ColumnKind | None = None
    autoTrigger: bool | None = None


class TableIn(_Model):
    """A table to create (extension)."""

    name: str = Field(min_length=1, max_length=255)
    columns: list[ColumnIn] = Field(default_factory=list, max_length=200)


class Cell(BaseModel):
    """A typed cell: ``scalar``, ``value`` (with ``run``) or ``sequence``."""

    kind: Literal["scalar", "value", "sequence"]
    value: Any = None
    run: dict[str, Any] | None = None
    sequenceId: str | None = None
    status: str | None = None
    url: str | None = None


class Row(BaseModel):
    """A row with typed cells keyed by column slug."""

    id: str
    cells: dict[str, Cell]
    createdAt: str
    updatedAt: str


class RowPage(BaseModel):
    """A page of typed rows (the default)."""

    rows: list[Row]
    columns: list[WorkspaceColumn]
    pagination: Pagination


class FlatRowPage(BaseModel):
    """A page of v1-style flat rows (``?cells=flat``): ``{id, slug: value, …}``."""

    columns: dict[str, str]
    rows: list[dict[str, Any]]
    pagination: Pagination


class CellOut(BaseModel):
    """One cell with where it lives."""

    rowId: str
    columnId: str
    slug: str
    cell: Cell | None


class UpsertIn(_Model):
    """Body of ``POST /tables/{tableId}/rows/upsert``."""

    rows: list[dict[str, Any]] = Field(min_length=1, max_length=100)
    # Empty: insert only (an upsert whose rows match nothing), as v1's insert is served.
    matchColumns: list[str]
    batchId: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,128}$")
    enrich: bool = True
    reenrichUpdated: bool = False


class Counts(BaseModel):
    """Per-outcome row counts."""

    inserted: int
    updated: int
    skipped: int


class RowOutcome(BaseModel):
    """What an upsert did with one request row."""

    index: int
    rowId: str
    outcome: Outcome


class UpsertOut(BaseModel):
    """Result of an upsert (and of its replays)."""

    batchId: str
    tableId: str
    counts: Counts
    outcomes: list[RowOutcome]


class Enrichments(BaseModel):
    """Enrichment progress of a batch."""

    total: int
    completed: int
    pending: int
    failed: int


class Batch(BaseModel):
    """A batch and its per-row outcome ledger."""

    batchId: str
    tableId: str
    type: str
    status: Literal["processing", "complete", "errored"]
    rowCount: int
    counts: Counts
    outcomes: list[RowOutcome]
    enrichments: Enrichments
    failures: dict[str, int]
    creditsUsed: int
    createdAt: str
    completedAt: str | None


class BatchPage(BaseModel):
    """A page of batches (outcome ledgers omitted; read one batch for them)."""

    batches: list[dict[str, Any]]
    pagination: Pagination


class WorkspaceIn(_Model):
    """Body of ``POST /workspaces``."""

    name: str = Field(default="Untitled workspace", min_length=1, max_length=80)


class Workspace(BaseModel):
    """A workspace summary."""

    id: str
    name: str
    url: str
    createdAt: str


class CreatedWorkspace(Workspace):
    """A new workspace with its first API key (shown once; an extension)."""

    apiKey: str


class WorkspacePage(BaseModel):
    """A page of workspaces."""

    workspaces: list[Workspace]
    pagination: Pagination


class DeleteWorkspaceIn(_Model):
    """Body of ``POST /workspaces/{workspaceId}/delete``."""

    confirm: bool = False


class DeletedWorkspace(BaseModel):
    """Result of a confirmed workspace delete."""

    workspaceId: str
    name: str
    deleted: bool


class DocumentIn(_Model):
    """A document to create (extension)."""

    name: str = Field(min_length=1, max_length=255)
    content: str = Field(max_length=500_000)
    mimeType: str = Field(default="text/markdown", max_length=100)


class DocumentSummary(BaseModel):
    """A document without its content."""

    id: str
    workspaceId: str
    name: str
    mimeType: str
    size: int
    createdAt: str
    updatedAt: str


class Document(DocumentSummary):
    """A document with inline content."""

    content: str


class DocumentPage(BaseModel):
    """A page of document summaries."""

    documents: list[DocumentSummary]
    pagination: Pagination


class DeletedDocument(BaseModel):
    """Result of a document delete."""

    documentId: str
    deleted: bool


class CreditBalance(BaseModel):
    """The organisation's credit balance."""

    balance: int
    currency: Literal["credits"]


class Account(BaseModel):
    """Org overview: plan, capability flags, workspace usage, credits."""

    org: dict[str, str]
    plan: str
    capabilities: dict[str, bool]
    workspaces: dict[str, int]
    credits: CreditBalance


class CancelTableIn(_Model):
    """What to stop on a table; no body stops everything."""

    columns: list[Annotated[str, Field(min_length=1, pattern=r"\S")]] | None = Field(
        default=None, min_length=1, description="column slugs; omit to stop every column"
    )
    dryRun: bool = False


class CancelledTableWork(BaseModel):
    """What was stopped on a table (with ``dryRun``: what is in flight)."""

    tableId: str
    cancelledCells: int
    cancelledLeadSourceJobs: int
    runIds: list[str] = Field(description="the lead-source runs (agent runs) concerned")
    dryRun: bool | None = None
