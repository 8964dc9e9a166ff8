"""Agents: create (with an optional first run), list, get, archive, list their tables.

An agent works in the key's own workspace (this service's keys, and so its data, are
workspace-scoped): a ``workspaceId`` naming another workspace is ``400
UNKNOWN_WORKSPACE``, no workspace is created for an agent (``createdByApi`` is false),
and archiving an agent never deletes a workspace (``workspace.deletedAt`` is null).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from segue_apps.common.ids import new_id
from segue_apps.workspace.cells import iso
from segue_apps.workspace.errors import issues_error
from segue_apps.workspace.store import pagination
from segue_apps.workspace.store import runs as run_store
from segue_apps.workspace.store.agent_tables import agents
from segue_apps.workspace.store.tables import data_tables, workspaces

ag = agents.c
DEFAULT_NAME = "Untitled agent"


def agent_summary(row: Any) -> dict[str, Any]:
    """``AgentSummary`` of an agent row."""
    return {
        "id": row.id,
        "name": row.name,
        "workspaceId": row.workspace_id,
        "createdAt": iso(row.created_at),
    }


def agent_object(row: Any, last_run: dict[str, Any] | None) -> dict[str, Any]:
    """``Agent``: the summary, ``apiKeyOwned`` and the newest run's summary."""
    return {**agent_summary(row), "apiKeyOwned": True, "lastRun": last_run}


def name_from(prompt: str | None) -> str:
    """A label for an agent created without a name: the prompt's first words."""
    if not prompt or not prompt.strip():
        return DEFAULT_NAME
    words = " ".join(prompt.split())
    return words if len(words) <= 60 else words[:59] + "…"


def insert_agent(
    conn: sa.Connection, org_id: str, workspace_id: str, name: str, now: int
) -> dict[str, Any]:
    """Insert an agent row; return its values."""
    values = {
        "id": new_id(),
        "org_id": org_id,
        "workspace_id": workspace_id,
        "name": name[:80],
        "created_by_api": False,
        "created_at": now,
        "deleted_at": None,
    }
    conn.execute(agents.insert().values(values))
    return values


def create(
    conn: sa.Connection,
    admission: run_store.Admission,
    name: str | None,
    workspace_id: str | None,
) -> dict[str, Any]:
    """Create an agent and, with a prompt, admit its first run (one transaction).

    Returns ``{agent, run, workspace}``; ``run`` is None without a prompt.
    """
    if workspace_id is not None and workspace_id != admission.workspace_id:
        raise issues_error(
            [{"path": "workspaceId", "message": "Not this key's workspace"}], "UNKNOWN_WORKSPACE"
        )
    made = insert_agent(
        conn,
        admission.org_id,
        admission.workspace_id,
        name or name_from(admission.prompt),
        admission.now,
    )
    run = None
    if admission.prompt:
        values = run_store.admit(conn, replace(admission, agent_id=made["id"]))
        run = run_store.run_by_id(conn, values["id"], admission.app_url)
    else:  # still check what a first run would have been checked for
        run_store.check_focus(conn, admission)
    workspace = conn.execute(
        sa.select(workspaces.c.id, workspaces.c.name, workspaces.c.created_at).where(
            workspaces.c.id == admission.workspace_id
        )
    ).one()
    agent = agent_summary(_Row(made))
    return {
        "agent": agent,
        "run": run,
        "workspace": {
            "id": workspace.id,
            "name": workspace.name,
            "createdAt": iso(workspace.created_at),
            "createdByApi": False,
        },
    }


class _Row:
    """Attribute access to a dict of column values (a row just inserted)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def list_page(conn: sa.Connection, workspace_id: str, page: int, page_size: int) -> dict[str, Any]:
    """A page of the workspace's live agents, oldest first, each with its last run."""
    where = sa.and_(ag.workspace_id == workspace_id, ag.deleted_at.is_(None))
    total = conn.execute(sa.select(sa.func.count()).select_from(agents).where(where)).scalar_one()
    found = conn.execute(
        sa.select(agents)
        .where(where)
        .order_by(ag.created_at, ag.id)
        .limit(page_size)
        .offset(page * page_size)
    ).all()
    last = run_store.last_runs(conn, [row.id for row in found])
    return {
        "agents": [agent_object(row, last.get(row.id)) for row in found],
        "pagination": pagination(page, page_size, total),
    }


def get(conn: sa.Connection, workspace_id: str, agent_id: str) -> dict[str, Any]:
    """The agent with its last run, or 404 ``AGENT_NOT_FOUND``."""
    row = run_store.require_agent(conn, workspace_id, agent_id)
    return agent_object(row, run_store.last_runs(conn, [agent_id]).get(agent_id))


def archive(
    conn: sa.Connection, workspace_id: str, agent_id: str, now: int, wall_ms: int, app_url: str
) -> dict[str, Any]:
    """Soft-delete the agent (cancelling an in-flight run first); its workspace stays."""
    run_store.cancel(conn, workspace_id, agent_id, now, wall_ms, app_url)
    conn.execute(agents.update().where(ag.id == agent_id).values(deleted_at=now))
    return {
        "agent": {"id": agent_id, "deletedAt": iso(now)},
        "workspace": {"id": workspace_id, "deletedAt": None},
    }


def tables(
    conn: sa.Connection, workspace_id: str, agent_id: str, app_url: str, stats: bool
) -> dict[str, Any]:
    """Every table of the agent's workspace, as full table objects (oldest first)."""
    run_store.require_agent(conn, workspace_id, agent_id)
    ids = list(
        conn.execute(
            sa.select(data_tables.c.id)
            .where(data_tables.c.workspace_id == workspace_id)
            .order_by(data_tables.c.created_at, data_tables.c.id)
        ).scalars()
    )
    return {
        "workspaceId": workspace_id,
        "tables": run_store.table_objects(conn, workspace_id, ids, app_url, stats),
    }
