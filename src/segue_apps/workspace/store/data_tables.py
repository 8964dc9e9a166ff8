"""Tables and their columns, scoped to one workspace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from segue_apps.common.db import Database
from segue_apps.common.ids import new_id
from segue_apps.common.prepared import Prepared, fetchall
from segue_apps.workspace.cells import iso, slugify
from segue_apps.workspace.errors import WorkspaceError
from segue_apps.workspace.store import pagination
from segue_apps.workspace.store.tables import columns, data_tables, table_row_count

t = data_tables.c
c = columns.c
_ZERO_CELLS = {"running": 0, "errored": 0}
_KIND_TYPE = {"input": "static", "enrichment": "code", "score": "code", "sequence": "code"}


@dataclass(frozen=True, slots=True)
class Column:
    """A column as the row code needs it."""

    id: str
    name: str
    slug: str
    type: str
    kind: str
    auto_trigger: bool
    indexed: bool = False

    def public(self) -> dict[str, Any]:
        """Return the ``WorkspaceColumn`` object."""
        return {
            "id": self.id,
            "name": self.name,
            "slug": self.slug,
            "kind": self.kind,
            "autoTrigger": self.auto_trigger,
        }


def table_not_found(workspace_id: str, app_url: str) -> WorkspaceError:
    """The 404 for missing and foreign tables, with a handoff to the workspace in the app."""
    return WorkspaceError(
        404,
        "TABLE_NOT_FOUND",
        "Table not found",
        handoff={
            "kind": "open_workspace",
            "url": f"{app_url}/workspaces/{workspace_id}",
            "label": "Open the workspace to find the table",
        },
    )


async def load_columns(conn: AsyncConnection, table_id: str) -> list[Column]:
    """Return a table's columns in display order."""
    found = await conn.execute(
        sa.select(c.id, c.name, c.slug, c.type, c.kind, c.auto_trigger, c.match_indexed)
        .where(c.table_id == table_id)
        .order_by(c.position)
    )
    return [Column(*row) for row in found]


async def require_table(
    conn: AsyncConnection, workspace_id: str, table_id: str, app_url: str
) -> Any:
    """Return the table's row ``(id, name, created_at, updated_at)`` or raise the 404."""
    row = (
        await conn.execute(
            sa.select(t.id, t.name, t.created_at, t.updated_at).where(
                t.id == table_id, t.workspace_id == workspace_id
            )
        )
    ).first()
    if row is None:
        raise table_not_found(workspace_id, app_url)
    return row


_TABLE_AND_COLUMNS = Prepared(
    sa.select(
        t.id,
        t.name,
        t.created_at,
        t.updated_at,
        table_row_count,
        c.id,
        c.name,
        c.slug,
        c.type,
        c.kind,
        c.auto_trigger,
        c.match_indexed,
    )
    .select_from(data_tables.outerjoin(columns, c.table_id == t.id))
    .where(t.id == sa.bindparam("table_id"), t.workspace_id == sa.bindparam("workspace_id"))
    .order_by(c.position),
    ("table_id", "workspace_id"),
)


def table_and_columns(
    conn: sa.Connection, workspace_id: str, table_id: str, app_url: str
) -> tuple[Any, list[Column], int]:
    """Return ``((id, name, created_at, updated_at), columns, row count)`` in one query.

    Raises the 404 of :func:`table_not_found` for a missing or foreign table.
    """
    found = fetchall(conn, _TABLE_AND_COLUMNS, (table_id, workspace_id))
    if not found:
        raise table_not_found(workspace_id, app_url)
    first = found[0]
    cols = [  # booleans come back as stored (0/1) on SQLite
        Column(r[5], r[6], r[7], r[8], r[9], bool(r[10]), bool(r[11]))
        for r in found
        if r[5] is not None
    ]
    return tuple(first[:4]), cols, int(first[4])


def _table_dict(
    row: Any, workspace_id: str, cols: list[Column], lead_count: int, app_url: str
) -> dict[str, Any]:
    return {
        "id": row[0],
        "workspaceId": workspace_id,
        "name": row[1],
        "leadCount": lead_count,
        "columns": [
            {
                **col.public(),
                "type": col.type,
                "credits": {"lifetimeUsed": 0},
                "cells": dict(_ZERO_CELLS),
            }
            for col in cols
        ],
        "credits": {"lifetimeUsed": 0},
        "cells": dict(_ZERO_CELLS),
        "url": f"{app_url}/workspaces/{workspace_id}/tables/{row[0]}",
        "createdAt": iso(row[2]),
        "updatedAt": iso(row[3]),
    }


