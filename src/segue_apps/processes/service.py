"""Entry points the `segue` command line uses: build the newest app, bootstrap a tenant."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from segue.tooling import ServiceFlag, ServiceOptions, ServiceSpec
from segue.types import ASGIApp
from segue_apps.common.clock import now_ms
from segue_apps.common.db import create_database
from segue_apps.common.migrate import upgrade
from segue_apps.common.service import Versioned, positive
from segue_apps.processes import store
from segue_apps.processes.app import MIGRATIONS, VERSION_TABLE, create_app
from segue_apps.processes.errors import error_body
from segue_apps.processes.executor import BUILT_IN, load_executors
from segue_apps.processes.filestore import parse_bucket_url
from segue_apps.processes.guide import SCENARIOS
from segue_apps.processes.settings import Settings
from segue_apps.processes.versions import versions

DEFAULT_DB_URL = "sqlite+aiosqlite:///./data/processes.db"


def _bucket_url(text: str) -> str:
    parse_bucket_url(text)  # refused at the command line, not at the first upload
    return text


SERVE_FLAGS = (
    ServiceFlag("upload-ttl", "seconds an upload URL stays valid (300)", positive, "SECONDS"),
    ServiceFlag("upload-dir", "directory of uploaded files (next to a SQLite file)", metavar="DIR"),
    ServiceFlag("max-upload-bytes", "largest file an upload URL takes", positive, "BYTES"),
    ServiceFlag("run-time-limit-ms", "a run's wall-clock ceiling, then TimedOut", positive, "MS"),
    ServiceFlag("lease-ms", "how long a dead worker holds a run", positive, "MS"),
    ServiceFlag("poll-ms", "how often an idle worker looks for runs", positive, "MS"),
    ServiceFlag("concurrency", "runs one process executes at once", positive, "N"),
    ServiceFlag("executors", "module:NAME, executors laid over the built-in one", metavar="REF"),
    ServiceFlag(
        "bucket-url",
        "s3://BUCKET[/PREFIX]: files in an S3-compatible bucket (AWS credential chain)",
        _bucket_url,
        "URL",
    ),
    ServiceFlag("s3-endpoint-url", "the S3 API's URL when not AWS's (MinIO, moto)", metavar="URL"),
)
"""`segue serve processes`' own flags (`segue services` lists them)."""


def default_upload_dir(db_url: str) -> Path:
    """Next to a SQLite database file (``<name>-files``); else ``data/processes-files``."""
    _, _, path = db_url.partition(":///")
    if db_url.startswith("sqlite") and path and ":memory:" not in path:
        database = Path(path)
        return database.with_name(f"{database.stem}-files")
    return Path("data/processes-files")


def create_newest_app(options: ServiceOptions) -> FastAPI:
    """Build the v2 app from command-line options.

    Service options, from ``options.extra`` (:data:`SERVE_FLAGS` fill it):

    - ``lease_ms``, ``run_time_limit_ms``, ``concurrency``, ``poll_ms``: the run worker's
      :class:`Settings` of the same names (integers).
    - ``upload_dir``: the directory of uploaded files (default: next to a SQLite database
      file, else ``data/processes-files``); ``upload_ttl`` (seconds, default 300) and
      ``max_upload_bytes``: of the upload URLs.
    - ``bucket_url`` (``s3://bucket[/prefix]``) and ``s3_endpoint_url``: files' bytes in
      an S3-compatible bucket instead of ``upload_dir``; credentials from the standard
      AWS chain (environment, ``~/.aws``, instance role), never from a flag.
    - ``executors``: ``"package.module:NAME"``, a mapping of executor names to executors
      laid over the built-in ones (see :func:`~.executor.load_executors`).
    """
    defaults = Settings(db_url=options.db_url)

    def number(name: str) -> int:
        return int(options.extra.get(name, getattr(defaults, name)))

    settings = dataclasses.replace(
        defaults,
        lease_ms=number("lease_ms"),
        run_time_limit_ms=number("run_time_limit_ms"),
        concurrency=number("concurrency"),
        poll_ms=number("poll_ms"),
        upload_ttl=number("upload_ttl"),
        max_upload_bytes=number("max_upload_bytes"),
        upload_dir=Path(options.extra.get("upload_dir") or default_upload_dir(options.db_url)),
        bucket_url=options.extra.get("bucket_url"),
        s3_endpoint_url=options.extra.get("s3_endpoint_url"),
    )
    executors = options.extra.get("executors")
    return create_app(
        settings,
        BUILT_IN if executors is None else load_executors(executors),
    )


async def bootstrap(options: ServiceOptions) -> dict[str, Any]:
    """Create a new tenant: an organisation, its agent, a published demo process, a share
    id naming it and an API key.

    Returns:
        ``{"api_key", "agent_id", "process_id", "share_id"}``; ``api_key`` is shown only here.
    """
    db = create_database(options.db_url)
    try:
        await upgrade(db, MIGRATIONS, VERSION_TABLE)
        return await db.run(store.create_tenant, now_ms(), write=True)
    finally:
        await db.dispose()


versioned = Versioned(versions, error_body)
"""v2 as implemented plus v1 as declared in ``versions.py``."""


def create_service_app(options: ServiceOptions) -> ASGIApp:
    """The whole service, every version, as `segue serve processes` runs it."""
    return versioned.serve(create_newest_app(options), options)


SERVICE = ServiceSpec(
    "processes",
    DEFAULT_DB_URL,
    create_service_app,
    bootstrap,
    guide_examples=SCENARIOS,
    serve_flags=SERVE_FLAGS,
    api_key_header="x-api-key",
)
