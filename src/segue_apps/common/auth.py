"""Bearer API keys, the part every service shares: read the header, check, look up, refuse.

A service supplies what differs: its key table, as a :data:`KeyLookup` that finds a
key's owner by its hash and compares the hash in constant time (see
:mod:`segue_apps.common.keys`), and the messages of its 401s. The 401 is an
:class:`~segue_apps.common.errors.APIError`, so each app's error handlers render it in
that service's envelope.

Example:
    >>> keys = BearerKeys(find_owner, missing="Missing API key")  # doctest: +SKIP
    >>> owner = await keys.require(token, db, now)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Generic, TypeVar

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from segue.types import Scope
from segue_apps.common.db import Database
from segue_apps.common.errors import APIError
from segue_apps.common.keys import is_well_formed

Owner = TypeVar("Owner")

KeyLookup = Callable[[Database, str, int], Awaitable[Owner | None]]
"""``(db, key, now) -> owner or None``: a well-formed key's owner, its hash compared in
constant time; ``None`` for an unknown (or revoked) key."""


def authorization(scope: Scope) -> str | None:
    """Return the request's ``Authorization`` header (the first one), or ``None``."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return str(value.decode("latin-1"))
    return None


def bearer_token(scope: Scope) -> str | None:
    """Return the key of an ``Authorization: Bearer <key>`` header, or ``None``.

    ``None`` also for another scheme or an empty key; the scheme is case-insensitive.
    """
    scheme, _, token = (authorization(scope) or "").partition(" ")
    token = token.strip()
    return token if token and scheme.lower() == "bearer" else None


class _BearerScheme(HTTPBearer):
    # FastAPI's HTTPBearer declares the scheme in OpenAPI (under its usual name); the
    # header itself is read by :func:`bearer_token`, the one parser the services have.
    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        token = bearer_token(request.scope)
        if token is None:
            return None
        return HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)


_bearer = _BearerScheme(
    auto_error=False, bearerFormat="as_live_…", description="API key", scheme_name="HTTPBearer"
)


def _token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    return None if credentials is None else credentials.credentials


BearerToken = Annotated[str | None, Depends(_token)]
"""A route dependency's parameter: the request's bearer key, or ``None``."""


class BearerKeys(Generic[Owner]):
    """Resolve bearer keys to their owners through one service's key table.

    Args:
        lookup: finds a well-formed key's owner (``None``: unknown, or revoked).
        missing: the 401 message when no bearer key was sent.
        invalid: the 401 message for a key not shaped like one (no database read).
        rejected: the 401 message for a key the lookup does not know.
    """

    def __init__(
        self,
        lookup: KeyLookup[Owner],
        *,
        missing: str = "Missing API key",
        invalid: str = "Invalid API key",
        rejected: str = "Invalid API key",
    ) -> None:
        self._lookup = lookup
        self._missing = missing
        self._invalid = invalid
        self._rejected = rejected

    async def owner(self, token: str | None, db: Database, now: int) -> Owner | None:
        """Return the owner of ``token``, or ``None`` for any key that would get a 401."""
        if token is None or not is_well_formed(token):
            return None
        return await self._lookup(db, token, now)

    async def require(self, token: str | None, db: Database, now: int) -> Owner:
        """Return the owner of ``token``; raise the 401 ``UNAUTHORIZED`` otherwise."""
        if token is None:
            raise _unauthorized(self._missing)
        if not is_well_formed(token):
            raise _unauthorized(self._invalid)
        owner = await self._lookup(db, token, now)
        if owner is None:
            raise _unauthorized(self._rejected)
        return owner


def _unauthorized(message: str) -> APIError:
    return APIError(401, "UNAUTHORIZED", message)
