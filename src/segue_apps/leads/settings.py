"""Settings of one leads app instance."""

from __future__ import annotations

from dataclasses import dataclass, field

from segue_apps.common.clock import Clock, now_ms
from segue_apps.leads.profiles import BuiltInSource, ProfileSource

MAX_BODY_BYTES = 1_048_576
"""Largest request body accepted (1 MiB); more is answered 413."""


@dataclass(frozen=True)
class Settings:
    """What :func:`~segue_apps.leads.app.create_app` needs.

    Args:
        db_url: SQLAlchemy async URL (``sqlite+aiosqlite:///…`` or ``postgresql+asyncpg://…``).
        source: where handles and followers come from (the built-in source by default).
        clock: current time in ms; injectable for tests.
        poll_ms: how often an idle worker looks for queued runs and deliveries.
        lease_ms: how long a killed server's run is held before another takes it.
        concurrency: stream runs one process executes at once.
        schedule_poll_ms: how often scheduled syncs are looked for.
        retry_base_ms: the wait after a webhook delivery's first failure (then doubled).
        retry_cap_ms: the longest wait between two webhook delivery attempts.
        allow_private_webhooks: accept (and deliver to) loopback and private addresses.
    """

    db_url: str
    source: ProfileSource = field(default_factory=BuiltInSource)
    max_body_bytes: int = MAX_BODY_BYTES
    clock: Clock = field(default=now_ms)
    poll_ms: int = 100
    lease_ms: int = 15_000
    concurrency: int = 4
    schedule_poll_ms: int = 30_000
    retry_base_ms: int = 1_000
    retry_cap_ms: int = 300_000
    allow_private_webhooks: bool = False
