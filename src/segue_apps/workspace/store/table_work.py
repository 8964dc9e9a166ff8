"""``POST /tables/{tableId}/cancel``: stop the work in flight on one table.

Two kinds of work can be in flight on a table here: value cells whose producing run is
still ``running`` (their ``run.status``), and lead-source jobs, the agent runs working on
the table (focused on it, or having changed it already). Stopping a column's cells leaves
the runs alone; stopping the whole table stops both, in one transaction. Sent history is
never touched: sequences have their own stop and campaign pause.
"""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa

from segue_apps.workspace.errors import issues_error
from segue_apps.workspace.store import runs as run_store
from segue_apps.workspace.store.data_tables import table_and_columns
from segue_apps.workspace.store.tables import rows


def _running(cell: Any) -> bool:
    run = cell.get("run") if isinstance(cell, dict) else None
    return isinstance(run, dict) and run.get("status") == "running"


def cancel_table_work(
    conn: sa.Connection,
    workspace_id: str,
    table_id: str,
    slugs: list[str] | None,
    dry_run: bool,
    now: int,
    wall_ms: int,
    app_url: str,
) -> dict[str, Any]:
    """Cancel (or, with ``dry_run``, count) the table's running cells in ``slugs`` (every
    column when ``None``) and, for the whole table, its lead-source runs.

    Raises the 404 of a missing or foreign table, and 400 ``UNKNOWN_COLUMN`` for a slug
    the table does not have.
    """
    _, cols, _ = table_and_columns(conn, workspace_id, table_id, app_url)
    known = {col.slug for col in cols}
    unknown = [(i, s) for i, s in enumerate(slugs or []) if s not in known]
    if unknown:
        raise issues_error(
            [{"path": f"columns.{i}", "message": f"{s!r} is not a column"} for i, s in unknown],
            "UNKNOWN_COLUMN",
        )
    scope = known if slugs is None else set(slugs)
    cells = 0
    for row in conn.execute(sa.select(rows.c.id, rows.c.cells).where(rows.c.table_id == table_id)):
        values = orjson.loads(row.cells)
        stopped = [slug for slug, cell in values.items() if slug in scope and _running(cell)]
        if not stopped:
            continue
        cells += len(stopped)
        if dry_run:
            continue
        for slug in stopped:
            values[slug]["run"] = {**values[slug]["run"], "status": "cancelled", "finishedAt": now}
        update = rows.update().where(rows.c.id == row.id)
        conn.execute(update.values(cells=orjson.dumps(values).decode(), updated_at=now))
    jobs = [] if slugs is not None else run_store.active_runs_on_table(conn, workspace_id, table_id)
    if not dry_run:
        jobs = [run_id for run_id in jobs if run_store.cancel_run(conn, run_id, now, wall_ms)]
    answer: dict[str, Any] = {
        "tableId": table_id,
        "cancelledCells": cells,
        "cancelledLeadSourceJobs": len(jobs),
        "runIds": jobs,
    }
    if dry_run:
        answer["dryRun"] = True
    return answer
