"""Bearer-key authentication: every route depends on :data:`CallerDep`.

A key belongs to exactly one workspace; the dependency resolves it once and hands routes
a :class:`Caller` carrying the workspace, its organisation, the database and the time.
Reading and checking the key is :mod:`segue_apps.common.auth`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, NamedTuple

import sqlalchemy as sa
from fastapi import Depends
from starlette.requests import Request

from segue_apps.common.auth import BearerKeys, BearerToken
from segue_apps.common.db import Database
from segue_apps.common.keys import hash_key, hash_matches
from segue_apps.common.prepared import Prepared, fetchall
from segue_apps.workspace.settings import Settings
from segue_apps.workspace.store.tables import api_keys, workspaces

_LOOKUP = Prepared(
    sa.select(api_keys.c.key_hash, api_keys.c.workspace_id, workspaces.c.org_id)
    .join(workspaces, workspaces.c.id == api_keys.c.workspace_id)
    .where(api_keys.c.key_hash == sa.bindparam("key_hash")),
    ("key_hash",),
)


def _lookup(conn: sa.Connection, key_hash: str) -> Any:
    found = fetchall(conn, _LOOKUP, (key_hash,))
    return found[0] if found else None


class KeyOwner(NamedTuple):
    """Who a valid key belongs to."""

    workspace_id: str
    org_id: str


async def find_owner(db: Database, key: str, now: int) -> KeyOwner | None:
    """Return the owner of ``key``, or ``None`` for an unknown key."""
    row = await db.run(_lookup, hash_key(key))
    if row is None or not hash_matches(key, row[0]):
        return None
    return KeyOwner(row[1], row[2])


KEYS = BearerKeys(find_owner)
"""Keys of the ``api_keys`` table, each naming its workspace."""


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated caller of one request."""

    workspace_id: str
    org_id: str
    db: Database
    settings: Settings
    now: int


async def authenticate(request: Request, token: BearerToken) -> Caller:
    """Resolve ``Authorization: Bearer as_live_…``; a missing or unknown key → 401."""
    settings: Settings = request.app.state.settings
    db: Database = request.app.state.db
    now = settings.clock()
    owner = await KEYS.require(token, db, now)
    return Caller(owner.workspace_id, owner.org_id, db, settings, now)


CallerDep = Annotated[Caller, Depends(authenticate)]
