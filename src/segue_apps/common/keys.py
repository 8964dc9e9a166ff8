"""API keys: ``as_live_`` + 40 base62 characters, shown once, stored as SHA-256 only.

The stored hash is the lookup key (indexed, unique), so a request costs one indexed
read; the hash of the presented key is still checked with :func:`hmac.compare_digest`
so no comparison we make ourselves leaks timing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass

KEY_PREFIX = "as_live_"
SECRET_LENGTH = 40
KEY_LENGTH = len(KEY_PREFIX) + SECRET_LENGTH
DISPLAY_PREFIX_LENGTH = 12
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_BASE62_SET = frozenset(BASE62)


@dataclass(frozen=True, slots=True)
class NewKey:
    """A freshly minted key: ``key`` is returned to the client once, never stored."""

    key: str
    key_prefix: str
    key_hash: str


def hash_key(key: str) -> str:
    """Return the lowercase hex SHA-256 of ``key``, the only form we store."""
    return hashlib.sha256(key.encode()).hexdigest()


def generate_key() -> NewKey:
    """Mint a new random API key.

    Example:
        >>> k = generate_key()
        >>> k.key.startswith("as_live_") and len(k.key) == 48 and k.key_prefix == k.key[:12]
        True
    """
    key = KEY_PREFIX + "".join(secrets.choice(BASE62) for _ in range(SECRET_LENGTH))
    return NewKey(key=key, key_prefix=key[:DISPLAY_PREFIX_LENGTH], key_hash=hash_key(key))


def is_well_formed(token: str) -> bool:
    """Tell whether ``token`` has the shape of a key, so malformed ones skip the database."""
    return (
        len(token) == KEY_LENGTH
        and token.startswith(KEY_PREFIX)
        and all(ch in _BASE62_SET for ch in token[len(KEY_PREFIX) :])
    )


def hash_matches(key: str, stored_hash: str) -> bool:
    """Compare ``key`` with a stored hash in constant time."""
    return hmac.compare_digest(hash_key(key), stored_hash)
