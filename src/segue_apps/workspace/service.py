"""Entry points the `segue` command line uses: build the newest app, bootstrap a client."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from fastapi import FastAPI

from segue import Segue
from segue.tooling import ServiceOptions, ServiceSpec
from segue.types import ASGIApp
from segue_apps.common.clock import ms_clock, now_ms
from segue_apps.common.db import create_database
from segue_apps.common.ids import new_id
from segue_apps.common.migrate import upgrade
from segue_apps.workspace.app import MIGRATIONS, VERSION_TABLE, create_app
from segue_apps.workspace.cells import scalar
from segue_apps.workspace.errors import error_body
from segue_apps.workspace.settings import Settings
from segue_apps.workspace.store import data_tables, drafts, workspaces
from segue_apps.workspace.store.tables import rows
from segue_apps.workspace.versions import versions

DEFAULT_DB_URL = "sqlite+aiosqlite:///./data/workspace.db"

_DEMO_COLUMNS: list[dict[str, Any]] = [
    {"name": "Company Name", "slug": "company-name"},
    {"name": "Website", "slug": "website"},
    {"name": "CEO Email", "slug": "ceo-email", "kind": "enrichment", "autoTrigger": True},
    {"name": "Outreach", "slug": "outreach", "kind": "sequence", "autoTrigger": False},
]


_DEMO_SEQUENCE = (
    "1. Email: a quick intro to {{company-name}}\n"
    "2. LinkedIn connect: glad to connect\n"
    "3. Follow-up email after 4 days: any thoughts on {{website}}?"
)


def create_newest_app(options: ServiceOptions) -> FastAPI:
    """Build the v2 app from command-line options (a SQLite file's folder is created)."""
    return create_app(Settings(db_url=options.db_url))


def _demo_rows(table_id: str, now: int) -> list[dict[str, Any]]:
    run = {"id": "run_demo", "status": "completed", "creditsUsed": 1, "finishedAt": now}
    cells = [
        {
            "company-name": scalar("Acme Corp"),
            "website": scalar("acme.com"),
            "ceo-email": {"kind": "value", "value": "ceo@acme.com", "run": run},
        },
        {"company-name": scalar("Beta, Inc."), "website": scalar("beta.io")},
    ]
    return [
        {
            "id": new_id(),
            "table_id": table_id,
            "cells": orjson.dumps(c).decode(),
            "created_at": now,
            "updated_at": now,
        }
        for c in cells
    ]


async def bootstrap(options: ServiceOptions) -> dict[str, Any]:
    """Create an organisation, a workspace, its key and a demo table with rows.

    Returns:
        ``{"api_key", "workspace_id", "org_id", "table_id", "document_id"}``; ``api_key``
        is shown only here.
    """
    db = create_database(options.db_url)
    try:
        await upgrade(db, MIGRATIONS, VERSION_TABLE)
        now = now_ms()
        async with db.writer.begin() as conn:
            org_id = await workspaces.create_org(conn, "Default", now)
            workspace_id, key = await workspaces.create_workspace(conn, org_id, "Default", now)
            document = await workspaces.add_document(
                conn, workspace_id, "README", "# Demo workspace\n", "text/markdown", now
            )
        made = await data_tables.create(db, workspace_id, "Demo companies", _DEMO_COLUMNS, "", now)
        async with db.writer.begin() as conn:
            demo = _demo_rows(made["id"], now)
            await conn.execute(rows.insert(), demo)
        # The first row's outreach cell links to a real sequence (a draft).
        draft = (workspace_id, made["id"], _DEMO_SEQUENCE, [demo[0]["id"]], "", now)
        await db.run(drafts.draft_for_rows, *draft, write=True)
    finally:
        await db.dispose()
    return {
        "api_key": key,
        "workspace_id": workspace_id,
        "org_id": org_id,
        "table_id": made["id"],
        "document_id": document["id"],
    }


def versioned(
    newest: ASGIApp,
    *,
    deprecated_at: datetime | None = None,
    sunset_at: datetime | None = None,
    clock: Callable[[], int] = now_ms,
) -> Segue:
    """v2 as implemented plus v1 as declared in ``versions.py`` (no v1 dates by default)."""
    return Segue(
        newest,
        versions(deprecated_at, sunset_at),
        error_body=error_body,
        clock=ms_clock(clock),
    )


def create_service_app(options: ServiceOptions) -> ASGIApp:
    """The whole service, every version, as `segue serve workspace` runs it."""
    return versioned(
        create_newest_app(options),
        deprecated_at=options.v1_deprecated,
        sunset_at=options.v1_sunset,
    )


SERVICE = ServiceSpec("workspace", DEFAULT_DB_URL, create_service_app, bootstrap)
