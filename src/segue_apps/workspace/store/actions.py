"""The workspace tools a run's steps call, as synchronous Core inside the step's transaction.

Each tool returns ``(result, actions)``: ``result`` is what the runner reads back (a tool
message of the transcript), ``actions`` the typed ``response.actions[]`` entries (v2 says
"leads" for rows). A tool that cannot do what it was asked (an unknown table, a bad
column) raises :class:`ToolError`; the step records ``{"error": …}`` as its result and the
run goes on, as a model would after a failed tool call.

Deleted rows go to ``ws_row_trash`` with their cells and match values, so
``restore_leads`` brings them back with the same ids (and, where it is free, the same
place in the table).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa

from segue_apps.common.ids import new_id, new_ordered_ids
from segue_apps.common.inputs import check_json
from segue_apps.workspace.cells import iso, match_text, slugify
from segue_apps.workspace.store.agent_tables import row_trash
from segue_apps.workspace.store.data_tables import Column, table_and_columns
from segue_apps.workspace.store.tables import columns, data_tables, match_values, rows

MAX_ROWS_PER_CALL = 1000
DEFAULT_TABLE = "Leads"
DEFAULT_COLUMNS = ("Name", "Email")
t = data_tables.c
r = rows.c
mv = match_values.c
tr = row_trash.c


class ToolError(Exception):
    """A tool call that could not be carried out; its message is the tool's result."""


@dataclass
class ToolContext:
    """Where a run's tools act: its workspace, focus tables and the tables it created."""

    workspace_id: str
    run_id: str
    focus_table_ids: list[str]
    app_url: str
    now: int
    created: list[str] = field(default_factory=list)


def _resolve(conn: sa.Connection, ctx: ToolContext, ref: Any) -> tuple[str, str]:
    """``(id, name)`` of the table ``ref`` names (an id or a name), or of the default one."""
    if ref is not None:
        if not isinstance(ref, str):
            raise ToolError("tableId must be a string")
        found = conn.execute(
            sa.select(t.id, t.name)
            .where(t.workspace_id == ctx.workspace_id, sa.or_(t.id == ref, t.name == ref))
            .order_by((t.id == ref).desc(), t.created_at, t.id)
            .limit(1)
        ).first()
        if found is None:
            raise ToolError(f"no table {ref!r} in this workspace")
        return found[0], found[1]
    for candidate in [*reversed(ctx.created), *ctx.focus_table_ids]:
        found = conn.execute(
            sa.select(t.id, t.name).where(t.id == candidate, t.workspace_id == ctx.workspace_id)
        ).first()
        if found is not None:
            return found[0], found[1]
    found = conn.execute(
        sa.select(t.id, t.name)
        .where(t.workspace_id == ctx.workspace_id)
        .order_by(t.created_at, t.id)
        .limit(1)
    ).first()
    if found is not None:
        return found[0], found[1]
    made, _ = create_table(conn, ctx, {"name": DEFAULT_TABLE, "columns": list(DEFAULT_COLUMNS)})
    return made["tableId"], made["tableName"]


def _columns(conn: sa.Connection, ctx: ToolContext, table_id: str) -> list[Column]:
    _, cols, _ = table_and_columns(conn, ctx.workspace_id, table_id, ctx.app_url)
    return cols


def _touch(conn: sa.Connection, table_id: str, now: int) -> None:
    conn.execute(data_tables.update().where(t.id == table_id).values(updated_at=now))


def _count(args: dict[str, Any], default: int | None) -> int | None:
    count = args.get("count", default)
    if count is None:
        return None
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ToolError("count must be a non-negative integer")
    return min(count, MAX_ROWS_PER_CALL)


