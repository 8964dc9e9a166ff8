"""Bearer-key authentication: every route depends on :data:`CallerDep`.

The dependency resolves the key to its project and organisation once and hands routes a
:class:`Caller` that also carries the database and the request's timestamp, so routes need
no other dependency.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import Request

from segue_apps.common.db import Database
from segue_apps.common.errors import APIError
from segue_apps.common.keys import is_well_formed
from segue_apps.conversations.settings import Settings
from segue_apps.conversations.store import keys

_bearer = HTTPBearer(auto_error=False, bearerFormat="as_live_…", description="API key")


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated caller of one request."""

    key_id: str
    project_id: str
    org_id: str
    db: Database
    now: int


def _unauthorized(message: str) -> APIError:
    return APIError(401, "UNAUTHORIZED", message)


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """Resolve ``Authorization: Bearer as_live_…``; missing, unknown or revoked → 401."""
    if credentials is None:
        raise _unauthorized("Missing API key: send Authorization: Bearer as_live_…")
    token = credentials.credentials
    if not is_well_formed(token):
        raise _unauthorized("Invalid API key")
    settings: Settings = request.app.state.settings
    db: Database = request.app.state.db
    now = settings.clock()
    owner = await keys.authenticate(db, token, now)
    if owner is None:
        raise _unauthorized("Invalid or revoked API key")
    return Caller(owner.key_id, owner.project_id, owner.org_id, db, now)


CallerDep = Annotated[Caller, Depends(authenticate)]
