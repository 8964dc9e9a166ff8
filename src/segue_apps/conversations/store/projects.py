"""Organisations and projects (scoped to the calling key's organisation)."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from segue_apps.common.db import Database
from segue_apps.common.errors import APIError, not_found
from segue_apps.common.ids import new_id
from segue_apps.common.pagination import Cursor, next_cursor
from segue_apps.conversations.store import keys
from segue_apps.conversations.store.tables import api_keys, orgs, projects

p = projects.c
PROJECT_COLUMNS = (p.id, p.org_id, p.name, p.slug, p.created_at, p.updated_at)


def slugify(name: str) -> str:
    """Derive a slug from a name: lowercase ASCII words joined by ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80] or "project"


def project_dict(row: Any) -> dict[str, Any]:
    """Build a project object from a row of :data:`PROJECT_COLUMNS`."""
    return {
        "project_id": row[0],
        "org_id": row[1],
        "name": row[2],
        "slug": row[3],
        "created_at": row[4],
        "updated_at": row[5],
    }


def _slug_taken(slug: str) -> APIError:
    return APIError(409, "CONFLICT", f"A project with slug {slug!r} already exists")


async def create_org(db: Database, name: str, now: int) -> str:
    """Create an organisation and return its id."""
    org_id = new_id()
    async with db.writer.begin() as conn:
        await conn.execute(sa.insert(orgs).values(id=org_id, name=name, created_at=now))
    return org_id


async def create(
    db: Database, org_id: str, name: str, slug: str | None, now: int
) -> dict[str, Any]:
    """Create a project with its first key, named ``Default``.

    A derived slug that is taken gets a random suffix; an explicit one is 409 ``CONFLICT``.
    """
    chosen = slug or slugify(name)
    for attempt in range(3):
        row: dict[str, Any] = {
            "id": new_id(),
            "org_id": org_id,
            "name": name,
            "slug": chosen,
            "created_at": now,
            "updated_at": now,
        }
        try:
            async with db.writer.begin() as conn:
                await conn.execute(sa.insert(projects).values(row))
                api_key = await keys.insert_key(conn, row["id"], "Default", now)
        except IntegrityError:
            if slug is not None or attempt == 2:
                raise _slug_taken(chosen) from None
            chosen = f"{slugify(name)[:70]}-{new_id(6).lower().replace('_', '0')}"
            continue
        del api_key["project_id"], api_key["last_used_at"], api_key["revoked_at"]
        return {
            "project": project_dict([row[col.name] for col in PROJECT_COLUMNS]),
            "api_key": api_key,
        }
    raise AssertionError("unreachable")  # pragma: no cover


async def page(db: Database, org_id: str, *, limit: int, cursor: Cursor | None) -> dict[str, Any]:
    """Return the org's projects, newest first, with ``key_count`` (unrevoked keys)."""
    key_count = (
        sa.select(sa.func.count())
        .where(api_keys.c.project_id == p.id, api_keys.c.revoked_at.is_(None))
        .scalar_subquery()
    )
    query = sa.select(p.id, p.org_id, p.name, p.slug, p.created_at, key_count).where(
        p.org_id == org_id
    )
    if cursor is not None:
        query = query.where(
            p.created_at < cursor.ms
            if cursor.id is None
            else sa.or_(
                p.created_at < cursor.ms, sa.and_(p.created_at == cursor.ms, p.id < cursor.id)
            )
        )
    async with db.engine.connect() as conn:
        rows = (
            await conn.execute(query.order_by(p.created_at.desc(), p.id.desc()).limit(limit + 1))
        ).all()
        total = (
            await conn.execute(
                sa.select(sa.func.count()).select_from(projects).where(p.org_id == org_id)
            )
        ).scalar_one()
    data = [
        {
            "project_id": r[0],
            "org_id": r[1],
            "name": r[2],
            "slug": r[3],
            "created_at": r[4],
            "key_count": r[5],
        }
        for r in rows[:limit]
    ]
    cursor_keys = [(r[4], r[0]) for r in rows]
    return {
        "data": data,
        "pagination": {
            "limit": limit,
            "next_cursor": next_cursor(cursor_keys, len(rows) > limit),
            "total": total,
        },
    }


async def get(db: Database, org_id: str, project_id: str) -> dict[str, Any]:
    """Return a project of the org with all its keys (secrets never included)."""
    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(*PROJECT_COLUMNS).where(p.id == project_id, p.org_id == org_id)
            )
        ).first()
        if row is None:
            raise not_found("Project")
        found = await conn.execute(
            sa.select(*keys.KEY_COLUMNS)
            .where(api_keys.c.project_id == project_id)
            .order_by(api_keys.c.created_at, api_keys.c.id)
        )
        api_key_list = []
        for key_row in found:
            item = keys.key_dict(key_row)
            del item["project_id"]
            api_key_list.append(item)
    project = project_dict(row)
    del project["updated_at"]
    project["api_keys"] = api_key_list
    return project


async def patch(
    db: Database, org_id: str, project_id: str, values: dict[str, Any], now: int
) -> dict[str, Any]:
    """Change name and/or slug, bump ``updated_at``; a taken slug is 409 ``CONFLICT``."""
    statement = (
        sa.update(projects)
        .where(p.id == project_id, p.org_id == org_id)
        .values(**values, updated_at=now)
        .returning(*PROJECT_COLUMNS)
    )
    try:
        async with db.writer.begin() as conn:
            row = (await conn.execute(statement)).first()
    except IntegrityError:
        raise _slug_taken(str(values.get("slug"))) from None
    if row is None:
        raise not_found("Project")
    return project_dict(row)


async def delete(db: Database, org_id: str, project_id: str) -> None:
    """Delete a project with its keys, conversations, messages and tags (cascade)."""
    async with db.writer.begin() as conn:
        result = await conn.execute(
            sa.delete(projects).where(p.id == project_id, p.org_id == org_id)
        )
    if result.rowcount == 0:
        raise not_found("Project")
