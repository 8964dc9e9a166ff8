"""Organisations, workspaces, their API keys and documents, and the account overview."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from segue_apps.common.db import Database
from segue_apps.common.ids import new_id
from segue_apps.common.keys import generate_key
from segue_apps.workspace.cells import iso
from segue_apps.workspace.errors import WorkspaceError
from segue_apps.workspace.store import pagination
from segue_apps.workspace.store.tables import (
    api_keys,
    data_tables,
    documents,
    orgs,
    rows,
    workspaces,
)

PLANS: dict[str, dict[str, Any]] = {
    "starter": {"workspaceLimit": 10, "api": True, "sequences": False, "scheduledAgents": False},
    "pro": {"workspaceLimit": 50, "api": True, "sequences": True, "scheduledAgents": True},
    "scale": {"workspaceLimit": 100, "api": True, "sequences": True, "scheduledAgents": True},
    "ultra": {"workspaceLimit": 200, "api": True, "sequences": True, "scheduledAgents": True},
    "enterprise": {
        "workspaceLimit": 1000,
        "api": True,
        "sequences": True,
        "scheduledAgents": True,
    },
}
w = workspaces.c
d = documents.c


def workspace_not_found() -> WorkspaceError:
    """The 404 for missing and foreign workspaces alike."""
    return WorkspaceError(404, "WORKSPACE_NOT_FOUND", "Workspace not found")


def workspace_dict(row: Any, app_url: str) -> dict[str, Any]:
    """Build a workspace summary from ``(id, name, created_at)``."""
    return {
        "id": row[0],
        "name": row[1],
        "url": f"{app_url}/workspaces/{row[0]}",
        "createdAt": iso(row[2]),
    }


async def create_org(
    conn: AsyncConnection, name: str, now: int, credits: int = 1000, plan: str = "starter"
) -> str:
    """Create an organisation on ``plan`` (starter by default) with ``credits``; return its id."""
    org_id = new_id()
    await conn.execute(
        orgs.insert(),
        {
            "id": org_id,
            "name": name,
            "plan": plan,
            "credits_balance": credits,
            "created_at": now,
        },
    )
    return org_id


async def create_workspace(
    conn: AsyncConnection, org_id: str, name: str, now: int
) -> tuple[str, str]:
    """Create a workspace and its first key; return ``(workspace_id, api_key)``."""
    workspace_id = new_id()
    await conn.execute(
        workspaces.insert(), {"id": workspace_id, "org_id": org_id, "name": name, "created_at": now}
    )
    minted = generate_key()
    await conn.execute(
        api_keys.insert(),
        {
            "id": new_id(),
            "workspace_id": workspace_id,
            "key_prefix": minted.key_prefix,
            "key_hash": minted.key_hash,
            "created_at": now,
        },
    )
    return workspace_id, minted.key


async def create(db: Database, org_id: str, name: str, app_url: str, now: int) -> dict[str, Any]:
    """Create a workspace in ``org_id`` (403 past the plan's limit); return it with its key."""
    async with db.writer.begin() as conn:
        plan = (await conn.execute(sa.select(orgs.c.plan).where(orgs.c.id == org_id))).scalar_one()
        count = (
            await conn.execute(sa.select(sa.func.count()).where(w.org_id == org_id))
        ).scalar_one()
        limit = PLANS[plan]["workspaceLimit"]
        if count >= limit:
            raise WorkspaceError(
                403,
                "WORKSPACE_LIMIT_REACHED",
                f"Workspace limit reached ({count}/{limit}). Upgrade your plan.",
                handoff={
                    "kind": "upgrade_plan",
                    "url": f"{app_url}/settings/billing",
                    "label": "Upgrade plan",
                },
            )
        workspace_id, key = await create_workspace(conn, org_id, name, now)
    return {**workspace_dict((workspace_id, name, now), app_url), "apiKey": key}


async def list_page(
    db: Database, org_id: str, page: int, page_size: int, app_url: str
) -> dict[str, Any]:
    """Return a page of the organisation's workspaces, oldest first."""
    async with db.engine.connect() as conn:
        total = (
            await conn.execute(sa.select(sa.func.count()).where(w.org_id == org_id))
        ).scalar_one()
        found = await conn.execute(
            sa.select(w.id, w.name, w.created_at)
            .where(w.org_id == org_id)
            .order_by(w.created_at, w.id)
            .limit(page_size)
            .offset(page * page_size)
        )
        items = [workspace_dict(row, app_url) for row in found]
    return {"workspaces": items, "pagination": pagination(page, page_size, total)}


async def delete(db: Database, org_id: str, workspace_id: str, confirm: bool) -> dict[str, Any]:
    """Delete a workspace of ``org_id`` with everything in it; without ``confirm``, 409."""
    async with db.writer.begin() as conn:
        name = (
            await conn.execute(sa.select(w.name).where(w.id == workspace_id, w.org_id == org_id))
        ).scalar()
        if name is None:
            raise workspace_not_found()
        if not confirm:
            t = data_tables.c
            table_count = (
                await conn.execute(sa.select(sa.func.count()).where(t.workspace_id == workspace_id))
            ).scalar_one()
            row_count = (
                await conn.execute(
                    sa.select(sa.func.count())
                    .select_from(rows.join(data_tables, data_tables.c.id == rows.c.table_id))
                    .where(t.workspace_id == workspace_id)
                )
            ).scalar_one()
            raise WorkspaceError(
                409,
                "CONFIRMATION_REQUIRED",
                f"Deleting workspace {name!r} is permanent; retry with confirm: true.",
                {"name": name, "willDelete": {"tables": table_count, "rows": row_count}},
            )
        await conn.execute(workspaces.delete().where(w.id == workspace_id))
    return {"workspaceId": workspace_id, "name": name, "deleted": True}


def _document(row: Mapping[Any, Any], with_content: bool) -> dict[str, Any]:
    out = {
        "id": row["id"],
        "workspaceId": row["workspace_id"],
        "name": row["name"],
        "mimeType": row["mime_type"],
        "size": len(row["content"].encode()),
        "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]),
    }
    if with_content:
        out["content"] = row["content"]
    return out


def _document_not_found() -> WorkspaceError:
    return WorkspaceError(404, "DOCUMENT_NOT_FOUND", "Document not found")


async def add_document(
    conn: AsyncConnection, workspace_id: str, name: str, content: str, mime: str, now: int
) -> dict[str, Any]:
    """Store a document in a workspace; return it with its content."""
    values = {
        "id": new_id(),
        "workspace_id": workspace_id,
        "name": name,
        "mime_type": mime,
        "content": content,
        "created_at": now,
        "updated_at": now,
    }
    await conn.execute(documents.insert(), values)
    return _document(values, True)


async def list_documents(
    db: Database, workspace_id: str, page: int, page_size: int
) -> dict[str, Any]:
    """Return a page of a workspace's document summaries, newest first."""
    async with db.engine.connect() as conn:
        total = (
            await conn.execute(sa.select(sa.func.count()).where(d.workspace_id == workspace_id))
        ).scalar_one()
        found = await conn.execute(
            sa.select(documents)
            .where(d.workspace_id == workspace_id)
            .order_by(d.created_at.desc(), d.id)
            .limit(page_size)
            .offset(page * page_size)
        )
        items = [_document(row._mapping, False) for row in found]
    return {"documents": items, "pagination": pagination(page, page_size, total)}


async def get_document(db: Database, workspace_id: str, document_id: str) -> dict[str, Any]:
    """Return one document with its content, or 404 ``DOCUMENT_NOT_FOUND``."""
    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(documents).where(d.id == document_id, d.workspace_id == workspace_id)
            )
        ).first()
    if row is None:
        raise _document_not_found()
    return _document(row._mapping, True)


