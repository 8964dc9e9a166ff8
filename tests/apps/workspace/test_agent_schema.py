"""Revision 0003 creates exactly the tables, columns and indexes the store describes."""

from __future__ import annotations

import sqlalchemy as sa

from segue_apps.common.db import create_database
from segue_apps.common.migrate import upgrade
from segue_apps.workspace.app import MIGRATIONS, VERSION_TABLE
from segue_apps.workspace.store.agent_tables import metadata


def _described(conn: sa.Connection) -> dict[str, tuple[set[str], set[str]]]:
    inspector = sa.inspect(conn)
    return {
        name: (
            {c["name"] for c in inspector.get_columns(name)},
            {i["name"] for i in inspector.get_indexes(name) if i["name"]},
        )
        for name in metadata.tables
    }


async def test_revision_0003_matches_the_store_tables(db_url: str) -> None:
    db = create_database(db_url)
    try:
        await upgrade(db, MIGRATIONS, VERSION_TABLE)
        found = await db.run(_described)
    finally:
        await db.dispose()
    for name, table in metadata.tables.items():
        columns, indexes = found[name]
        assert columns == {c.name for c in table.columns}, name
        assert {i.name for i in table.indexes} <= indexes, name
