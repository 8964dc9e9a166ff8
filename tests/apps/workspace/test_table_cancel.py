"""``POST /api/v2/tables/{tableId}/cancel``: stop a table's running cells and the agent runs
working on it (lead-source jobs), or report them with ``dryRun``."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from tests.apps.workspace.agents_helpers import V2, create, settle
from tests.apps.workspace.conftest import Env, Tenant

from segue_apps.common.db import create_database
from segue_apps.workspace.store.tables import rows


async def _cancel(api: httpx.AsyncClient, table_id: str, **body: Any) -> dict[str, Any]:
    response = await api.post(f"{V2}/tables/{table_id}/cancel", json=body or None)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_whole_table_cancel_stops_the_runs_working_on_it(
    api: httpx.AsyncClient, tenant: Tenant
) -> None:
    made = await create(api, "wait 5000", focusTableIds=[tenant.table_id])
    agent_id, run_id = made["agent"]["id"], made["run"]["id"]

    report = await _cancel(api, tenant.table_id, dryRun=True)
    assert report == {
        "tableId": tenant.table_id,
        "cancelledCells": 0,
        "cancelledLeadSourceJobs": 1,
        "runIds": [run_id],
        "dryRun": True,
    }
    scoped = await _cancel(api, tenant.table_id, columns=["company-name"])
    assert scoped["cancelledLeadSourceJobs"] == 0  # a column's stop leaves runs alone
    assert (await api.get(f"{V2}/agents/{agent_id}/runs/{run_id}")).json()["status"] == "running"

    stopped = await _cancel(api, tenant.table_id)
    assert stopped == {
        "tableId": tenant.table_id,
        "cancelledCells": 0,
        "cancelledLeadSourceJobs": 1,
        "runIds": [run_id],
    }
    assert (await settle(api, agent_id, run_id))["status"] == "cancelled"
    assert (await _cancel(api, tenant.table_id))["cancelledLeadSourceJobs"] == 0


async def _mark_running(db_url: str, table_id: str, slug: str) -> int:
    """Give every ``slug`` value cell of the table a producing run still in flight."""
    db = create_database(db_url)

    def mark(conn: sa.Connection) -> int:
        marked = 0
        for row in conn.execute(
            sa.select(rows.c.id, rows.c.cells).where(rows.c.table_id == table_id)
        ):
            cells = orjson.loads(row.cells)
            if slug in cells and "run" in cells[slug]:
                cells[slug]["run"]["status"] = "running"
                marked += 1
                update = rows.update().where(rows.c.id == row.id)
                conn.execute(update.values(cells=orjson.dumps(cells).decode()))
        return marked

    try:
        return await db.run(mark, write=True)
    finally:
        await db.dispose()


async def test_running_cells_of_the_named_columns_are_cancelled(
    env: Env, api: httpx.AsyncClient, tenant: Tenant
) -> None:
    marked = await _mark_running(env.db_url, tenant.table_id, "ceo-email")
    assert marked > 0
    assert (await _cancel(api, tenant.table_id, columns=["company-name"]))["cancelledCells"] == 0
    assert (await _cancel(api, tenant.table_id, columns=["ceo-email"], dryRun=True))[
        "cancelledCells"
    ] == marked
    assert (await _cancel(api, tenant.table_id, columns=["ceo-email"]))["cancelledCells"] == marked
    listed = (await api.get(f"{V2}/tables/{tenant.table_id}/rows")).json()["rows"]
    statuses = {
        r["cells"]["ceo-email"]["run"]["status"] for r in listed if "ceo-email" in r["cells"]
    }
    assert statuses == {"cancelled"}
    assert (await _cancel(api, tenant.table_id))["cancelledCells"] == 0


async def test_unknown_column_foreign_table_and_v1(
    env: Env, api: httpx.AsyncClient, tenant: Tenant
) -> None:
    unknown = await api.post(f"{V2}/tables/{tenant.table_id}/cancel", json={"columns": ["nope"]})
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "UNKNOWN_COLUMN"
    assert unknown.json()["details"]["issues"][0]["path"] == "columns.0"
    empty = await api.post(f"{V2}/tables/{tenant.table_id}/cancel", json={"columns": []})
    assert empty.status_code == 400
    other = await env.new_tenant()
    foreign = await other.client.post(f"{V2}/tables/{tenant.table_id}/cancel")
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "TABLE_NOT_FOUND"
    assert (await api.post(f"/api/v1/tables/{tenant.table_id}/cancel")).status_code == 404
