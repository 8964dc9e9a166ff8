"""Request and response models of v2 (the responses document OpenAPI only)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from segue_apps.common.inputs import InputModel

Id = Annotated[str, StringConstraints(min_length=1, max_length=26, pattern=r"^[a-zA-Z0-9_-]+$")]
Stage = Literal["Draft", "Published"]
RunStatus = Literal["Created", "Running", "Succeeded", "Failed", "Cancelled", "TimedOut"]


class NamedValue(InputModel):
    """One input or output of a run."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    value: Any


class RunIn(InputModel):
    """``POST /v2/runs``. ``inputs`` is ``{name: value}`` or ``[{name, value}]``."""

    agent_id: Id
    process_id: Id
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    stage: Stage
    inputs: (
        dict[Annotated[str, StringConstraints(min_length=1, max_length=256)], Any]
        | list[NamedValue]
        | None
    ) = None
    file_ids: list[Id] = Field(default_factory=list, max_length=100)


class RunError(BaseModel):
    """Why a run ended ``Failed`` or ``TimedOut``."""

    code: str
    message: str


class Output(BaseModel):
    """One output of a run."""

    name: str
    value: Any


class Run(BaseModel):
    """A run: the seed's nine keys and ``error``."""

    agent_id: str
    created_at: str = Field(description="UTC, no offset, e.g. 2021-01-01T12:00:00")
    file_ids: list[str]
    id: str
    name: str
    outputs: list[Output]
    process_id: str
    stage: Stage
    status: RunStatus
    error: RunError | None = Field(description="Extension: null, or why the run failed")


class RunPage(BaseModel):
    """A page of runs, newest first."""

    items: list[Run]
    continuation_token: str | None


class Process(BaseModel):
    """A process of an agent."""

    id: str
    name: str
    agent_id: str
    stage: Stage


class ProcessPage(BaseModel):
    """A page of processes, oldest first."""

    items: list[Process]
    continuation_token: str | None


class Share(BaseModel):
    """What a share id names: a process at a stage."""

    id: str
    process_id: str
    agent_id: str
    name: str
    stage: Stage


class Health(BaseModel):
    """The service and what it depends on are working."""

    status: Literal["OK"]
    database: Literal["OK"]
    file_store: Literal["OK"]


class FileIn(InputModel):
    """``POST /v2/files``."""

    file_name: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    agent_id: Id | None = None


class FileUpload(BaseModel):
    """A file waiting for its bytes, and how to upload them (once, before it expires)."""

    file_name: str
    id: str
    upload_url: str = Field(description="Absolute; its signature is the credential")
    upload_http_method: Literal["POST"]
    upload_http_headers: dict[str, str]
    upload_fields: dict[str, str] = Field(
        description="Form fields to send with the `file` part of the multipart upload"
    )


class ErrorBody(BaseModel):
    """Every v2 error."""

    status_code: int
    message: str
    details: list[dict[str, Any]] | None