def add_leads(
    conn: sa.Connection, ctx: ToolContext, args: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Insert ``rows`` (``{slug or column name: value}``), or ``count`` generated rows."""
    table_id, name = _resolve(conn, ctx, args.get("tableId"))
    cols = _columns(conn, ctx, table_id)
    inputs = [col for col in cols if col.kind == "input"]
    given = args.get("rows")
    if given is not None:
        if not isinstance(given, list) or not all(isinstance(row, dict) for row in given):
            raise ToolError("rows must be a list of objects")
        if len(given) > MAX_ROWS_PER_CALL:
            raise ToolError(f"at most {MAX_ROWS_PER_CALL} rows per call")
        by_key = {col.slug: col for col in inputs} | {col.name.lower(): col for col in inputs}
        cells_list = []
        for row in given:
            cells: dict[str, Any] = {}
            for key, value in row.items():
                col = by_key.get(key) or by_key.get(str(key).lower())
                if col is None:
                    raise ToolError(f"{key!r} is not an input column of {name}")
                try:
                    check_json(value)
                except ValueError as error:
                    raise ToolError(f"{key}: {error}") from None
                if value is not None and value != "":
                    cells[col.slug] = {"kind": "scalar", "value": value}
            cells_list.append(cells)
    else:
        count = _count(args, 1) or 0
        start = int(
            conn.execute(sa.select(sa.func.count()).where(r.table_id == table_id)).scalar_one()
        )
        cells_list = [
            {col.slug: {"kind": "scalar", "value": f"{col.name} {start + i + 1}"} for col in inputs}
            for i in range(count)
        ]
    ids = new_ordered_ids(len(cells_list)) if cells_list else []
    if cells_list:
        conn.execute(
            rows.insert(),
            [
                {
                    "id": row_id,
                    "table_id": table_id,
                    "cells": orjson.dumps(cells).decode(),
                    "created_at": ctx.now,
                    "updated_at": ctx.now,
                }
                for row_id, cells in zip(ids, cells_list, strict=True)
            ],
        )
        indexed = [col for col in cols if col.indexed]
        matches = [
            {"row_id": row_id, "column_id": col.id, "value": match_text(cells[col.slug]["value"])}
            for row_id, cells in zip(ids, cells_list, strict=True)
            for col in indexed
            if col.slug in cells
        ]
        if matches:
            conn.execute(match_values.insert(), matches)
        _touch(conn, table_id, ctx.now)
    result = {"tableId": table_id, "tableName": name, "count": len(ids), "rowIds": ids}
    action = {"type": "leads_added", "tableId": table_id, "leadCount": len(ids)}
    return result, [action]


def delete_leads(
    conn: sa.Connection, ctx: ToolContext, args: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Move rows to the trash: ``rowIds``, else the newest ``count`` (all without one)."""
    table_id, name = _resolve(conn, ctx, args.get("tableId"))
    query = sa.select(r.pk, r.id, r.cells, r.created_at, r.updated_at).where(r.table_id == table_id)
    wanted = args.get("rowIds")
    if wanted is not None:
        if not isinstance(wanted, list) or not all(isinstance(i, str) for i in wanted):
            raise ToolError("rowIds must be a list of row ids")
        query = query.where(r.id.in_(wanted[:MAX_ROWS_PER_CALL]))
    else:
        count = _count(args, None)
        query = query.order_by(r.pk.desc())
        if count is not None:
            query = query.limit(count)
    found = conn.execute(query).all()
    if found:
        ids = [row.id for row in found]
        matches: dict[str, list[list[str]]] = {}
        for row_id, column_id, value in conn.execute(
            sa.select(mv.row_id, mv.column_id, mv.value).where(mv.row_id.in_(ids))
        ):
            matches.setdefault(row_id, []).append([column_id, value])
        conn.execute(
            row_trash.insert(),
            [
                {
                    "pk": row.pk,
                    "id": row.id,
                    "table_id": table_id,
                    "cells": row.cells,
                    "matches": orjson.dumps(matches.get(row.id, [])).decode(),
                    "created_at": row.created_at,
                    "updated_at": row.updated_at,
                    "deleted_at": ctx.now,
                    "run_id": ctx.run_id,
                }
                for row in found
            ],
        )
        conn.execute(rows.delete().where(r.id.in_(ids)))
        _touch(conn, table_id, ctx.now)
    result = {"tableId": table_id, "tableName": name, "count": len(found)}
    action = {
        "type": "leads_deleted",
        "tableId": table_id,
        "count": len(found),
        "deletedAt": iso(ctx.now),
    }
    return result, [action]


def restore_leads(
    conn: sa.Connection, ctx: ToolContext, args: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Bring back the ``count`` most recently deleted rows of a table (all without one)."""
    table_id, name = _resolve(conn, ctx, args.get("tableId"))
    count = _count(args, None)
    query = (
        sa.select(row_trash)
        .where(tr.table_id == table_id)
        .order_by(tr.deleted_at.desc(), tr.pk.desc())
    )
    if count is not None:
        query = query.limit(count)
    found = conn.execute(query).all()
    if found:
        pks = [row.pk for row in found]
        taken = set(conn.execute(sa.select(r.pk).where(r.pk.in_(pks))).scalars())
        known = set(
            conn.execute(sa.select(columns.c.id).where(columns.c.table_id == table_id)).scalars()
        )
        for row in found:
            values = {
                "id": row.id,
                "table_id": table_id,
                "cells": row.cells,
                "created_at": row.created_at,
                "updated_at": ctx.now,
            }
            if row.pk not in taken:  # its old place is free (SQLite may reuse a last rowid)
                values["pk"] = row.pk
            conn.execute(rows.insert().values(values))
        restored = {row.id for row in found}
        matches = [
            {"row_id": row.id, "column_id": column_id, "value": value}
            for row in found
            for column_id, value in orjson.loads(row.matches)
            if column_id in known
        ]
        if matches:
            conn.execute(match_values.insert(), matches)
        conn.execute(row_trash.delete().where(tr.id.in_(restored)))
        _touch(conn, table_id, ctx.now)
    result = {"tableId": table_id, "tableName": name, "count": len(found)}
    return result, [{"type": "leads_restored", "tableId": table_id, "count": len(found)}]


def _insert_column(
    conn: sa.Connection, table_id: str, name: str, position: int, taken: set[str]
) -> dict[str, Any]:
    base = slug = slugify(name)[:90]
    n = 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    column_id = new_id()
    conn.execute(
        columns.insert().values(
            id=column_id,
            table_id=table_id,
            position=position,
            name=name,
            slug=slug,
            type="static",
            kind="input",
            auto_trigger=False,
            match_indexed=False,
        )
    )
    return {"columnId": column_id, "columnName": name, "slug": slug}


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ToolError(f"{what} must be a non-empty string")
    return value.strip()[:255]


def create_table(
    conn: sa.Connection, ctx: ToolContext, args: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Create a table named ``name`` with input ``columns`` (names)."""
    name = _name(args.get("name"), "name")
    wanted = args.get("columns") or []
    if not isinstance(wanted, list) or len(wanted) > 200:
        raise ToolError("columns must be a list of at most 200 names")
    table_id = new_id()
    conn.execute(
        data_tables.insert().values(
            id=table_id,
            workspace_id=ctx.workspace_id,
            name=name,
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    )
    taken: set[str] = set()
    made = [
        _insert_column(conn, table_id, _name(col, "a column name"), i, taken)
        for i, col in enumerate(wanted)
    ]
    ctx.created.append(table_id)
    result = {"tableId": table_id, "tableName": name, "columns": made}
    return result, [{"type": "table_created", "tableId": table_id, "tableName": name}]


def add_column(
    conn: sa.Connection, ctx: ToolContext, args: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Append an input column called ``name``."""
    table_id, table_name = _resolve(conn, ctx, args.get("tableId"))
    name = _name(args.get("name"), "name")
    cols = _columns(conn, ctx, table_id)
    made = _insert_column(conn, table_id, name, len(cols), {col.slug for col in cols})
    _touch(conn, table_id, ctx.now)
    result = {"tableId": table_id, "tableName": table_name, **made}
    action = {
        "type": "column_added",
        "tableId": table_id,
        "columnId": made["columnId"],
        "columnName": name,
    }
    return result, [action]


TOOLS = {
    "add_leads": add_leads,
    "delete_leads": delete_leads,
    "restore_leads": restore_leads,
    "create_table": create_table,
    "add_column": add_column,
}


def apply(
    conn: sa.Connection, ctx: ToolContext, name: str, args: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Carry out one tool call; a failure is ``({"error": …}, [])``, the rest untouched.

    Each call runs in a savepoint, so a failed call leaves nothing half-written.
    """
    tool = TOOLS.get(name)
    if tool is None:
        return {"error": f"unknown tool {name!r}"}, []
    if not isinstance(args, dict):
        return {"error": "arguments must be an object"}, []
    try:
        with conn.begin_nested():
            return tool(conn, ctx, args)
    except ToolError as error:
        return {"error": str(error)}, []
