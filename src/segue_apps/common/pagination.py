"""Timestamp cursors that never lose or repeat rows on ties (sans-IO).

A cursor is the sort timestamp (ms) of the last row of a page, as a decimal string, like
the seeds show (``"1709999900000"``). When the next row shares that timestamp, a bare
timestamp would skip it (or repeat the page's tail), so the cursor becomes compound,
``"<ms>:<id>"``, and the query continues strictly after ``(ms, id)`` in sort order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from segue_apps.common.errors import APIError

_CURSOR = re.compile(r"(\d{1,18})(?::([A-Za-z0-9_-]{1,64}))?")


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page continues: after timestamp ``ms`` (and after ``id`` within it)."""

    ms: int
    id: str | None = None


def parse_cursor(raw: str | None) -> Cursor | None:
    """Parse a cursor: a non-negative integer or ``ms:id``, else 400 ``INVALID_CURSOR``."""
    if raw is None or raw == "":
        return None
    match = _CURSOR.fullmatch(raw)
    if match is None:
        raise APIError(
            400, "INVALID_CURSOR", "cursor must be a non-negative integer timestamp in ms"
        )
    return Cursor(int(match.group(1)), match.group(2))


def next_cursor(page: Sequence[tuple[int, str]], has_more: bool) -> str | None:
    """Return the cursor after ``page`` (its ``(ms, id)`` sort keys), or ``None`` at the end.

    ``page`` must hold one row more than the page size when ``has_more``: that look-ahead
    row tells whether the bare timestamp is unambiguous.
    """
    if not has_more or len(page) < 2:
        return None
    last_ms, last_id = page[-2]
    following_ms, _ = page[-1]
    return str(last_ms) if following_ms != last_ms else f"{last_ms}:{last_id}"
