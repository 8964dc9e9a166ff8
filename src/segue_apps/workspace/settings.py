"""Settings of one workspace app instance."""

from __future__ import annotations

from dataclasses import dataclass, field

from segue_apps.common.clock import Clock, now_ms

MAX_BODY_BYTES = 1_048_576
"""Largest request body accepted (1 MiB): 100 rows of ~10 KiB; more is answered 413."""


@dataclass(frozen=True)
class Settings:
    """What :func:`~segue_apps.workspace.app.create_app` needs.

    Args:
        db_url: SQLAlchemy async URL (``sqlite+aiosqlite:///…`` or ``postgresql+asyncpg://…``).
        app_url: origin of the human-facing app that ``handoff`` links point into.
        max_body_bytes: request bodies above this size are refused with 413.
        clock: current time in ms; injectable for tests.
    """

    db_url: str
    app_url: str = "https://app.segue.dev"
    max_body_bytes: int = MAX_BODY_BYTES
    clock: Clock = field(default=now_ms)
