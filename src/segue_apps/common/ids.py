"""URL-safe, 21-character, nanoid-style identifiers.

A 64-symbol alphabet lets each random byte pick a symbol with one mask and no bias,
so an id costs one `secrets.token_bytes` call (126 bits of entropy).
"""

from __future__ import annotations

import secrets

ALPHABET = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict"
ID_SIZE = 21
# Byte b → ALPHABET[b & 63], as one C-level translate: bulk inserts make thousands of ids.
_TABLE = bytes(ord(ALPHABET[b & 63]) for b in range(256))


def new_id(size: int = ID_SIZE) -> str:
    """Return a fresh random id of ``size`` URL-safe characters.

    Example:
        >>> len(new_id())
        21
    """
    return secrets.token_bytes(size).translate(_TABLE).decode("ascii")


def new_ids(count: int, size: int = ID_SIZE) -> list[str]:
    """Return ``count`` fresh ids from one call for random bytes (bulk inserts).

    Example:
        >>> [len(i) for i in new_ids(2)]
        [21, 21]
    """
    text = secrets.token_bytes(count * size).translate(_TABLE).decode("ascii")
    return [text[start : start + size] for start in range(0, count * size, size)]
