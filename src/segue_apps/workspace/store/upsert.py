"""``POST /tables/{tableId}/rows/upsert``: one transaction, idempotent per ``batchId``.

The whole call runs in one write transaction: validation first (nothing written), then
every match is resolved against :data:`~segue_apps.workspace.store.tables.match_values`
with one indexed ``IN`` query, and inserts and updates go out as batches
(:class:`~segue_apps.common.prepared.Bulk`: multi-row statements on SQLite). Any
failure (an ambiguous match found half-way included) rolls the table back untouched. A
known ``batchId`` short-circuits to the recorded outcomes and writes nothing.

The transaction is synchronous Core code handed to
:meth:`~segue_apps.common.db.Database.run`. On SQLite every upsert queues for the one
writer thread, so the work done there is kept small: each row's typed cells and match
key are worked out before (:class:`Batch`), validation checks whole columns at once (and
goes row by row only to report a problem), and the statements are prepared once and run
on the driver with plain tuples (:mod:`~segue_apps.common.prepared`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from segue_apps.common.db import Database
from segue_apps.common.ids import new_ordered_ids
from segue_apps.common.prepared import (
    Bulk,
    Prepared,
    execute_bulk,
    executemany,
    fetchone_sqlite,
)
from segue_apps.workspace.cells import is_empty, match_text
from segue_apps.workspace.errors import WorkspaceError, insufficient_credits, issues_error
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
# Statements built once: building (and cache-keying) them per call costs more than
# running them on SQLite, where they also skip SQLAlchemy's execution (prepared).
_CANDIDATES = (
    sa.select(mv.value, r.pk, r.id, r.cells)
    .join(rows, r.id == mv.row_id)
    .where(mv.column_id == sa.bindparam("cid"), mv.value.in_(sa.bindparam("keys", expanding=True)))
)
# On SQLite the keys go as one JSON array, not one parameter each (the statement is
# fixed), and the rows come back as one JSON array too: each result row is a step of the
# driver, a hand-off of the GIL (see prepared.Bulk).
_CANDIDATES_SQLITE = (
    "SELECT json_group_array(json_array(mv.value, r.pk, r.id, r.cells)) "
    f"FROM {match_values.name} AS mv JOIN {rows.name} AS r ON r.id = mv.row_id "
    "WHERE mv.column_id = ? AND mv.value IN (SELECT value FROM json_each(?))"
)
_INSERT_ROWS = Bulk.insert(rows, ("id", "table_id", "cells", "created_at", "updated_at"))
_UPDATE_ROWS = Bulk(
    Prepared(
        rows.update()
        .where(r.pk == sa.bindparam("row_pk"))
        .values(cells=sa.bindparam("new_cells"), updated_at=sa.bindparam("now")),
        ("new_cells", "now", "row_pk"),
    ),
    f"UPDATE {rows.name} SET cells = v.column1, updated_at = v.column2 "
    f"FROM (VALUES {{rows}}) AS v WHERE {rows.name}.pk = v.column3",
    min_sqlite=(3, 33, 0),
)
_INSERT_MATCHES = Bulk.insert(match_values, ("row_id", "column_id", "value"))
# Rare (an indexed value changed): one statement per row, by primary key.
_DELETE_MATCHES = Prepared(
    match_values.delete().where(
        mv.row_id == sa.bindparam("rid"), mv.column_id == sa.bindparam("cid")
    ),
    ("rid", "cid"),
)
_INSERT_BATCH = Prepared(
    batches.insert(),
    ("workspace_id", "id", "table_id", "type", "enrich", "row_count", "outcomes", "created_at"),
)
_TOUCH_TABLE = Prepared(
    data_tables.update()
    .where(data_tables.c.id == sa.bindparam("tid"))
    .values(updated_at=sa.bindparam("now")),
    ("now", "tid"),
)


@dataclass(frozen=True, slots=True)
class Batch:
    """A request's rows with what the transaction needs of them, worked out before it.

    ``cells[i]`` are row ``i``'s non-empty values as typed ``scalar`` cells; ``keys[i]``
    the texts of its ``match`` values (empty without match columns).
    """

    rows: list[dict[str, Any]]
    match: list[str]
    cells: list[dict[str, dict[str, Any]]]
    keys: list[tuple[str, ...]]

    @classmethod
    def of(cls, body_rows: list[dict[str, Any]], match: list[str]) -> Batch:
        """Prepare ``body_rows`` for an upsert on ``match``."""
        cells = [
            # not is_empty(v), inlined: this runs for every value of the batch (a string
            # is empty when it is "" or only whitespace, which isspace tells without a copy)
            {
                s: {"kind": "scalar", "value": v}
                for s, v in row.items()
                if v is not None and (not isinstance(v, str) or (v and not v.isspace()))
            }
            for row in body_rows
        ]
        keys: list[tuple[str, ...]]
        if len(match) == 1:  # the usual case, without a generator per row
            keys = [(match_text(row.get(match[0])),) for row in body_rows]
        else:
            keys = [tuple(match_text(row.get(s)) for s in match) for row in body_rows]
        return cls(body_rows, match, cells, keys)


def _validate(cols: list[Column], batch: Batch) -> list[Column]:
    """Check every row before anything is written; return the match columns."""
    by_slug = {col.slug: col for col in cols}
    match = batch.match
    unknown = [s for s in match if s not in by_slug or by_slug[s].kind != "input"]
    if unknown:
        raise issues_error(
            [{"path": "matchColumns", "message": f"{s!r} is not an input column"} for s in unknown],
            "UNKNOWN_COLUMN",
        )
    inputs = {col.slug for col in cols if col.kind == "input"}
    if (
        all(row.keys() <= inputs for row in batch.rows)
        and all(s in cells for cells in batch.cells for s in match)
        and (not match or len(set(batch.keys)) == len(batch.keys))
    ):
        return [by_slug[s] for s in match]
    raise _row_issues(by_slug, batch.rows, match)


def _row_issues(
    by_slug: dict[str, Column], body_rows: list[dict[str, Any]], match: list[str]
) -> WorkspaceError:
    """The 400 listing every problem, row by row (the code is that of the last one)."""
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
    return issues_error(issues, code)


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


Candidate = tuple[int, str, dict[str, Any]]


def _candidates(conn: sa.Connection, first: Column, keys: list[str]) -> dict[str, list[Candidate]]:
    """Rows whose ``first`` match value is one of ``keys``: ``{key: [(pk, id, cells)]}``."""
    found: Any
    if conn.dialect.name == "sqlite":
        params = (first.id, orjson.dumps(keys).decode())
        found = orjson.loads(fetchone_sqlite(conn, _CANDIDATES_SQLITE, params)[0])
    else:
        found = conn.execute(_CANDIDATES, {"cid": first.id, "keys": keys})
    out: dict[str, list[Candidate]] = defaultdict(list)
    for value, pk, row_id, cells in found:
        out[value].append((pk, row_id, orjson.loads(cells)))
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
        raise insufficient_credits(
            "Insufficient credits to enrich new rows; top up or retry with enrich: false.",
            balance,
            app_url,
        )


def _apply(
    conn: sa.Connection,
    table_id: str,
    cols: list[Column],
    match_cols: list[Column],
    batch: Batch,
    now: int,
) -> list[dict[str, Any]]:
    indexed = {col.slug: col.id for col in cols if col.indexed}
    todo = [col for col in match_cols if not col.indexed]
    if todo:
        _index_columns(conn, table_id, todo)
        indexed.update({col.slug: col.id for col in todo})
    candidates = (
        _candidates(conn, match_cols[0], [key[0] for key in batch.keys]) if match_cols else {}
    )
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    index_rows: list[tuple[Any, ...]] = []
    stale: list[tuple[Any, ...]] = []
    outcomes: list[dict[str, Any]] = []
    fresh_ids = iter(new_ordered_ids(len(batch.rows)))  # B-tree locality, see ids
    for i, (row, typed, key) in enumerate(zip(batch.rows, batch.cells, batch.keys, strict=True)):
        hits = candidates.get(key[0], []) if key else []
        if len(key) > 1:
            hits = [
                hit
                for hit in hits
                if all(
                    match_text(hit[2].get(c.slug, {}).get("value")) == text
                    for c, text in zip(match_cols[1:], key[1:], strict=True)
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
            row_id = next(fresh_ids)
            inserts.append((row_id, table_id, orjson.dumps(typed).decode(), now, now))
            for slug, cid in indexed.items():
                if slug in typed:
                    index_rows.append((row_id, cid, match_text(row[slug])))
            outcomes.append({"index": i, "rowId": row_id, "outcome": "inserted"})
            continue
        pk, row_id, cells = hits[0]
        new = cells | typed
        if len(typed) < len(row):  # values sent empty clear their cells
            for slug in row.keys() - typed.keys():
                new.pop(slug, None)
        if new == cells:
            outcomes.append({"index": i, "rowId": row_id, "outcome": "skipped"})
            continue
        updates.append((orjson.dumps(new).decode(), now, pk))
        for slug, cid in indexed.items():
            if slug in row and new.get(slug) != cells.get(slug):
                stale.append((row_id, cid))
                if slug in typed:
                    index_rows.append((row_id, cid, match_text(row[slug])))
        outcomes.append({"index": i, "rowId": row_id, "outcome": "updated"})
    for statement, params in (
        (_INSERT_ROWS, inserts),
        (_UPDATE_ROWS, updates),
        (_DELETE_MATCHES, stale),
        (_INSERT_MATCHES, index_rows),
    ):
        if not params:
            continue
        if isinstance(statement, Bulk):
            execute_bulk(conn, statement, params)
        else:
            executemany(conn, statement, params)
    return outcomes


def _upsert(
    conn: sa.Connection,
    workspace_id: str,
    table_id: str,
    batch: Batch,
    enrich: bool,
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
    match_cols = _validate(cols, batch)
    outcomes = _apply(conn, table_id, cols, match_cols, batch, now)
    counts = {"inserted": 0, "updated": 0, "skipped": 0}
    for item in outcomes:
        counts[item["outcome"]] += 1
    if enrich and counts["inserted"]:
        _check_credits(conn, workspace_id, cols, app_url)
    ledger = orjson.dumps(outcomes)
    executemany(
        conn,
        _INSERT_BATCH,
        [(workspace_id, batch_id, table_id, "upsert", enrich, len(outcomes), ledger.decode(), now)],
    )
    executemany(conn, _TOUCH_TABLE, [(now, table_id)])
    return True, {
        "batchId": batch_id,
        "tableId": table_id,
        "counts": counts,
        "outcomes": orjson.Fragment(ledger),  # serialised once, for the ledger and the answer
    }


async def upsert(
    db: Database,
    workspace_id: str,
    table_id: str,
    body_rows: list[dict[str, Any]],
    match: list[str],
    *,
    batch_id: str | None,
    enrich: bool,
    app_url: str,
    now: int,
) -> tuple[bool, dict[str, Any]]:
    """Apply an upsert; return ``(created, result)`` where ``created`` is false on replay."""
    batch = Batch.of(body_rows, match)
    chosen = batch_id or str(uuid.uuid4())
    try:
        return await db.run(
            _upsert,
            workspace_id,
            table_id,
            batch,
            enrich,
            app_url,
            now,
            batch_id,
            chosen,
            write=True,
        )
    except sa.exc.IntegrityError:
        # A concurrent call with the same batchId committed first: answer as its replay.
        recorded = await db.run(find_outcomes, workspace_id, chosen)
        if recorded is None:
            raise
        return False, recorded
