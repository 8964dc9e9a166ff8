"""``x-api-key`` authentication: every route depends on :data:`CallerDep`.

A key belongs to one organisation (the tenant). Keys are stored as SHA-256 only; the
hash is the lookup key, and the stored hash is compared in constant time
(:mod:`segue_apps.common.keys`). A missing or unknown key → 401.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyHeader
from starlette.requests import Request

from segue_apps.common.auth import BearerKeys
from segue_apps.common.db import Database
from segue_apps.common.keys import hash_key, hash_matches
from segue_apps.common.ttl import TTLCache
from segue_apps.processes import store
from segue_apps.processes.settings import Settings

KEY_OWNERS: TTLCache[str, str] = TTLCache(ttl_s=60.0, size=10_000)
"""Key hash → organisation, for keys found in the last minute (per server process).

Exact, not an approximation: this service never revokes or reassigns a key (``segue
bootstrap`` only adds them), so a found key's owner cannot change. It saves every request
a database round trip. Unknown keys are not kept: a key added by another process works
at once. Were keys ever revoked here, this cache would have to go.
"""


async def find_org(db: Database, key: str, now: int) -> str | None:
    """The organisation of ``key``, or None for an unknown key."""
    key_hash = hash_key(key)
    org_id = KEY_OWNERS.get(key_hash)
    if org_id is not None:
        return org_id
    row = await db.read_one(store.key_owner, key_hash)
    if row is None or not hash_matches(key, row[0]):
        return None
    KEY_OWNERS.put(key_hash, str(row[1]))
    return str(row[1])


KEYS = BearerKeys(find_org)
_api_key = APIKeyHeader(name="x-api-key", auto_error=False, description="API key")


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated caller of one request."""

    org_id: str
    db: Database
    settings: Settings
    now: int


ApiKey = Annotated[str | None, Depends(_api_key)]
"""A route dependency's parameter: the ``x-api-key`` header, or None."""


async def authenticate(request: Request, key: ApiKey) -> Caller:
    """Resolve the ``x-api-key`` header; a missing or unknown key → 401."""
    settings: Settings = request.app.state.settings
    db: Database = request.app.state.db
    now = settings.clock()
    org_id = await KEYS.require(key or None, db, now)
    return Caller(org_id, db, settings, now)


CallerDep = Annotated[Caller, Depends(authenticate)]
