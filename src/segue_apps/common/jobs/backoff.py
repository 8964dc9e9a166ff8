"""How long a failed job waits before its next attempt: exponential, capped."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """``base_ms * factor ** (attempt - 1)``, at most ``cap_ms``: 1, 2, 4, 8… s by default.

    Args:
        base_ms: the wait after the first failed attempt.
        factor: how much each further failure multiplies it by.
        cap_ms: the longest wait.

    Example:
        >>> [Backoff(base_ms=1000, cap_ms=5000).delay_ms(n) for n in range(1, 6)]
        [1000, 2000, 4000, 5000, 5000]
    """

    base_ms: int = 1000
    factor: float = 2.0
    cap_ms: int = 5 * 60 * 1000

    def __post_init__(self) -> None:
        if self.base_ms < 0 or self.factor < 1 or self.cap_ms < self.base_ms:
            raise ValueError(f"{self!r}: needs 0 <= base_ms <= cap_ms and factor >= 1")

    def delay_ms(self, attempt: int) -> int:
        """The wait after failed attempt number ``attempt`` (the first is 1)."""
        exponent = max(attempt - 1, 0)
        # Past the cap the power only grows: stop before it overflows a float.
        if self.factor > 1 and exponent > 64:
            return self.cap_ms
        return int(min(self.base_ms * self.factor**exponent, self.cap_ms))
