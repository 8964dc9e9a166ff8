"""Settings of one conversations app instance."""

from __future__ import annotations

from dataclasses import dataclass, field

from segue_apps.common.clock import Clock, now_ms


@dataclass(frozen=True)
class Settings:
    """What :func:`~segue_apps.conversations.app.create_app` needs.

    Args:
        db_url: SQLAlchemy async URL (``sqlite+aiosqlite:///…`` or ``postgresql+asyncpg://…``).
        rate_limit: requests per minute per API key; ``None`` disables rate limiting.
        clock: current time in ms; injectable for tests.
    """

    db_url: str
    rate_limit: int | None = None
    clock: Clock = field(default=now_ms)
