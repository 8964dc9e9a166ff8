"""The newest (v2) leads API as a plain FastAPI app, every route under ``/api/v2``.

The lifespan migrates the schema, then starts two workers of the durable queue
(:mod:`segue_apps.common.jobs`, table ``leads_jobs``) — stream runs, and webhook
deliveries with their own backoff — and the schedule loop. Any number of server processes
may share one database.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from segue_apps.common.db import create_database
from segue_apps.common.guard import RequestGuard
from segue_apps.common.jobs import Backoff, JobQueue, Worker
from segue_apps.common.migrate import upgrade
from segue_apps.common.openapi import use_envelope_openapi
from segue_apps.leads.delivery import delivery_handler
from segue_apps.leads.errors import error_body, install_error_handlers
from segue_apps.leads.routes.accounts import accounts_router
from segue_apps.leads.routes.leads import leads_router
from segue_apps.leads.routes.lookups import lookups_router
from segue_apps.leads.routes.me import me_router
from segue_apps.leads.routes.segments import segments_router
from segue_apps.leads.routes.streams import streams_router
from segue_apps.leads.routes.utility import utility_router
from segue_apps.leads.routes.webhooks import webhooks_router
from segue_apps.leads.runner import run_handler
from segue_apps.leads.schedule import schedule_loop
from segue_apps.leads.settings import Settings
from segue_apps.leads.store.leads import DELIVERY_KIND
from segue_apps.leads.store.runs import RUN_KIND
from segue_apps.leads.store.tables import jobs

PREFIX = "/api/v2"
MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_leads"
RUN_TIME_LIMIT_MS = 60_000


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    db = create_database(settings.db_url)
    try:
        await upgrade(db, MIGRATIONS, VERSION_TABLE)
        app.state.db = db
        queue = JobQueue(db, jobs, clock=settings.clock)
        poll = settings.poll_ms
        app.state.runs = Worker(
            queue,
            {RUN_KIND: run_handler(db, settings.source, settings.clock)},
            concurrency=settings.concurrency,
            lease_ms=settings.lease_ms,
            poll_ms=poll,
            max_poll_ms=max(poll, 1_000),
            time_limits_ms={RUN_KIND: RUN_TIME_LIMIT_MS},
            grace_ms=1_000,
        )
        app.state.deliveries = Worker(
            queue,
            {DELIVERY_KIND: delivery_handler(db, settings)},
            concurrency=8,
            lease_ms=max(settings.lease_ms, 30_000),
            poll_ms=poll,
            max_poll_ms=max(poll, min(settings.retry_base_ms, 1_000)),
            backoff=Backoff(base_ms=settings.retry_base_ms, cap_ms=settings.retry_cap_ms),
            grace_ms=1_000,
        )

        def wake() -> None:
            app.state.runs.wake()
            app.state.deliveries.wake()

        async with app.state.runs, app.state.deliveries:
            ticker = asyncio.create_task(
                schedule_loop(db, settings.clock, settings.schedule_poll_ms, wake)
            )
            try:
                yield
            finally:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker
    finally:
        await db.dispose()


def create_app(settings: Settings) -> FastAPI:
    """Build the v2 app.

    Example:
        >>> app = create_app(Settings(db_url="sqlite+aiosqlite:///./data/leads.db"))
    """
    app = FastAPI(
        title="Leads API",
        version="2.0.0",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    for router in (me_router, segments_router, streams_router, leads_router, accounts_router,
                   lookups_router, utility_router, webhooks_router):  # fmt: skip
        app.include_router(router, prefix=PREFIX)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes, error_body=error_body)
    use_envelope_openapi(app)
    return app