async def get(db: Database, workspace_id: str, table_id: str, app_url: str) -> dict[str, Any]:
    """Return one table object."""
    row, cols, lead_count = await db.run(table_and_columns, workspace_id, table_id, app_url)
    return _table_dict(row, workspace_id, cols, lead_count, app_url)


async def list_page(
    db: Database, workspace_id: str, page: int, page_size: int, app_url: str
) -> dict[str, Any]:
    """Return a page of the workspace's tables, oldest first."""
    async with db.engine.connect() as conn:
        total = (
            await conn.execute(sa.select(sa.func.count()).where(t.workspace_id == workspace_id))
        ).scalar_one()
        found = (
            await conn.execute(
                sa.select(t.id, t.name, t.created_at, t.updated_at, table_row_count)
                .where(t.workspace_id == workspace_id)
                .order_by(t.created_at, t.id)
                .limit(page_size)
                .offset(page * page_size)
            )
        ).all()
        items = [
            _table_dict(
                row,
                workspace_id,
                await load_columns(conn, row[0]),
                int(row[4]),
                app_url,
            )
            for row in found
        ]
    return {"tables": items, "pagination": pagination(page, page_size, total)}


async def insert_columns(
    conn: AsyncConnection, table_id: str, specs: list[dict[str, Any]], existing: list[Column]
) -> list[Column]:
    """Append columns to a table; a taken slug → 409 ``DUPLICATE_COLUMN``."""
    taken = {col.slug for col in existing}
    made: list[Column] = []
    for spec in specs:
        kind = spec.get("kind") or (
            "input" if spec.get("type", "static") == "static" else "enrichment"
        )
        slug = spec.get("slug")
        if slug is None:
            base = slug = slugify(spec["name"])
            n = 2
            while slug in taken:
                slug, n = f"{base}-{n}", n + 1
        elif slug in taken:
            raise WorkspaceError(
                409, "DUPLICATE_COLUMN", f"Column slug {slug!r} already exists on this table"
            )
        taken.add(slug)
        auto = spec.get("autoTrigger")
        made.append(
            Column(
                new_id(),
                spec["name"],
                slug,
                spec.get("type") or _KIND_TYPE[kind],
                kind,
                kind != "input" if auto is None else bool(auto),
            )
        )
    if made:
        await conn.execute(
            columns.insert(),
            [
                {
                    "id": col.id,
                    "table_id": table_id,
                    "position": len(existing) + i,
                    "name": col.name,
                    "slug": col.slug,
                    "type": col.type,
                    "kind": col.kind,
                    "auto_trigger": col.auto_trigger,
                    "match_indexed": False,
                }
                for i, col in enumerate(made)
            ],
        )
    return made


async def create(
    db: Database,
    workspace_id: str,
    name: str,
    specs: list[dict[str, Any]],
    app_url: str,
    now: int,
) -> dict[str, Any]:
    """Create a table with its columns; return the table object."""
    table_id = new_id()
    async with db.writer.begin() as conn:
        await conn.execute(
            data_tables.insert(),
            {
                "id": table_id,
                "workspace_id": workspace_id,
                "name": name,
                "created_at": now,
                "updated_at": now,
            },
        )
        cols = await insert_columns(conn, table_id, specs, [])
    return _table_dict((table_id, name, now, now), workspace_id, cols, 0, app_url)


async def add_column(
    db: Database, workspace_id: str, table_id: str, spec: dict[str, Any], app_url: str, now: int
) -> dict[str, Any]:
    """Append one column to a table; return the column object."""
    async with db.writer.begin() as conn:
        await require_table(conn, workspace_id, table_id, app_url)
        existing = await load_columns(conn, table_id)
        (col,) = await insert_columns(conn, table_id, [spec], existing)
        await conn.execute(data_tables.update().where(t.id == table_id).values(updated_at=now))
    return col.public()


async def list_columns(
    db: Database, workspace_id: str, table_id: str, app_url: str
) -> dict[str, Any]:
    """Return ``{"columns": [...]}`` of a table."""
    async with db.engine.connect() as conn:
        await require_table(conn, workspace_id, table_id, app_url)
        cols = await load_columns(conn, table_id)
    return {"columns": [col.public() for col in cols]}
