"""Usage figures in memory: counts per (version, route, key prefix, hour), sans-IO.

The request path only ever touches a :class:`Tally` (a dict update, no I/O); the recorder
hands what it holds to the store in batches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

HOUR_MS = 3_600_000
UsageKey = tuple[str, str, str, int]  # version, route, key prefix ("" = anonymous), hour (ms)


@dataclass(slots=True)
class UsageRow:
    """Calls of one version's route by one key within one hour.

    Args:
        version: version name, e.g. ``"v1"``.
        route: the route in that version, e.g. ``"PUT /conversations/{id}"``.
        key_prefix: display prefix of the caller's key; ``""`` when the call had none.
        hour: start of the hour, epoch milliseconds.
        calls: requests answered.
        errors: requests answered with a status of 400 or more.
        last_seen: when the latest of them arrived, epoch milliseconds.
    """

    version: str
    route: str
    key_prefix: str
    hour: int
    calls: int
    errors: int
    last_seen: int

    @property
    def key(self) -> UsageKey:
        return (self.version, self.route, self.key_prefix, self.hour)


class Tally:
    """Counts accumulated since the last flush."""

    def __init__(self) -> None:
        self.counts: dict[UsageKey, list[int]] = {}  # key → [calls, errors, last_seen]
        self.requests = 0

    def add(self, version: str, route: str, key_prefix: str, now_ms: int, error: bool) -> None:
        """Count one request (called on the request path: keep it a dict update)."""
        self.requests += 1
        key = (version, route, key_prefix, now_ms - now_ms % HOUR_MS)
        cell = self.counts.get(key)
        if cell is None:
            self.counts[key] = [1, int(error), now_ms]
        else:
            cell[0] += 1
            cell[1] += error
            if now_ms > cell[2]:
                cell[2] = now_ms

    def add_rows(self, rows: Iterable[UsageRow]) -> None:
        """Fold rows back in (a batch whose write failed is retried with the next one)."""
        for row in rows:
            cell = self.counts.get(row.key)
            if cell is None:
                self.counts[row.key] = [row.calls, row.errors, row.last_seen]
            else:
                cell[0] += row.calls
                cell[1] += row.errors
                cell[2] = max(cell[2], row.last_seen)

    def rows(self) -> list[UsageRow]:
        """What is held, as rows."""
        return [UsageRow(*key, *cell) for key, cell in self.counts.items()]

    def __len__(self) -> int:
        return len(self.counts)


def merge(*groups: Iterable[UsageRow]) -> list[UsageRow]:
    """Rows with the same key added together (stored figures plus unflushed ones)."""
    tally = Tally()
    for rows in groups:
        tally.add_rows(rows)
    return tally.rows()
