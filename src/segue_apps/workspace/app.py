"""The newest (v2) workspace API as a plain FastAPI app.

Every route lives under ``/api/v2``. Routes return orjson-rendered responses built from
rows; their ``response_model`` documents the shape for OpenAPI (segue derives v1's
document from this one). The schema is migrated in the lifespan, before the first request,
and the start-up heap is then frozen (:mod:`~segue_apps.common.heap`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from segue_apps.common.guard import RequestGuard
from segue_apps.common.heap import frozen_while_serving
from segue_apps.common.migrate import migrating_lifespan
from segue_apps.common.openapi import use_envelope_openapi
from segue_apps.workspace.engine import Engine
from segue_apps.workspace.errors import error_body, install_error_handlers
from segue_apps.workspace.routes import (
    account,
    agents,
    batches,
    rows,
    runs,
    schedules,
    sequences,
    tables,
    workspaces,
)
from segue_apps.workspace.runners import AgentRunner
from segue_apps.workspace.settings import Settings

PREFIX = "/api/v2"
MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_workspace"


def _lifespan(runner: AgentRunner | None) -> Any:
    """Migrate, then run the background :class:`~segue_apps.workspace.engine.Engine`
    (agent runs, scheduled firings) while the app serves."""
    migrating = migrating_lifespan(MIGRATIONS, VERSION_TABLE)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with migrating(app):
            engine = Engine(app.state.db, app.state.settings, runner)
            app.state.engine = engine
            async with engine:
                yield

    return lifespan


def create_app(settings: Settings, runner: AgentRunner | None = None) -> FastAPI:
    """Build the v2 app.

    Args:
        settings: database URL, app origin for handoff links, body cap, clock, and how
            runs are worked (runner, step time, ceilings, worker).
        runner: who does the runs' work; by default the one ``settings.runner`` names.

    Example:
        >>> app = create_app(Settings(db_url="sqlite+aiosqlite:///./data/workspace.db"))
    """
    app = FastAPI(
        title="Workspace API",
        version="2.0.0",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=frozen_while_serving(_lifespan(runner)),
    )
    app.state.settings = settings
    install_error_handlers(app)
    for module in (tables, rows, batches, workspaces, account, agents, runs, schedules, sequences):
        app.include_router(module.router, prefix=PREFIX)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes, error_body=error_body)
    use_envelope_openapi(app)
    return app
