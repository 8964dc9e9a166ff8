"""Entry points the `segue` command line uses: build the newest app, bootstrap a client."""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson
from fastapi import FastAPI

from segue.tooling import ServiceFlag, ServiceOptions, ServiceSpec
from segue.types import ASGIApp
from segue_apps.common.clock import now_ms
from segue_apps.common.db import create_database
from segue_apps.common.ids import new_id
from segue_apps.common.migrate import upgrade
from segue_apps.common.service import Versioned, positive
from segue_apps.workspace.app import MIGRATIONS, VERSION_TABLE, create_app
from segue_apps.workspace.cells import scalar
from segue_apps.workspace.errors import error_body
from segue_apps.workspace.settings import Settings
from segue_apps.workspace.store import data_tables, drafts, workspaces
from segue_apps.workspace.store.tables import rows
from segue_apps.workspace.store.workspaces import PLANS
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


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(f"want a non-negative integer, got {text}")
    return value


def _runner(text: str) -> str:
    if text not in ("builtin", "openai"):
        raise ValueError(f"want builtin or openai, got {text}")
    return text


def _plan(text: str) -> str:
    if text not in PLANS:
        raise ValueError(f"want one of {', '.join(PLANS)}, got {text}")
    return text


SERVE_FLAGS = (
    ServiceFlag("runner", "who works agent runs: builtin (default) or openai", _runner, "NAME"),
    ServiceFlag("runner-step-ms", "each step of the builtin runner (300)", _count, "MS"),
    ServiceFlag("runner-url", "openai runner: base URL (…/v1)", metavar="URL"),
    ServiceFlag("runner-model", "openai runner: the model to ask for", metavar="MODEL"),
    ServiceFlag("runner-key-env", "openai runner: variable holding the key", metavar="NAME"),
    ServiceFlag("runner-stream", "openai runner: ask for streamed (SSE) answers", switch=True),
    ServiceFlag("runner-retries", "openai runner: retries of a 429/5xx (3)", _count, "N"),
    ServiceFlag(
        "run-timeout-ms", "a run's wall-clock ceiling (20 min), then timed_out", positive, "MS"
    ),
    ServiceFlag("lease-ms", "how long a dead worker holds a run (15000)", positive, "MS"),
    ServiceFlag("poll-ms", "how often an idle worker looks for runs (100)", positive, "MS"),
    ServiceFlag("concurrency", "runs one process works on at once (32)", positive, "N"),
    ServiceFlag(
        "schedule-poll-ms", "how often due schedules are looked for (1000)", positive, "MS"
    ),
    ServiceFlag(
        "schedule-min-interval-s", "shortest cron interval allowed (300)", _count, "SECONDS"
    ),
)
"""`segue serve workspace`' own flags (`segue services` lists them)."""
BOOTSTRAP_FLAGS = (
    ServiceFlag("plan", "the new organisation's plan (starter)", _plan, "PLAN"),
    ServiceFlag("credits", "the new organisation's credit balance (1000)", _count, "N"),
)
"""`segue bootstrap workspace`' own flags."""


def create_newest_app(options: ServiceOptions) -> FastAPI:
    """Build the v2 app from command-line options (a SQLite file's folder is created).

    ``options.extra`` (:data:`SERVE_FLAGS` fill it) sets the :class:`Settings` of the same
    names: the runner and its step time, the run ceiling, the worker and the scheduler.
    """
    given = {flag.key: options.extra[flag.key] for flag in SERVE_FLAGS if flag.key in options.extra}
    return create_app(dataclasses.replace(Settings(db_url=options.db_url), **given))


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

    ``options.extra`` may set the organisation's ``plan`` (starter) and ``credits`` (1000).

    Returns:
        ``{"api_key", "workspace_id", "org_id", "table_id", "document_id"}``; ``api_key``
        is shown only here.
    """
    db = create_database(options.db_url)
    try:
        await upgrade(db, MIGRATIONS, VERSION_TABLE)
        now = now_ms()
        async with db.writer.begin() as conn:
            org_id = await workspaces.create_org(
                conn,
                "Default",
                now,
                credits=int(options.extra.get("credits", 1000)),
                plan=str(options.extra.get("plan", "starter")),
            )
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


versioned = Versioned(versions, error_body)
"""v2 as implemented plus v1 as declared in ``versions.py`` (no v1 dates by default)."""


def create_service_app(options: ServiceOptions) -> ASGIApp:
    """The whole service, every version, as `segue serve workspace` runs it."""
    return versioned.serve(create_newest_app(options), options)


SERVICE = ServiceSpec(
    "workspace",
    DEFAULT_DB_URL,
    create_service_app,
    bootstrap,
    serve_flags=SERVE_FLAGS,
    bootstrap_flags=BOOTSTRAP_FLAGS,
)
