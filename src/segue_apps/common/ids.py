"""URL-safe, 21-character, nanoid-style identifiers.

A 64-symbol alphabet lets each random byte pick a symbol with one mask and no bias,
so an id costs one `secrets.token_bytes` call (126 bits of entropy).

:func:`new_ordered_ids` makes ids of the same shape and alphabet that sort by creation
time, for rows inserted in bulk into an indexed table: random ids land on random pages of
the index (on a large table, each insert reads and then rewrites a page of its own), while
time-ordered ones fill the same few pages.
"""

from __future__ import annotations

import secrets
import threading
import time

ALPHABET = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict"
ID_SIZE = 21
# Byte b → ALPHABET[b & 63], as one C-level translate: bulk inserts make thousands of ids.
_TABLE = bytes(ord(ALPHABET[b & 63]) for b in range(256))
# The same 64 symbols in byte order, for the time-ordered prefix of new_ordered_ids.
_SORTED = "".join(sorted(ALPHABET))
_PAIRS = [a + b for a in _SORTED for b in _SORTED]  # 12 bits as two sortable symbols
_TIME_SIZE = 8  # symbols of the millisecond: 48 bits, ~8,900 years
_RANDOM_SIZE = ID_SIZE - _TIME_SIZE - 2  # after 2 symbols (12 bits) of a counter
_clock_lock = threading.Lock()
_last = 0  # (millisecond << 12) | counter of the newest ordered id


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


def _sortable(value: int, size: int) -> str:
    digits = []
    for _ in range(size):
        value, digit = divmod(value, 64)
        digits.append(_SORTED[digit])
    return "".join(reversed(digits))


def new_ordered_ids(count: int) -> list[str]:
    """Return ``count`` fresh ids that sort (as strings) after every one made before.

    Each is 21 symbols of :data:`ALPHABET`: 8 for the millisecond, 2 for a counter
    within it (a millisecond that runs out lends from the next), 11 random (66 bits).
    Within a process no two share their first 10 symbols; across processes a clash needs
    the same millisecond, counter and 66 random bits. Row ids are not secrets.

    Example:
        >>> a, b = new_ordered_ids(2)
        >>> len(a), a < b
        (21, True)
    """
    global _last
    with _clock_lock:
        start = max(time.time_ns() // 1_000_000 << 12, _last + 1)
        _last = start + count - 1
    end = start + count - 1
    tails = new_ids(count, _RANDOM_SIZE)
    if start >> 12 == end >> 12:  # the usual case: one millisecond, one prefix
        prefix = _sortable(start >> 12, _TIME_SIZE)
        low = start & 4095
        return [prefix + pair + tail for pair, tail in zip(_PAIRS[low:], tails, strict=False)]
    return [
        _sortable(value >> 12, _TIME_SIZE) + _PAIRS[value & 4095] + tail
        for value, tail in zip(range(start, end + 1), tails, strict=True)
    ]
