"""Time buckets of the analytics time series (sans-IO).

Buckets are UTC. Labels: ``hour`` → ``"2024-01-01T13:00Z"``, ``day`` → ``"2024-01-01"``,
``week`` → the date of its Monday (ISO weeks), ``"2024-01-01"``, ``month`` → ``"2024-01"``.
Hour, day and week buckets are fixed-size, so SQL computes a bucket *index*
``(ts + offset) / size`` with integer division; months are labelled in SQL directly.
"""

from __future__ import annotations

from datetime import UTC, datetime

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
WEEK_MS = 7 * DAY_MS
# 1970-01-01 was a Thursday: shifting by three days makes weeks start on Monday.
WEEK_OFFSET_MS = 3 * DAY_MS
MAX_BUCKETS = 5000

FIXED: dict[str, tuple[int, int]] = {
    "hour": (HOUR_MS, 0),
    "day": (DAY_MS, 0),
    "week": (WEEK_MS, WEEK_OFFSET_MS),
}


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def fixed_label(granularity: str, index: int) -> str:
    """Return the label of bucket ``index`` of a fixed-size granularity."""
    size, offset = FIXED[granularity]
    start = _dt(index * size - offset)
    if granularity == "hour":
        return start.strftime("%Y-%m-%dT%H:00Z")
    return start.strftime("%Y-%m-%d")


def fixed_range(granularity: str, start: int, end: int) -> range:
    """Return the bucket indexes covering ``start``..``end`` (both inclusive)."""
    size, offset = FIXED[granularity]
    return range((start + offset) // size, (end + offset) // size + 1)


def month_labels(start: int, end: int) -> list[str]:
    """Return the ``YYYY-MM`` labels of every month touching ``start``..``end``."""
    first, last = _dt(start), _dt(end)
    year, month = first.year, first.month
    labels = []
    while (year, month) <= (last.year, last.month):
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return labels


def bucket_count(granularity: str, start: int, end: int) -> int:
    """Return how many buckets the period spans (to refuse absurd requests early)."""
    if granularity == "month":
        first, last = _dt(start), _dt(end)
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return len(fixed_range(granularity, start, end))
