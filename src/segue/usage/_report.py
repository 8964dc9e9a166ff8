"""Usage figures as JSON-able reports, built from rows (sans-IO).

:func:`report` is what ``/_segue/usage.json`` answers and the page draws: for every version,
its lifecycle, totals, who calls which route, and calls per hour. :func:`deprecated_calls`
is what one key may see of itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from segue._openapi import lifecycle_info
from segue._version import Version
from segue.usage._tally import HOUR_MS, UsageRow

ANONYMOUS = ""


def hour_of(moment: datetime) -> int:
    """Start of the hour holding ``moment``, epoch milliseconds."""
    ms = int(moment.timestamp() * 1000)
    return ms - ms % HOUR_MS


def _callers(rows: Iterable[UsageRow]) -> list[dict[str, Any]]:
    by_caller: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        cell = by_caller.setdefault((row.key_prefix, row.route), [0, 0, 0])
        cell[0] += row.calls
        cell[1] += row.errors
        cell[2] = max(cell[2], row.last_seen)
    ordered = sorted(by_caller.items(), key=lambda item: (-item[1][0], item[0]))
    return [
        {"key_prefix": key, "route": route, "calls": c, "errors": e, "last_seen": last}
        for (key, route), (c, e, last) in ordered
    ]


def report(
    versions: Sequence[Version], rows: Sequence[UsageRow], now: datetime, since_hour: int
) -> dict[str, Any]:
    """Every version (newest first) with totals, callers and hourly calls.

    ``hours`` runs from the first hour with a call (or ``since_hour``, whichever is later)
    to the current hour; every version's ``series`` has one count per hour in it.
    """
    current = hour_of(now)
    first = min((r.hour for r in rows), default=current)
    hours = list(range(max(first, since_hour), current + 1, HOUR_MS))
    index = {hour: i for i, hour in enumerate(hours)}
    out = []
    for position, version in enumerate(versions):
        mine = [r for r in rows if r.version == version.name]
        series = [0] * len(hours)
        for row in mine:
            if row.hour in index:
                series[index[row.hour]] += row.calls
        out.append(
            {
                "name": version.name,
                "newest": position == 0,
                "status": version.lifecycle.status(now),
                **lifecycle_info(version.lifecycle),
                "calls": sum(r.calls for r in mine),
                "errors": sum(r.errors for r in mine),
                "keys": len({r.key_prefix for r in mine}),
                "callers": _callers(mine),
                "series": series,
            }
        )
    return {"generated_at": int(now.timestamp() * 1000), "hours": hours, "versions": out}


def is_retiring(version: Version) -> bool:
    """Whether the version is deprecated or has a sunset announced."""
    lifecycle = version.lifecycle
    return lifecycle.deprecated_at is not None or lifecycle.sunset_at is not None


def deprecated_calls(
    versions: Sequence[Version], rows: Sequence[UsageRow], key_prefix: str, now: datetime
) -> dict[str, Any]:
    """One key's calls to retiring versions: route, count, last call, sunset, migration."""
    calls = []
    for version in versions[1:]:
        if not is_retiring(version):
            continue
        info = lifecycle_info(version.lifecycle)
        mine = [r for r in rows if r.version == version.name and r.key_prefix == key_prefix]
        for caller in _callers(mine):
            calls.append(
                {
                    "version": version.name,
                    "status": version.lifecycle.status(now),
                    "route": caller["route"],
                    "calls": caller["calls"],
                    "errors": caller["errors"],
                    "last_call": caller["last_seen"],
                    "deprecated_at": info["deprecated_at"],
                    "sunset_at": info["sunset_at"],
                    "migration_url": info["migration_url"],
                }
            )
    return {"key_prefix": key_prefix, "calls": calls}
