"""Settings of one conversations app instance."""

from __future__ import annotations

from dataclasses import dataclass, field

from segue_apps.common.clock import Clock, now_ms

MAX_BODY_BYTES = 4 * 1_048_576
"""Largest request body accepted (4 MiB, e.g. 1000 messages of 4 KiB); more is answered 413."""


@dataclass(frozen=True)
class Settings:
    """What :func:`~segue_apps.conversations.app.create_app` needs.

    Args:
        db_url: SQLAlchemy async URL (``sqlite+aiosqlite:///…`` or ``postgresql+asyncpg://…``).
        rate_limit: requests per minute per API key; ``None`` disables rate limiting.
        max_body_bytes: request bodies above this size are refused with 413.
        clock: current time in ms; injectable for tests.
    """

    db_url: str
    rate_limit: int | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    clock: Clock = field(default=now_ms)
