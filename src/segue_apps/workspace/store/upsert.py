"""``POST /tables/{tableId}/rows/upsert``: one transaction, idempotent per ``batchId``.

The whole call runs in one write transaction: validation first (nothing written), then
every match is resolved against :data:`~segue_apps.workspace.store.tables.match_values`
with one indexed ``IN`` query, and inserts and updates go out as ``executemany``. Any
failure (an ambiguous match found half-way included) rolls the table back untouched. A
known ``batchId`` short-circuits to the recorded outcomes and writes nothing.

The transaction is synchronous Core code handed to
:meth:`~segue_apps.common.db.Database.run`: on SQLite it runs as one call on a database
thread, not one round-trip per statement. The table, its columns (and row count) come
back from one query.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from operator import itemgetter
from typing import Any

import orjson
import sqlalchemy as sa

from segue_apps.common.db import Database
from segue_apps.common.ids import new_id
from segue_apps.workspace.cells import is_empty, match_text, scalar
from segue_apps.workspace.errors import WorkspaceError, issues_error
from segue_apps.workspace.store.batches import find_outcomes
from segue_apps.workspace.store.data_tables import Column, table_and_columns
from segue_apps.workspace.store.tables import (
    batches,
    columns,
    data_tables,
    match_values,
    orgs,
    rows,
    workspaces,
)

r = rows.c
mv = match_values.c
_UPDATE_ROW = (
    rows.update()
    .where(r.id == sa.bindparam("row_id"))
    .values(cells=sa.bindparam("new_cells"), updated_at=sa.bindparam("now"))
)
_DELETE_MATCH = match_values.delete().where(
    mv.row_id == sa.bindparam("rid"), mv.column_id == sa.bindparam("cid")
)
# Statements built once: building (and cache-keying) them per call costs more than
# running them on SQLite.
_CANDIDATES = (
    sa.select(mv.value, r.id, r.cells)
    .join(rows, r.id == mv.row_id)
    .where(mv.column_id == sa.bindparam("cid"), mv.value.in_(sa.bindparam("keys", expanding=True)))
    .order_by(r.pk)
)
_INSERT_ROWS = rows.insert()
_INSERT_MATCH = match_values.insert()
_INSERT_BATCH = batches.insert()
_TOUCH_TABLE = (
    data_tables.update()
    .where(data_tables.c.id == sa.bindparam("tid"))
    .values(updated_at=sa.bindparam("now"))
)

_COMPILED: dict[tuple[Any, tuple[str, ...]], tuple[str, Callable[[Any], tuple[Any, ...]]]] = {}


def _executemany(conn: sa.Connection, statement: Any, params: list[dict[str, Any]]) -> None:
    """Run ``statement`` once per dict of ``params``.

    On SQLite, for write statements whose parameters need no type processing (strings,
    integers): compiled once, the rows go to the driver's ``executemany`` as tuples, which
    skips SQLAlchemy's per-row parameter processing (most of an executemany's cost there).
    Elsewhere it is a plain ``conn.execute``, which on PostgreSQL sends an insert as one
    multi-row statement (so the statement-level row-count trigger fires once).
    """
    if conn.dialect.name != "sqlite":
        conn.execute(statement, params)
        return
    names = tuple(params[0])
    key = (statement, names)
    found = _COMPILED.get(key)
    if found is None:
        compiled = statement.compile(dialect=conn.dialect, column_keys=list(names))
        order = compiled.positiontup
        if not order:  # pragma: no cover - pysqlite is positional (qmark)
            raise ValueError("expected positional parameters")
        getter = itemgetter(*order) if len(order) > 1 else lambda p: (p[order[0]],)
        found = _COMPILED[key] = (compiled.string, getter)
    sql, getter = found
    conn.exec_driver_sql(sql, [getter(p) for p in params])


def _validate(
    cols: list[Column], body_rows: list[dict[str, Any]], match: list[str]
) -> list[Column]:
    """Check every row before anything is written; return the match columns."""
    by_slug = {col.slug: col for col in cols}
    unknown = [s for s in match if s not in by_slug or by_slug[s].kind != "input"]
    if unknown:
        raise issues_error(
            [{"path": "matchColumns", "message": f"{s!r} is not an input column"} for s in unknown],
            "UNKNOWN_COLUMN",
        )
    issues: list[dict[str, str]] = []
    code = "VALIDATION_ERROR"
    seen: dict[tuple[str, ...], int] = {}
    for i, row in enumerate(body_rows):
        for slug in row:
            col = by_slug.get(slug)
            if col is None:
                issues.append({"path": f"rows.{i}.{slug}", "message": "Unknown field"})
                code = "UNKNOWN_FIELDS"
            elif col.kind != "input":
                issues.append({"path": f"rows.{i}.{slug}", "message": "Not an input column"})
                code = "NON_INPUT_COLUMNS"
        missing = [s for s in match if is_empty(row.get(s))]
        for slug in missing:
            issues.append({"path": f"rows.{i}.{slug}", "message": "Match value is required"})
            code = "MISSING_MATCH_VALUE"
        if match and not missing:
            key = tuple(match_text(row[s]) for s in match)
            if key in seen:
                issues.append(
                    {"path": f"rows.{i}", "message": f"Same match key as rows.{seen[key]}"}
                )
                code = "DUPLICATE_MATCH_KEY"
            seen[key] = i
    if issues:
        raise issues_error(issues, code)
    return [by_slug[s] for s in match]


def _index_columns(conn: sa.Connection, table_id: str, todo: list[Column]) -> None:
    """Backfill :data:`match_values` for columns used for matching the first time."""
    found = conn.execute(sa.select(r.id, r.cells).where(r.table_id == table_id))
    entries = []
    for row_id, text in found:
        cells = orjson.loads(text)
        for col in todo:
            cell = cells.get(col.slug)
            if cell is not None and not is_empty(cell.get("value")):
                entries.append(
                    {"row_id": row_id, "column_id": col.id, "value": match_text(cell["value"])}
                )
    if entries:
        conn.execute(match_values.insert(), entries)
    conn.execute(
        columns.update()
        .where(columns.c.id.in_([col.id for col in todo]))
        .values(match_indexed=True)
    )


def _candidates(
    conn: sa.Connection, first: Column, keys: list[str]
) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    found = conn.execute(_CANDIDATES, {"cid": first.id, "keys": keys})
    out: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for value, row_id, cells in found:
        out[value].append((row_id, orjson.loads(cells)))
    return out


def _check_credits(
    conn: sa.Connection, workspace_id: str, cols: list[Column], app_url: str
) -> None:
    if not any(col.auto_trigger and col.kind != "input" for col in cols):
        return
    balance = (
        conn.execute(
            sa.select(orgs.c.credits_balance)
            .join(workspaces, workspaces.c.org_id == orgs.c.id)
            .where(workspaces.c.id == workspace_id)
        )
    ).scalar_one()
    if balance <= 0:
        raise WorkspaceError(
            402,
            "INSUFFICIENT_CREDITS",
            "Insufficient credits to enrich new rows; top up or retry with enrich: false.",
            {"creditsAvailable": balance},
            handoff={
                "kind": "top_up",
                "url": f"{app_url}/settings/billing?source=api",
                "label": "Top up credits",
            },
        )


def _apply(
    conn: sa.Connection,
    table_id: str,
    cols: list[Column],
    match_cols: list[Column],
    body_rows: list[dict[str, Any]],
    now: int,
) -> list[dict[str, Any]]:
    by_slug = {col.slug: col for col in cols}
    todo = [col for col in match_cols if not col.indexed]
    if todo:
        _index_columns(conn, table_id, todo)
        by_slug.update({col.slug: replace(col, indexed=True) for col in todo})
    if match_cols:
        first = match_cols[0]
        keys = [match_text(row[first.slug]) for row in body_rows]
        candidates = _candidates(conn, first, keys)
    else:  # insert only: no row matches anything
        keys, candidates = [""] * len(body_rows), {}
    inserts: list[dict[str, Any]] = []
    index_rows: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    stale: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    for i, row in enumerate(body_rows):
        hits = [
            (row_id, cells)
            for row_id, cells in candidates.get(keys[i], [])
            if all(
                match_text(cells.get(c.slug, {}).get("value")) == match_text(row[c.slug])
                for c in match_cols[1:]
            )
        ]
        if len(hits) > 1:
            raise WorkspaceError(
                409,
                "AMBIGUOUS_MATCH",
                f"rows.{i} matches {len(hits)} existing rows",
                {"issues": [{"path": f"rows.{i}", "message": "Matches more than one row"}]},
            )
        if not hits:
            row_id = new_id()
            cells = {s: scalar(v) for s, v in row.items() if not is_empty(v)}
            inserts.append(
                {
                    "id": row_id,
                    "table_id": table_id,
                    "cells": orjson.dumps(cells).decode(),
                    "created_at": now,
                    "updated_at": now,
                }
            )
            index_rows.extend(
                {"row_id": row_id, "column_id": by_slug[s].id, "value": match_text(c["value"])}
                for s, c in cells.items()
                if by_slug[s].indexed
            )
            outcomes.append({"index": i, "rowId": row_id, "outcome": "inserted"})
            continue
        row_id, cells = hits[0]
        changed = False
        for slug, value in row.items():
            new = None if is_empty(value) else scalar(value)
            if cells.get(slug) == new:
                continue
            changed = True
            indexed = by_slug[slug].indexed
            if indexed:
                stale.append({"rid": row_id, "cid": by_slug[slug].id})
            if new is None:
                cells.pop(slug, None)
            else:
                cells[slug] = new
            if new is not None and indexed:
                index_rows.append(
                    {"row_id": row_id, "column_id": by_slug[slug].id, "value": match_text(value)}
                )
        if changed:
            updates.append(
                {"row_id": row_id, "new_cells": orjson.dumps(cells).decode(), "now": now}
            )
        outcomes.append(
            {"index": i, "rowId": row_id, "outcome": "updated" if changed else "skipped"}
        )
    if inserts:
        _executemany(conn, _INSERT_ROWS, inserts)
    if updates:
        _executemany(conn, _UPDATE_ROW, updates)
    if stale:
        _executemany(conn, _DELETE_MATCH, stale)
    if index_rows:
        _executemany(conn, _INSERT_MATCH, index_rows)
    return outcomes


def counts(outcomes: list[dict[str, Any]]) -> dict[str, int]:
    """Count outcomes per kind."""
    out = {"inserted": 0, "updated": 0, "skipped": 0}
    for item in outcomes:
        out[item["outcome"]] += 1
    return out


def _upsert(
    conn: sa.Connection,
    workspace_id: str,
    table_id: str,
    body: dict[str, Any],
    app_url: str,
    now: int,
    given: str | None,
    batch_id: str,
) -> tuple[bool, dict[str, Any]]:
    # A fresh server-made id cannot have been recorded: skip the look-up.
    recorded = None if given is None else find_outcomes(conn, workspace_id, given)
    if recorded is not None:
        return False, recorded
    if conn.dialect.name == "postgresql":
        # Serialise upserts of one table so two calls cannot both insert one key.
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:t))"), {"t": table_id})
    _, cols, _ = table_and_columns(conn, workspace_id, table_id, app_url)
    match_cols = _validate(cols, body["rows"], body["matchColumns"])
    outcomes = _apply(conn, table_id, cols, match_cols, body["rows"], now)
    if body.get("enrich", True) and any(o["outcome"] == "inserted" for o in outcomes):
        _check_credits(conn, workspace_id, cols, app_url)
    conn.execute(
        _INSERT_BATCH,
        {
            "workspace_id": workspace_id,
            "id": batch_id,
            "table_id": table_id,
            "type": "upsert",
            "enrich": body.get("enrich", True),
            "row_count": len(outcomes),
            "outcomes": orjson.dumps(outcomes).decode(),
            "created_at": now,
        },
    )
    conn.execute(_TOUCH_TABLE, {"tid": table_id, "now": now})
    return True, {
        "batchId": batch_id,
        "tableId": table_id,
        "counts": counts(outcomes),
        "outcomes": outcomes,
    }


async def upsert(
    db: Database,
    workspace_id: str,
    table_id: str,
    body: dict[str, Any],
    app_url: str,
    now: int,
) -> tuple[bool, dict[str, Any]]:
    """Apply an upsert; return ``(created, result)`` where ``created`` is false on replay."""
    given: str | None = body.get("batchId")
    batch_id = given or str(uuid.uuid4())
    try:
        return await db.run(
            _upsert, workspace_id, table_id, body, app_url, now, given, batch_id, write=True
        )
    except sa.exc.IntegrityError:
        # A concurrent call with the same batchId committed first: answer as its replay.
        recorded = await db.run(find_outcomes, workspace_id, batch_id)
        if recorded is None:
            raise
        return False, recorded
