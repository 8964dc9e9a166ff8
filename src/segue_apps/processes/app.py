"""The newest (v2) processes API as a plain FastAPI app.

Every route lives under ``/v2``. The lifespan migrates the schema, then starts the run
worker: runs are jobs of the durable queue (:mod:`segue_apps.common.jobs`) in the
``processes_jobs`` table, so any number of server processes on one database share them,
and a run whose server died is taken again once its lease expires.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI

from segue_apps.common.db import create_database
from segue_apps.common.guard import RequestGuard
from segue_apps.common.jobs import JobQueue, Worker
from segue_apps.common.migrate import upgrade
from segue_apps.common.openapi import use_envelope_openapi
from segue_apps.processes import routes, store
from segue_apps.processes.errors import error_body, install_error_handlers
from segue_apps.processes.executor import BUILT_IN, Executor, run_handler
from segue_apps.processes.filestore import FileStore, LocalFileStore
from segue_apps.processes.settings import FORM_OVERHEAD_BYTES, Settings

PREFIX = "/v2"
MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_processes"
UPLOAD_PATHS = re.compile(rf"{PREFIX}/files/[^/]+/upload")
"""The upload URLs' path: its bodies are multipart forms, not JSON."""


def _lifespan(executors: Mapping[str, Executor]) -> Any:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings: Settings = app.state.settings
        db = create_database(settings.db_url)
        try:
            await upgrade(db, MIGRATIONS, VERSION_TABLE)
            app.state.db = db
            app.state.upload_secret = await _upload_secret(db)
            app.state.files = file_store(settings)
            worker = Worker(
                JobQueue(db, store.jobs),
                {store.RUN_KIND: run_handler(executors)},
                concurrency=settings.concurrency,
                lease_ms=settings.lease_ms,
                poll_ms=settings.poll_ms,
                max_poll_ms=settings.poll_ms,
                time_limits_ms={store.RUN_KIND: settings.run_time_limit_ms},
                grace_ms=1_000,
            )
            app.state.worker = worker
            async with worker:
                yield
        finally:
            await db.dispose()

    return lifespan


async def _upload_secret(db: Any) -> str:
    """The database's upload-signing secret (made by whichever server asks first)."""
    try:
        return str(await db.run(store.upload_secret, secrets.token_hex(32), write=True))
    except sa.exc.IntegrityError:  # another server stored its own first: use that one
        return str(await db.run(store.upload_secret, "", write=True))


def file_store(settings: Settings) -> FileStore:
    """The bucket of ``settings.bucket_url`` if set, else the directory ``upload_dir``."""
    if settings.bucket_url:
        from segue_apps.processes.s3store import S3FileStore  # boto3 only when needed

        return S3FileStore(settings.bucket_url, settings.s3_endpoint_url)
    return LocalFileStore(settings.upload_dir)


def create_app(settings: Settings, executors: Mapping[str, Executor] = BUILT_IN) -> FastAPI:
    """Build the v2 app.

    Args:
        settings: database URL, body cap, clock and the run worker's settings.
        executors: by name, what runs a process (``echo``, the built-in one, by default).

    Example:
        >>> app = create_app(Settings(db_url="sqlite+aiosqlite:///./data/processes.db"))
    """
    app = FastAPI(
        title="Processes API",
        version="2.0.0",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan(executors),
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(routes.router, prefix=PREFIX)
    app.include_router(routes.uploads, prefix=PREFIX)
    app.add_middleware(
        RequestGuard,
        max_body_bytes=settings.max_body_bytes,
        error_body=error_body,
        form_paths=UPLOAD_PATHS,
        max_form_bytes=settings.max_upload_bytes + FORM_OVERHEAD_BYTES,
    )
    use_envelope_openapi(app)
    return app