async def delete_document(db: Database, workspace_id: str, document_id: str) -> dict[str, Any]:
    """Delete one document, or 404 ``DOCUMENT_NOT_FOUND``."""
    async with db.writer.begin() as conn:
        result = await conn.execute(
            documents.delete().where(d.id == document_id, d.workspace_id == workspace_id)
        )
    if result.rowcount == 0:
        raise _document_not_found()
    return {"documentId": document_id, "deleted": True}


async def account(db: Database, org_id: str) -> dict[str, Any]:
    """Return the organisation overview: plan, capability flags, usage and credits."""
    async with db.engine.connect() as conn:
        org = (
            await conn.execute(
                sa.select(orgs.c.id, orgs.c.name, orgs.c.plan, orgs.c.credits_balance).where(
                    orgs.c.id == org_id
                )
            )
        ).one()
        used = (
            await conn.execute(sa.select(sa.func.count()).where(w.org_id == org_id))
        ).scalar_one()
    plan = PLANS[org.plan]
    return {
        "org": {"id": org.id, "name": org.name},
        "plan": org.plan,
        "capabilities": {k: v for k, v in plan.items() if isinstance(v, bool)},
        "workspaces": {"used": used, "limit": plan["workspaceLimit"]},
        "credits": {"balance": org.credits_balance, "currency": "credits"},
    }


async def credits(db: Database, org_id: str) -> dict[str, Any]:
    """Return the organisation's credit balance."""
    async with db.engine.connect() as conn:
        balance = (
            await conn.execute(sa.select(orgs.c.credits_balance).where(orgs.c.id == org_id))
        ).scalar_one()
    return {"balance": balance, "currency": "credits"}
