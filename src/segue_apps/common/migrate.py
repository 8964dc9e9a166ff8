"""Apply a service's Alembic migrations programmatically at start-up.

The Alembic ``Config`` is built in code (no ``alembic.ini``): ``script_location`` points
at the service's ``migrations/`` package and the live connection is handed to its
``env.py`` through ``config.attributes``, so the same code runs on SQLite and PostgreSQL.
Concurrent start-ups are serialised: by ``BEGIN IMMEDIATE`` on SQLite, by a transaction
advisory lock on PostgreSQL.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from segue_apps.common.db import Database, create_database


def alembic_config(script_location: Path, version_table: str) -> Config:
    """Return an Alembic config for the migrations in ``script_location``."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["version_table"] = version_table
    return config


def _upgrade(connection: Connection, config: Config, version_table: str) -> None:
    if connection.dialect.name == "postgresql":
        lock_id = zlib.crc32(version_table.encode())
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def upgrade(db: Database, script_location: Path, version_table: str) -> None:
    """Bring the database of ``db`` to the newest revision in ``script_location``.

    Args:
        db: the service database.
        script_location: the service's ``migrations/`` folder (holding ``env.py``).
        version_table: Alembic's version table, one per service so services can share a
            database.
    """
    config = alembic_config(script_location, version_table)
    async with db.writer.begin() as conn:
        await conn.run_sync(_upgrade, config, version_table)


def run_env() -> None:
    """The body of every service's ``migrations/env.py``: migrate on the handed-over
    connection (the Alembic command line, which hands none over, is not supported)."""
    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:  # pragma: no cover - only reachable from the alembic CLI
        raise RuntimeError("run migrations through segue_apps.common.migrate.upgrade()")
    context.configure(
        connection=connection,
        target_metadata=None,
        version_table=config.attributes.get("version_table", "alembic_version"),
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def migrating_lifespan(
    script_location: Path, version_table: str
) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """A FastAPI lifespan that opens ``app.state.settings.db_url``, migrates it to head,
    hangs the database on ``app.state.db`` and closes it on shutdown."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        db = create_database(app.state.settings.db_url)
        try:
            await upgrade(db, script_location, version_table)
            app.state.db = db
            yield
        finally:
            await db.dispose()

    return lifespan
