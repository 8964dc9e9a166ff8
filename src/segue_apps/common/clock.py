"""Time as integer milliseconds since the epoch, the unit every seed uses.

Services take a :data:`Clock` so tests (and lifecycle checks) can pin the time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], int]


def now_ms() -> int:
    """Return the current wall-clock time in integer milliseconds."""
    return time.time_ns() // 1_000_000
