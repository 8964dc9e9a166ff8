"""Time as integer milliseconds since the epoch, the unit every seed uses.

Services take a :data:`Clock` so tests (and lifecycle checks) can pin the time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], int]


def now_ms() -> int:
    """Return the current wall-clock time in integer milliseconds."""
    return time.time_ns() // 1_000_000


def ms_clock(clock: Clock) -> Callable[[], datetime]:
    """Return ``clock`` as the datetime clock segue's lifecycle and usage figures read."""
    return lambda: datetime.fromtimestamp(clock() / 1000, UTC)
