"""A small in-process map whose entries expire: for lookups of rows that never change.

Only for facts that cannot go stale inside the service (a share's process, a key's owner
in a service without key revocation): every server process keeps its own copy, so a
fact that can change would be seen changed by one process and not by another.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TTLCache(Generic[K, V]):
    """Up to ``size`` entries, each kept ``ttl_s`` seconds; the least recently stored go
    first when full."""

    def __init__(
        self, ttl_s: float, size: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s = ttl_s
        self.size = size
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value stored under ``key``, or None (never stored, or expired)."""
        kept = self._entries.get(key)
        if kept is None or kept[0] <= self._clock():
            return None
        return kept[1]

    def put(self, key: K, value: V) -> None:
        """Store ``value`` under ``key`` for ``ttl_s`` seconds."""
        self._entries[key] = (self._clock() + self.ttl_s, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
