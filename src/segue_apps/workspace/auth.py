"""Bearer-key authentication: every route depends on :data:`CallerDep`.

A key belongs to exactly one workspace; the dependency resolves it once and hands routes
a :class:`Caller` carrying the workspace, its organisation, the database and the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import Request

from segue_apps.common.db import Database
from segue_apps.common.keys import hash_key, hash_matches, is_well_formed
from segue_apps.common.prepared import Prepared, fetchall
from segue_apps.workspace.errors import WorkspaceError
from segue_apps.workspace.settings import Settings
from segue_apps.workspace.store.tables import api_keys, workspaces

_bearer = HTTPBearer(auto_error=False, bearerFormat="as_live_…", description="API key")
_LOOKUP = Prepared(
    sa.select(api_keys.c.key_hash, api_keys.c.workspace_id, workspaces.c.org_id)
    .join(workspaces, workspaces.c.id == api_keys.c.workspace_id)
    .where(api_keys.c.key_hash == sa.bindparam("key_hash")),
    ("key_hash",),
)


def _lookup(conn: sa.Connection, key_hash: str) -> Any:
    found = fetchall(conn, _LOOKUP, (key_hash,))
    return found[0] if found else None


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated caller of one request."""

    workspace_id: str
    org_id: str
    db: Database
    settings: Settings
    now: int


def _unauthorized(message: str) -> WorkspaceError:
    return WorkspaceError(401, "UNAUTHORIZED", message)


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """Resolve ``Authorization: Bearer as_live_…``; a missing or unknown key → 401."""
    if credentials is None:
        raise _unauthorized("Missing API key")
    token = credentials.credentials
    if not is_well_formed(token):
        raise _unauthorized("Invalid API key")
    settings: Settings = request.app.state.settings
    db: Database = request.app.state.db
    row = await db.run(_lookup, hash_key(token))
    if row is None or not hash_matches(token, row[0]):
        raise _unauthorized("Invalid API key")
    return Caller(row[1], row[2], db, settings, settings.clock())


CallerDep = Annotated[Caller, Depends(authenticate)]
