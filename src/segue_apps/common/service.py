"""What every service's `segue` entry points share: the versioned app and flag parsers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from segue import Segue, Version, default_error_body
from segue.tooling import ServiceOptions
from segue.types import ASGIApp
from segue_apps.common.clock import Clock, ms_clock, now_ms

Declared = Callable[[datetime | None, datetime | None], Sequence[Version]]
"""A service's ``versions(deprecated_at, sunset_at)``: its versions, newest first."""


@dataclass(frozen=True)
class Versioned:
    """Puts a service together: its newest app, served with the older versions it declares.

    Each service makes one (``versioned = Versioned(versions, error_body)``) and calls it
    as ``versioned(newest, deprecated_at=…, sunset_at=…, clock=…)``: tests choose the
    dates and the clock, `segue serve` passes the command line's (:meth:`serve`).
    """

    declared: Declared
    error_body: Callable[[int, str, str, Any], Any] = default_error_body

    def __call__(
        self,
        newest: ASGIApp,
        *,
        deprecated_at: datetime | None = None,
        sunset_at: datetime | None = None,
        clock: Clock = now_ms,
    ) -> Segue:
        """Every version of the service, ``newest`` implementing the newest."""
        return Segue(
            newest,
            self.declared(deprecated_at, sunset_at),
            error_body=self.error_body,
            clock=ms_clock(clock),
        )

    def serve(self, newest: ASGIApp, options: ServiceOptions, *, clock: Clock = now_ms) -> Segue:
        """The service as `segue serve` runs it: v1's dates from the command line."""
        return self(
            newest, deprecated_at=options.v1_deprecated, sunset_at=options.v1_sunset, clock=clock
        )


def positive(text: str) -> int:
    """A command-line integer of at least 1."""
    value = int(text)
    if value < 1:
        raise ValueError(f"want a positive integer, got {text}")
    return value
