"""The newest (v2) workspace API as a plain FastAPI app.

Every route lives under ``/api/v2``. Routes return orjson-rendered responses built from
rows; their ``response_model`` documents the shape for OpenAPI (segue derives v1's
document from this one). The schema is migrated in the lifespan, before the first request,
and the start-up heap is then frozen (:mod:`~segue_apps.common.heap`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from segue_apps.common.guard import RequestGuard
from segue_apps.common.heap import frozen_while_serving
from segue_apps.common.migrate import migrating_lifespan
from segue_apps.common.openapi import use_envelope_openapi
from segue_apps.workspace.errors import error_body, install_error_handlers
from segue_apps.workspace.routes import account, batches, rows, sequences, tables, workspaces
from segue_apps.workspace.settings import Settings

PREFIX = "/api/v2"
MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_workspace"


def create_app(settings: Settings) -> FastAPI:
    """Build the v2 app.

    Args:
        settings: database URL, app origin for handoff links, body cap and clock.

    Example:
        >>> app = create_app(Settings(db_url="sqlite+aiosqlite:///./data/workspace.db"))
    """
    app = FastAPI(
        title="Workspace API",
        version="2.0.0",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=frozen_while_serving(migrating_lifespan(MIGRATIONS, VERSION_TABLE)),
    )
    app.state.settings = settings
    install_error_handlers(app)
    for module in (tables, rows, batches, workspaces, account, sequences):
        app.include_router(module.router, prefix=PREFIX)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes, error_body=error_body)
    use_envelope_openapi(app)
    return app
