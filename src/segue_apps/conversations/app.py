"""The newest (v2) conversations API as a plain FastAPI app.

Every route lives under ``/api/v2``. Routes return orjson-rendered responses built from
rows; their ``response_model`` documents the shape for OpenAPI (segue derives v1's
document from this one). The schema is migrated in the lifespan, before the first request.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from segue_apps.common.errors import error_body, install_error_handlers
from segue_apps.common.guard import RequestGuard
from segue_apps.common.migrate import migrating_lifespan
from segue_apps.common.openapi import use_envelope_openapi
from segue_apps.conversations.ratelimit import RateLimitMiddleware
from segue_apps.conversations.routes import analytics, conversations, keys, messages, projects, tags
from segue_apps.conversations.settings import Settings

PREFIX = "/api/v2"
MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_conversations"


def create_app(settings: Settings) -> FastAPI:
    """Build the v2 app.

    Args:
        settings: database URL, rate limit and clock.

    Example:
        >>> app = create_app(Settings(db_url="sqlite+aiosqlite:///./data/conversations.db"))
    """
    app = FastAPI(
        title="Conversations API",
        version="2.0.0",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=migrating_lifespan(MIGRATIONS, VERSION_TABLE),
    )
    app.state.settings = settings
    install_error_handlers(app)
    for module in (conversations, messages, tags, projects, keys, analytics):
        app.include_router(module.router, prefix=PREFIX)
    if settings.rate_limit is not None:
        app.add_middleware(RateLimitMiddleware, limit=settings.rate_limit, clock=settings.clock)
    app.add_middleware(
        RequestGuard,
        max_body_bytes=settings.max_body_bytes,
        error_body=lambda status, code, message: error_body(code, message),
    )
    use_envelope_openapi(app)
    return app
