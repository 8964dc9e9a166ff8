"""``Authorization: Bearer ctgo_…`` on every route of both versions; else 401.

Keys are ``ctgo_`` and 40 base62 characters, stored only as their SHA-256 (the lookup
key, compared again in constant time) with a display prefix.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends
from fastapi.security import HTTPBearer
from starlette.requests import Request

from segue_apps.common.auth import bearer_token
from segue_apps.common.db import Database
from segue_apps.common.errors import APIError
from segue_apps.common.keys import BASE62, hash_key, hash_matches
from segue_apps.leads.settings import Settings
from segue_apps.leads.store import users

KEY_PREFIX = "ctgo_"
SECRET_LENGTH = 40


def new_key() -> str:
    """A fresh key, shown once."""
    return KEY_PREFIX + "".join(secrets.choice(BASE62) for _ in range(SECRET_LENGTH))


def well_formed(token: str) -> bool:
    """Whether ``token`` is shaped like a key (malformed ones skip the database)."""
    body = token[len(KEY_PREFIX) :]
    return (
        token.startswith(KEY_PREFIX)
        and len(body) == SECRET_LENGTH
        and all(ch in BASE62 for ch in body)
    )


@dataclass(frozen=True, slots=True)
class User:
    """The authenticated caller of one request."""

    id: str
    plan: str
    credits: int
    subscription: str
    signup_ip: str | None
    created_at: int
    db: Database
    settings: Settings
    now: int
    app_state: Any


_bearer = HTTPBearer(auto_error=False, bearerFormat="ctgo_…", description="API key")


def _unauthorized(message: str) -> APIError:
    return APIError(401, "unauthorized", message)


async def authenticate(request: Request, _: Annotated[Any, Depends(_bearer)]) -> User:
    """Resolve the bearer key; a missing, malformed or unknown key → 401."""
    token = bearer_token(request.scope)
    if token is None:
        raise _unauthorized("Missing API key: send Authorization: Bearer ctgo_…")
    if not well_formed(token):
        raise _unauthorized("Invalid API key")
    state = request.app.state
    settings: Settings = state.settings
    db: Database = state.db
    row = await db.run(users.key_owner, hash_key(token))
    if row is None or not hash_matches(token, row.key_hash):
        raise _unauthorized("Invalid API key")
    return User(row.id, row.plan, row.credits, row.subscription, row.signup_ip,
                row.created_at, db, settings, settings.clock(), state)  # fmt: skip


CurrentUser = Annotated[User, Depends(authenticate)]
