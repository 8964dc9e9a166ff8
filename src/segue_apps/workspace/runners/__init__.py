"""Who does an agent run's work: the :class:`AgentRunner` interface and its two runners.

A run is a loop of **steps**. Each step the service hands the runner a :class:`RunView`
(the prompt, the run's transcript so far, the runner's own state from the last step, the
agent's earlier runs) and the runner answers a :class:`Step`: prose, workspace tool calls
for the service to apply, and whether the run is over (``outcome``). The service applies
the calls and records the step in one transaction, so a run taken over by another worker
after a crash resumes at the first step not recorded, and a tool call is applied once.

The loop's limits belong to the service, not the runner: the plan's step cap ends a run
``step_cap_hit``, the wall-clock ceiling ``timed_out``, a cancel ``cancelled``. A runner
that raises ends its run ``errored``.

Runners:

- :class:`~segue_apps.workspace.runners.builtin.BuiltinRunner` (``builtin``, the default):
  a deterministic instruction language (see its module), for tests and demos.
- :class:`~segue_apps.workspace.runners.openai.OpenAIRunner` (``openai``): an
  OpenAI-compatible chat-completions endpoint, tool calls mapped to the same tools.

Tools (what a :class:`ToolCall` may name; ``tableId`` may be left out: the run's first
focus table, else the workspace's oldest table, else a new ``Leads`` table):

| name            | arguments                                 | action            |
|-----------------|-------------------------------------------|-------------------|
| ``add_leads``   | ``tableId?``, ``rows: [{slug: value}]``   | ``leads_added``   |
| ``delete_leads``| ``tableId?``, ``count?`` or ``rowIds?``   | ``leads_deleted`` |
| ``restore_leads``| ``tableId?``, ``count?``                 | ``leads_restored``|
| ``create_table``| ``name``, ``columns?: [name]``            | ``table_created`` |
| ``add_column``  | ``tableId?``, ``name``                    | ``column_added``  |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

JSON = Any
Outcome = Literal["completed", "needs_input", "incomplete", "errored"]
TOOLS = ("add_leads", "delete_leads", "restore_leads", "create_table", "add_column")


class RunnerError(Exception):
    """A runner could not go on: the run ends ``errored`` with ``code``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One workspace action a step asks for."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(slots=True)
class Step:
    """What one step decided.

    Args:
        text: the step's prose (the run's answer is the last step's text).
        calls: tool calls to apply, in order.
        outcome: ``None`` to take another step; else how the run ends.
        questions: ``needs_input`` questions, ``{type, question, suggestedAnswers}``.
        next_actions: suggested next steps, ``{label, type?, tableSlug?}``.
        state: the runner's own JSON state, handed back at the next step (and after a
            resume on another worker).
        error: the error code of an ``errored`` outcome.
    """

    text: str | None = None
    calls: list[ToolCall] = field(default_factory=list)
    outcome: Outcome | None = None
    questions: list[dict[str, Any]] = field(default_factory=list)
    next_actions: list[dict[str, Any]] = field(default_factory=list)
    state: JSON = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class RunView:
    """What a runner sees of a run at the start of a step.

    ``transcript`` holds this run's messages so far: the user's prompt, then per step an
    ``assistant`` message (``content``, ``toolCalls``) and a ``tool`` message per call
    (``toolCallId``, ``name``, ``result``). ``history`` holds the agent's earlier runs,
    oldest first, as ``{prompt, status, text, questions, state, transcript}``.
    ``attachments`` are ``{kind: "document", documentId, name, content}`` or
    ``{kind: "table", tableId}``.
    """

    run_id: str
    agent_id: str
    workspace_id: str
    prompt: str
    model: str
    focus_table_ids: list[str]
    attachments: list[dict[str, Any]]
    steps_completed: int
    steps_max: int
    state: JSON
    transcript: list[dict[str, Any]]
    history: list[dict[str, Any]]


class AgentRunner(Protocol):
    """Takes one step of a run at a time (see the module docstring)."""

    name: str

    async def step(self, run: RunView) -> Step:
        """Decide the run's next step."""
        ...

    async def aclose(self) -> None:
        """Release what the runner holds (connections); called at shutdown."""
        ...
