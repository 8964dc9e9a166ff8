"""Upsert batches and their per-row outcome ledgers."""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa

from segue_apps.common.db import Database
from segue_apps.workspace.cells import iso
from segue_apps.workspace.errors import WorkspaceError
from segue_apps.workspace.store import pagination
from segue_apps.workspace.store.tables import batches

b = batches.c


def _counts(outcomes: list[dict[str, Any]]) -> dict[str, int]:
    out = {"inserted": 0, "updated": 0, "skipped": 0}
    for item in outcomes:
        out[item["outcome"]] += 1
    return out


def _batch(row: Any, with_outcomes: bool) -> dict[str, Any]:
    outcomes = orjson.loads(row.outcomes)
    out = {
        "batchId": row.id,
        "tableId": row.table_id,
        "type": row.type,
        "status": "complete",
        "rowCount": row.row_count,
        "counts": _counts(outcomes),
        "enrichments": {"total": 0, "completed": 0, "pending": 0, "failed": 0},
        "failures": {},
        "creditsUsed": 0,
        "createdAt": iso(row.created_at),
        "completedAt": iso(row.created_at),
    }
    if with_outcomes:
        out["outcomes"] = outcomes
    return out


def find_outcomes(conn: sa.Connection, workspace_id: str, batch_id: str) -> dict[str, Any] | None:
    """Return a recorded upsert's result (as first answered), or ``None``."""
    row = (
        conn.execute(
            sa.select(b.table_id, b.outcomes).where(
                b.workspace_id == workspace_id, b.id == batch_id
            )
        )
    ).first()
    if row is None:
        return None
    outcomes = orjson.loads(row.outcomes)
    return {
        "batchId": batch_id,
        "tableId": row.table_id,
        "counts": _counts(outcomes),
        "outcomes": outcomes,
    }


async def get(db: Database, workspace_id: str, batch_id: str) -> dict[str, Any]:
    """Return one batch with its outcome ledger, or 404 ``BATCH_NOT_FOUND``."""
    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(batches).where(b.workspace_id == workspace_id, b.id == batch_id)
            )
        ).first()
    if row is None:
        raise WorkspaceError(404, "BATCH_NOT_FOUND", "Batch not found")
    return _batch(row, True)


async def list_page(db: Database, workspace_id: str, page: int, page_size: int) -> dict[str, Any]:
    """Return a page of the workspace's batches, newest first, without ledgers."""
    async with db.engine.connect() as conn:
        total = (
            await conn.execute(sa.select(sa.func.count()).where(b.workspace_id == workspace_id))
        ).scalar_one()
        found = await conn.execute(
            sa.select(batches)
            .where(b.workspace_id == workspace_id)
            .order_by(b.created_at.desc(), b.id)
            .limit(page_size)
            .offset(page * page_size)
        )
        items = [_batch(row, False) for row in found]
    return {"batches": items, "pagination": pagination(page, page_size, total)}
