"""Settings of one workspace app instance."""

from __future__ import annotations

from dataclasses import dataclass, field

from segue_apps.common.clock import Clock, now_ms

MAX_BODY_BYTES = 1_048_576
"""Largest request body accepted (1 MiB): 100 rows of ~10 KiB; more is answered 413."""
AGENT_TIMEOUT_MS = 20 * 60 * 1000
"""A run's wall-clock ceiling (20 minutes), then ``timed_out``."""


@dataclass(frozen=True)
class Settings:
    """What :func:`~segue_apps.workspace.app.create_app` needs.

    Args:
        db_url: SQLAlchemy async URL (``sqlite+aiosqlite:///…`` or ``postgresql+asyncpg://…``).
        app_url: origin of the human-facing app that ``handoff`` links point into.
        max_body_bytes: request bodies above this size are refused with 413.
        clock: current time in ms (what timestamps in answers show); injectable for tests.
            Leases, deadlines and schedules run on the real clock.
        runner: who does a run's work: ``builtin`` (the instruction language) or
            ``openai`` (an OpenAI-compatible chat-completions endpoint).
        runner_step_ms: how long each step of the built-in runner takes.
        runner_url: the ``openai`` runner's base URL (``…/v1``; ``/chat/completions`` is
            appended).
        runner_model: the model the ``openai`` runner asks for.
        runner_key_env: the environment variable holding the ``openai`` runner's key.
        runner_stream: the ``openai`` runner asks for streamed (SSE) answers.
        runner_retries: how often the ``openai`` runner retries a 429 or 5xx answer
            (waiting its ``Retry-After``, else a doubling backoff) before the run ends
            ``errored``.
        runner_backoff_ms: the first retry's wait when the answer names none.
        run_timeout_ms: a run's wall-clock ceiling, then ``timed_out``.
        lease_ms: how long a run's claim holds without renewal: a killed server's runs are
            taken over this long after its last renewal.
        poll_ms: how often an idle run worker looks for work.
        concurrency: runs one process works on at once.
        schedule_poll_ms: how often a process looks for due scheduled agents.
        schedule_min_interval_s: the shortest interval a cron expression may fire at
            (``CRON_TOO_FREQUENT`` below it).
    """

    db_url: str
    app_url: str = "https://app.segue.dev"
    max_body_bytes: int = MAX_BODY_BYTES
    clock: Clock = field(default=now_ms)
    runner: str = "builtin"
    runner_step_ms: int = 300
    runner_url: str | None = None
    runner_model: str = "gpt-4o-mini"
    runner_key_env: str = "OPENAI_API_KEY"
    runner_stream: bool = False
    runner_retries: int = 3
    runner_backoff_ms: int = 500
    run_timeout_ms: int = AGENT_TIMEOUT_MS
    lease_ms: int = 15_000
    poll_ms: int = 100
    concurrency: int = 32
    schedule_poll_ms: int = 1_000
    schedule_min_interval_s: int = 300
