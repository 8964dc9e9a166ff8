"""API keys of a project: mint, list, revoke, and the per-request lookup.

``last_used_at`` is refreshed by the request that authenticates, but only when the stored
value is older than :data:`LAST_USED_RESOLUTION_MS`: the lookup already reads it, so the
common case costs no write, a busy key costs at most one small write a minute, and the
rule holds across processes without shared state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from segue_apps.common.db import Database
from segue_apps.common.errors import not_found
from segue_apps.common.ids import new_id
from segue_apps.common.keys import generate_key, hash_key, hash_matches
from segue_apps.conversations.store.tables import api_keys, projects

LAST_USED_RESOLUTION_MS = 60_000
k = api_keys.c

KEY_COLUMNS = (k.id, k.project_id, k.name, k.key_prefix, k.created_at, k.last_used_at, k.revoked_at)


@dataclass(frozen=True, slots=True)
class KeyOwner:
    """Who a valid key belongs to."""

    key_id: str
    project_id: str
    org_id: str


def key_dict(row: Any) -> dict[str, Any]:
    """Build a key object (without the secret) from a row of :data:`KEY_COLUMNS`."""
    return {
        "key_id": row[0],
        "project_id": row[1],
        "name": row[2],
        "key_prefix": row[3],
        "created_at": row[4],
        "last_used_at": row[5],
        "revoked_at": row[6],
    }


async def insert_key(conn: AsyncConnection, project_id: str, name: str, now: int) -> dict[str, Any]:
    """Mint a key for ``project_id`` on ``conn``; the result holds the full key, once."""
    minted = generate_key()
    row = {
        "id": new_id(),
        "project_id": project_id,
        "name": name,
        "key_prefix": minted.key_prefix,
        "key_hash": minted.key_hash,
        "created_at": now,
        "last_used_at": None,
        "revoked_at": None,
    }
    await conn.execute(sa.insert(api_keys).values(row))
    created = key_dict([row[col.name] for col in KEY_COLUMNS])
    created["key"] = minted.key
    return created


async def create(db: Database, project_id: str, name: str, now: int) -> dict[str, Any]:
    """Mint a key in ``project_id``."""
    async with db.writer.begin() as conn:
        return await insert_key(conn, project_id, name, now)


async def list_keys(db: Database, project_id: str) -> list[dict[str, Any]]:
    """Return every key of the project, revoked ones included, oldest first."""
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(*KEY_COLUMNS).where(k.project_id == project_id).order_by(k.created_at, k.id)
        )
        return [key_dict(row) for row in rows]


async def revoke(db: Database, project_id: str, key_id: str, now: int) -> None:
    """Set ``revoked_at`` (kept if already set); another project's key is 404."""
    async with db.writer.begin() as conn:
        result = await conn.execute(
            sa.update(api_keys)
            .where(k.id == key_id, k.project_id == project_id)
            .values(revoked_at=sa.func.coalesce(k.revoked_at, now))
        )
    if result.rowcount == 0:
        raise not_found("API key")


_LOOKUP = (
    sa.select(k.id, k.project_id, projects.c.org_id, k.key_hash, k.last_used_at, k.revoked_at)
    .join(projects, projects.c.id == k.project_id)
    .where(k.key_hash == sa.bindparam("key_hash"))
)
_TOUCH = (
    sa.update(api_keys)
    .where(k.id == sa.bindparam("key_id"))
    .values(last_used_at=sa.bindparam("now"))
)


def _lookup(conn: sa.Connection, key_hash: str) -> sa.Row[*tuple[Any, ...]] | None:
    return conn.execute(_LOOKUP, {"key_hash": key_hash}).first()


def _touch(conn: sa.Connection, key_id: str, now: int) -> None:
    conn.execute(_TOUCH, {"key_id": key_id, "now": now})


async def authenticate(db: Database, key: str, now: int) -> KeyOwner | None:
    """Return the owner of an unrevoked ``key``, or ``None``.

    One read; the ``last_used_at`` refresh, when due, is a second (write) transaction.
    """
    row = await db.run(_lookup, hash_key(key))
    if row is None or row[5] is not None or not hash_matches(key, row[3]):
        return None
    if row[4] is None or now - row[4] >= LAST_USED_RESOLUTION_MS:
        await db.run(_touch, row[0], now, write=True)
    return KeyOwner(key_id=row[0], project_id=row[1], org_id=row[2])
