"""Rows of a table: pages (typed, flat, CSV), one row, one cell."""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa

from segue_apps.common.db import Database
from segue_apps.workspace.cells import flat_row, iso
from segue_apps.workspace.errors import WorkspaceError
from segue_apps.workspace.store import pagination
from segue_apps.workspace.store.data_tables import (
    Column,
    load_columns,
    require_table,
    table_and_columns,
)
from segue_apps.workspace.store.tables import rows

r = rows.c


def _ordered(cells: dict[str, Any], cols: list[Column]) -> dict[str, Any]:
    return {col.slug: cells[col.slug] for col in cols if col.slug in cells}


def _typed(row: Any, cols: list[Column]) -> dict[str, Any]:
    return {
        "id": row.id,
        "cells": _ordered(orjson.loads(row.cells), cols),
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
    }


def _page(
    conn: sa.Connection,
    workspace_id: str,
    table_id: str,
    page_no: int,
    page_size: int,
    app_url: str,
) -> tuple[list[Column], list[Any], dict[str, Any]]:
    _, cols, total = table_and_columns(conn, workspace_id, table_id, app_url)
    offset = page_no * page_size
    if offset >= total:  # past the end (the count is exact: kept in the writing transaction)
        return cols, [], pagination(page_no, page_size, total)
    query = sa.select(r.id, r.cells, r.created_at, r.updated_at).where(r.table_id == table_id)
    if offset:
        # Skip ``offset`` rows on the (table_id, pk) index alone, then read one page from
        # there: OFFSET on the full select would fetch every skipped row's cells.
        start = (
            sa.select(r.pk)
            .where(r.table_id == table_id)
            .order_by(r.pk)
            .limit(1)
            .offset(offset)
            .scalar_subquery()
        )
        query = query.where(r.pk >= start)
    found = conn.execute(query.order_by(r.pk).limit(page_size)).all()
    return cols, list(found), pagination(page_no, page_size, total)


async def page(
    db: Database, workspace_id: str, table_id: str, page_no: int, page_size: int, app_url: str
) -> tuple[list[Column], list[Any], dict[str, Any]]:
    """Return ``(columns, row records, pagination)`` of one page, in insertion order.

    ``pagination.total`` is the table's stored row count, not a ``count(*)``.
    """
    return await db.run(_page, workspace_id, table_id, page_no, page_size, app_url)


def typed_page(cols: list[Column], found: list[Any], pages: dict[str, Any]) -> dict[str, Any]:
    """Shape a page as typed rows."""
    return {
        "rows": [_typed(row, cols) for row in found],
        "columns": [col.public() for col in cols],
        "pagination": pages,
    }


def flat_rows(cols: list[Column], found: list[Any]) -> list[dict[str, Any]]:
    """Shape rows as v1 flat rows."""
    return [flat_row(row.id, _ordered(orjson.loads(row.cells), cols)) for row in found]


async def _row(db: Database, workspace_id: str, table_id: str, row_id: str, app_url: str) -> Any:
    async with db.engine.connect() as conn:
        await require_table(conn, workspace_id, table_id, app_url)
        cols = await load_columns(conn, table_id)
        found = (
            await conn.execute(
                sa.select(r.id, r.cells, r.created_at, r.updated_at).where(
                    r.id == row_id, r.table_id == table_id
                )
            )
        ).first()
    if found is None:
        raise WorkspaceError(404, "ROW_NOT_FOUND", "Row not found")
    return cols, found


async def get(
    db: Database, workspace_id: str, table_id: str, row_id: str, app_url: str
) -> dict[str, Any]:
    """Return one typed row."""
    cols, found = await _row(db, workspace_id, table_id, row_id, app_url)
    return _typed(found, cols)


async def cell(
    db: Database, workspace_id: str, table_id: str, row_id: str, column: str, app_url: str
) -> dict[str, Any]:
    """Return one cell; ``column`` is a column id or slug. An empty cell is ``null``."""
    cols, found = await _row(db, workspace_id, table_id, row_id, app_url)
    col = next((x for x in cols if column in (x.id, x.slug)), None)
    if col is None:
        raise WorkspaceError(404, "COLUMN_NOT_FOUND", "Column not found")
    value = orjson.loads(found.cells).get(col.slug)
    return {"rowId": row_id, "columnId": col.id, "slug": col.slug, "cell": value}
