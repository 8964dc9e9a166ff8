"""Entry points the `segue` command line uses: build the newest app, bootstrap a client."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from segue import Segue, ServiceOptions, ServiceSpec
from segue._types import ASGIApp
from segue_apps.common.clock import now_ms
from segue_apps.common.db import create_database
from segue_apps.common.migrate import upgrade
from segue_apps.conversations.app import MIGRATIONS, VERSION_TABLE, create_app
from segue_apps.conversations.settings import Settings
from segue_apps.conversations.store import projects
from segue_apps.conversations.versions import versions

DEFAULT_DB_URL = "sqlite+aiosqlite:///./data/conversations.db"


def create_newest_app(options: ServiceOptions) -> FastAPI:
    """Build the v2 app from command-line options (a SQLite file's folder is created)."""
    return create_app(Settings(db_url=options.db_url, rate_limit=options.rate_limit))


async def bootstrap(options: ServiceOptions) -> dict[str, Any]:
    """Create an organisation, a project and its first key; return what a client needs.

    Returns:
        ``{"api_key", "project_id", "org_id", "key_id"}``; ``api_key`` is shown only here.
    """
    db = create_database(options.db_url)
    try:
        await upgrade(db, MIGRATIONS, VERSION_TABLE)
        now = now_ms()
        org_id = await projects.create_org(db, "Default", now)
        created = await projects.create(db, org_id, "Default", "default", now)
    finally:
        await db.dispose()
    return {
        "api_key": created["api_key"]["key"],
        "project_id": created["project"]["project_id"],
        "org_id": org_id,
        "key_id": created["api_key"]["key_id"],
    }


def ms_clock(clock: Callable[[], int]) -> Callable[[], datetime]:
    """The service's millisecond clock as the datetime clock segue's lifecycle reads."""
    return lambda: datetime.fromtimestamp(clock() / 1000, UTC)


def versioned(
    newest: ASGIApp,
    *,
    deprecated_at: datetime | None = None,
    sunset_at: datetime | None = None,
    clock: Callable[[], int] = now_ms,
) -> Segue:
    """v2 as implemented plus v1 as declared in ``versions.py``."""
    return Segue(newest, versions(deprecated_at, sunset_at), clock=ms_clock(clock))


def create_service_app(options: ServiceOptions) -> ASGIApp:
    """The whole service, every version, as `segue serve conversations` runs it."""
    return versioned(
        create_newest_app(options),
        deprecated_at=options.v1_deprecated,
        sunset_at=options.v1_sunset,
    )


SERVICE = ServiceSpec("conversations", DEFAULT_DB_URL, create_service_app, bootstrap)
