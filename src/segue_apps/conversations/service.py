"""Entry points the `segue` command line uses: build the newest app, bootstrap a client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from segue import Segue
from segue.tooling import ServiceOptions, ServiceSpec
from segue.types import ASGIApp, Scope
from segue.usage import UsageRecorder
from segue_apps.common.auth import bearer_token
from segue_apps.common.clock import Clock, ms_clock, now_ms
from segue_apps.common.db import Database, create_database
from segue_apps.common.keys import DISPLAY_PREFIX_LENGTH
from segue_apps.common.migrate import upgrade
from segue_apps.common.service import Versioned
from segue_apps.conversations.app import MIGRATIONS, VERSION_TABLE, create_app
from segue_apps.conversations.auth import KEYS
from segue_apps.conversations.guide import SCENARIOS
from segue_apps.conversations.settings import Settings
from segue_apps.conversations.store import projects
from segue_apps.conversations.versions import versions

DEFAULT_DB_URL = "sqlite+aiosqlite:///./data/conversations.db"


def create_newest_app(options: ServiceOptions, *, clock: Clock = now_ms) -> FastAPI:
    """Build the v2 app from command-line options (a SQLite file's folder is created)."""
    return create_app(Settings(db_url=options.db_url, rate_limit=options.rate_limit, clock=clock))


async def bootstrap(options: ServiceOptions, *, clock: Clock = now_ms) -> dict[str, Any]:
    """Create an organisation, a project and its first key; return what a client needs.

    Args:
        options: the database to create them in.
        clock: their creation time (tests pass the app's clock).

    Returns:
        ``{"api_key", "project_id", "org_id", "key_id"}``; ``api_key`` is shown only here.
    """
    db = create_database(options.db_url)
    try:
        await upgrade(db, MIGRATIONS, VERSION_TABLE)
        now = clock()
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


versioned = Versioned(versions)
"""v2 as implemented plus v1 as declared in ``versions.py``."""


def with_usage(
    api: Segue, newest: FastAPI, db_url: str, *, clock: Callable[[], int] = now_ms, **kwargs: Any
) -> UsageRecorder:
    """``api`` with usage figures kept in the service's database.

    ``/_segue/deprecated-calls`` authenticates like every route: an unrevoked key of ours,
    looked up by its SHA-256 through the app's database (opened by its lifespan).
    """

    async def authenticate(scope: Scope) -> str | None:
        token = bearer_token(scope)
        db: Database = newest.state.db
        owner = await KEYS.owner(token, db, clock())
        return token[:DISPLAY_PREFIX_LENGTH] if token is not None and owner is not None else None

    return UsageRecorder(
        api, db_url=db_url, authenticate=authenticate, clock=ms_clock(clock), **kwargs
    )


def create_service_app(options: ServiceOptions, *, clock: Clock = now_ms) -> ASGIApp:
    """The whole service, every version, as `segue serve conversations` runs it.

    ``clock`` is the time the app, segue's lifecycle and the usage figures all read; tests
    pass a fixed one.
    """
    newest = create_newest_app(options, clock=clock)
    api = versioned.serve(newest, options, clock=clock)
    return with_usage(api, newest, options.db_url, clock=clock)


SERVICE = ServiceSpec(
    "conversations", DEFAULT_DB_URL, create_service_app, bootstrap, guide_examples=SCENARIOS
)
