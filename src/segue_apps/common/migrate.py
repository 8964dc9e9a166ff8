"""Apply a service's Alembic migrations programmatically at start-up.

The Alembic ``Config`` is built in code (no ``alembic.ini``): ``script_location`` points
at the service's ``migrations/`` package and the live connection is handed to its
``env.py`` through ``config.attributes``, so the same code runs on SQLite and PostgreSQL.
Concurrent start-ups are serialised: by ``BEGIN IMMEDIATE`` on SQLite, by a transaction
advisory lock on PostgreSQL.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from segue_apps.common.db import Database


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
