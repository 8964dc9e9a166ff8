"""``POST /tables/{tableId}/sequences``: draft one sequence per row, in one transaction.

The campaign column is the table's ``sequence`` column named (slug or name) in the
instructions, else its first one, else a new ``Sequence`` column. Each row of the table
(the first :data:`MAX_DRAFT_ROWS`, in insertion order) gets a sequence drafted by
:mod:`~segue_apps.workspace.drafting`:

- a row without a sequence in the campaign gets a new one, linked from its cell;
- a row whose sequence is still a draft has it rewritten in place (same id, new steps);
- a row whose sequence was launched or stopped keeps it (``skipped``).
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import sqlalchemy as sa

from segue_apps.common.ids import new_id
from segue_apps.workspace.cells import flat_value, iso
from segue_apps.workspace.drafting import (
    DraftedStep,
    DraftError,
    PlannedStep,
    plan_steps,
    recipient,
    write_steps,
)
from segue_apps.workspace.errors import insufficient_credits, issues_error
from segue_apps.workspace.store.data_tables import Column, table_and_columns
from segue_apps.workspace.store.sequence_tables import sequences, steps
from segue_apps.workspace.store.sequences import DRAFT, campaign_paused, paused_at, sequence_cell
from segue_apps.workspace.store.tables import columns, data_tables, orgs, rows, workspaces

MAX_DRAFT_ROWS = 1000
"""Rows drafted per call; a larger table is drafted for its first rows only."""
s = sequences.c
r = rows.c


def _mentioned(col: Column, text: str) -> bool:
    words = (col.slug, col.name)
    return any(re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text, re.IGNORECASE) for w in words)


def _campaign_column(
    conn: sa.Connection, table_id: str, cols: list[Column], instructions: str
) -> tuple[Column, bool]:
    """The column to draft into and whether it was just added."""
    candidates = [col for col in cols if col.kind == "sequence"]
    chosen = next((col for col in candidates if _mentioned(col, instructions)), None)
    if chosen is not None or candidates:
        return chosen or candidates[0], False
    taken = {col.slug for col in cols}
    slug, n = "sequence", 2
    while slug in taken:
        slug, n = f"sequence-{n}", n + 1
    col = Column(new_id(), "Sequence", slug, "code", "sequence", False)
    conn.execute(
        columns.insert().values(
            id=col.id,
            table_id=table_id,
            position=len(cols),
            name=col.name,
            slug=col.slug,
            type=col.type,
            kind=col.kind,
            auto_trigger=col.auto_trigger,
            match_indexed=False,
        )
    )
    return col, True


def _require_credits(conn: sa.Connection, workspace_id: str, app_url: str) -> None:
    balance = conn.execute(
        sa.select(orgs.c.credits_balance)
        .join(workspaces, workspaces.c.org_id == orgs.c.id)
        .where(workspaces.c.id == workspace_id)
    ).scalar_one()
    if balance <= 0:
        raise insufficient_credits("Insufficient credits to draft sequences.", balance, app_url)


def _step_rows(sequence_id: str, drafted: list[DraftedStep], now: int) -> list[dict[str, Any]]:
    return [
        {
            "id": new_id(),
            "sequence_id": sequence_id,
            "position": i,
            "channel": step.channel,
            "subject": step.subject,
            "body": step.body,
            "delay_days": step.delay_days,
            "status": "draft",
            "sent_at": None,
            "provider_message_id": None,
            "updated_at": now,
        }
        for i, step in enumerate(drafted)
    ]


def _channels(planned: list[PlannedStep]) -> str:
    return "," + ",".join(dict.fromkeys(step.channel for step in planned)) + ","


def draft_rows(
    conn: sa.Connection,
    workspace_id: str,
    table_id: str,
    col: Column,
    cols: list[Column],
    instructions: str,
    planned: list[PlannedStep],
    now: int,
    only: list[str] | None = None,
) -> dict[str, int]:
    """Draft ``planned`` for the table's rows (``only`` these ids, when given) into ``col``;
    return the counts."""
    live = {
        row_id: (seq_id, status)
        for row_id, seq_id, status in conn.execute(
            sa.select(s.row_id, s.id, s.status).where(s.column_id == col.id, s.deleted_at.is_(None))
        )
    }
    where = [r.table_id == table_id] if only is None else [r.table_id == table_id, r.id.in_(only)]
    found = conn.execute(
        sa.select(r.id, r.cells)
        .where(*where)
        .order_by(r.pk)
        .limit(MAX_DRAFT_ROWS)
        .with_for_update()
    ).all()
    readable = [c for c in cols if c.kind != "sequence"]
    new_sequences: list[dict[str, Any]] = []
    new_steps: list[dict[str, Any]] = []
    cell_updates: list[dict[str, Any]] = []
    rewritten: list[str] = []
    skipped = 0
    for row_id, text in found:
        cells = orjson.loads(text)
        values = {c.slug: flat_value(cells[c.slug]) for c in readable if c.slug in cells}
        to = recipient(values)
        fields = {
            "recipient_name": to.name,
            "recipient_email": to.email,
            "channels": _channels(planned),
            "instructions": instructions,
            "step_count": len(planned),
            "updated_at": now,
        }
        existing = live.get(row_id)
        if existing is not None and existing[1] != DRAFT:
            skipped += 1
            continue
        sequence_id = new_id() if existing is None else existing[0]
        new_steps += _step_rows(sequence_id, write_steps(planned, to, values), now)
        if existing is not None:
            rewritten.append(sequence_id)
            conn.execute(sequences.update().where(s.id == sequence_id).values(fields))
            continue
        new_sequences.append(
            {
                **fields,
                "id": sequence_id,
                "workspace_id": workspace_id,
                "table_id": table_id,
                "column_id": col.id,
                "row_id": row_id,
                "status": DRAFT,
                "sent_count": 0,
                "created_at": now,
                "launched_at": None,
                "stopped_at": None,
                "deleted_at": None,
            }
        )
        cells[col.slug] = sequence_cell(sequence_id, DRAFT)
        cell_updates.append({"rid": row_id, "new_cells": orjson.dumps(cells).decode()})
    if rewritten:
        conn.execute(steps.delete().where(steps.c.sequence_id.in_(rewritten)))
    if new_sequences:
        conn.execute(sequences.insert(), new_sequences)
    if new_steps:
        conn.execute(steps.insert(), new_steps)
    if cell_updates:
        conn.execute(
            rows.update()
            .where(r.id == sa.bindparam("rid"))
            .values(cells=sa.bindparam("new_cells"), updated_at=now),
            cell_updates,
        )
    return {"drafted": len(new_sequences), "rewritten": len(rewritten), "skipped": skipped}


def draft(
    conn: sa.Connection,
    workspace_id: str,
    table_id: str,
    instructions: str,
    app_url: str,
    now: int,
) -> dict[str, Any]:
    """Draft the table's sequences from ``instructions``; return the drafting run's outcome."""
    _, cols, _ = table_and_columns(conn, workspace_id, table_id, app_url)
    try:
        planned = plan_steps(instructions)
    except DraftError as exc:
        raise issues_error([{"path": "instructions", "message": str(exc)}]) from None
    col, added = _campaign_column(conn, table_id, cols, instructions)
    if not added and paused_at(conn, col.id) is not None:
        raise campaign_paused(app_url, workspace_id, table_id, col.id)
    _require_credits(conn, workspace_id, app_url)
    counts = draft_rows(conn, workspace_id, table_id, col, cols, instructions, planned, now)
    conn.execute(data_tables.update().where(data_tables.c.id == table_id).values(updated_at=now))
    actions: list[dict[str, Any]] = []
    if added:
        actions.append(
            {
                "type": "column_added",
                "tableId": table_id,
                "columnId": col.id,
                "columnName": col.name,
            }
        )
    channels = ", ".join(dict.fromkeys(step.channel for step in planned))
    text = (
        f"Drafted {counts['drafted']} new and rewrote {counts['rewritten']} sequence(s) of "
        f"{len(planned)} step(s) ({channels}) in column {col.name!r}; "
        f"{counts['skipped']} launched or stopped sequence(s) left as they were."
    )
    return {
        "run": {
            "id": f"v2_run-{new_id()}",
            "status": "completed",
            "prompt": instructions if len(instructions) <= 200 else instructions[:199] + "…",
            "startedAt": iso(now),
            "completedAt": iso(now),
            "response": {"text": text, "actions": actions},
        },
        "campaign": {"tableId": table_id, "columnId": col.id, "slug": col.slug, "paused": False},
        "sequences": {**counts, "steps": len(planned)},
    }


def draft_for_rows(
    conn: sa.Connection,
    workspace_id: str,
    table_id: str,
    instructions: str,
    row_ids: list[str],
    app_url: str,
    now: int,
) -> dict[str, int]:
    """Draft sequences for some rows of a table only (the bootstrap's demo row)."""
    _, cols, _ = table_and_columns(conn, workspace_id, table_id, app_url)
    col, _ = _campaign_column(conn, table_id, cols, instructions)
    planned = plan_steps(instructions)
    return draft_rows(conn, workspace_id, table_id, col, cols, instructions, planned, now, row_ids)
