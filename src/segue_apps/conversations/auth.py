"""Bearer-key authentication: every route depends on :data:`CallerDep`.

The dependency resolves the key to its project and organisation once and hands routes a
:class:`Caller` that also carries the database and the request's timestamp, so routes need
no other dependency. Reading and checking the key is :mod:`segue_apps.common.auth`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from segue_apps.common.auth import BearerKeys, BearerToken
from segue_apps.common.db import Database
from segue_apps.conversations.settings import Settings
from segue_apps.conversations.store import keys

KEYS = BearerKeys(
    keys.authenticate,
    missing="Missing API key: send Authorization: Bearer as_live_…",
    rejected="Invalid or revoked API key",
)
"""Unrevoked keys of the ``api_keys`` table (``last_used_at`` refreshed by the lookup)."""


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated caller of one request."""

    key_id: str
    project_id: str
    org_id: str
    db: Database
    now: int


async def authenticate(request: Request, token: BearerToken) -> Caller:
    """Resolve ``Authorization: Bearer as_live_…``; missing, unknown or revoked → 401."""
    settings: Settings = request.app.state.settings
    db: Database = request.app.state.db
    now = settings.clock()
    owner = await KEYS.require(token, db, now)
    return Caller(owner.key_id, owner.project_id, owner.org_id, db, now)


CallerDep = Annotated[Caller, Depends(authenticate)]
