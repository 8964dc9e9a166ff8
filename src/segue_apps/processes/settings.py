"""Settings of one processes app instance."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from segue_apps.common.clock import Clock, now_ms

MAX_BODY_BYTES = 1_048_576
"""Largest request body accepted (1 MiB); more is answered 413."""
MAX_UPLOAD_BYTES = 32 * 1_048_576
"""Largest upload accepted by an upload URL (32 MiB); more is answered 413."""
FORM_OVERHEAD_BYTES = 65_536
"""What an upload form may hold besides its file (boundaries, part headers, fields)."""


@dataclass(frozen=True)
class Settings:
    """What :func:`~segue_apps.processes.app.create_app` needs.

    Args:
        db_url: SQLAlchemy async URL (``sqlite+aiosqlite:///…`` or ``postgresql+asyncpg://…``).
        max_body_bytes: request bodies above this size are refused with 413.
        clock: current time in ms (a run's ``created_at``); injectable for tests.
        poll_ms: how often the run worker looks for queued runs when idle (and at most).
        run_time_limit_ms: how long one run may execute before it ends ``TimedOut``.
        concurrency: runs executed at once by this process's worker.
        lease_ms: how long a run's claim holds without renewal: a killed server's runs are
            taken again this long after its last renewal, and a cancel reaches a running
            run within a third of it.
        upload_dir: the local directory of files' bytes (when there is no ``bucket_url``).
        upload_ttl: seconds an upload URL stays valid.
        max_upload_bytes: the largest file an upload URL takes (the whole form may be
            :data:`FORM_OVERHEAD_BYTES` more).
        bucket_url: ``s3://bucket[/prefix]``: files' bytes go to this S3-compatible bucket
            instead of ``upload_dir`` (credentials from the standard AWS chain).
        s3_endpoint_url: the S3 API's URL when it is not AWS's (MinIO, moto, …).
    """

    db_url: str
    max_body_bytes: int = MAX_BODY_BYTES
    clock: Clock = field(default=now_ms)
    poll_ms: int = 100
    run_time_limit_ms: int = 60_000
    concurrency: int = 16
    lease_ms: int = 15_000
    upload_dir: Path = Path("data/processes-files")
    upload_ttl: int = 300
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    bucket_url: str | None = None
    s3_endpoint_url: str | None = None
