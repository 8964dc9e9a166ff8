"""A version's lifecycle: deprecation, sunset, brownouts, and the headers that announce them.

Headers follow RFC 9745 (``Deprecation: @<epoch-seconds>``, or the older ``Deprecation:
true`` some providers still send), RFC 8594 (``Sunset`` as an IMF-fixdate) and RFC 8288
``Link`` relations ``deprecation``, ``sunset`` and ``successor-version``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Literal

from segue._errors import LifecycleError
from segue.types import Headers

Clock = Callable[[], datetime]
DeprecationStyle = Literal["rfc9745", "legacy"]


def system_clock() -> datetime:
    """The real time, in UTC."""
    return datetime.now(UTC)


def _aware(moment: datetime | None, what: str) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        raise LifecycleError(f"{what} must carry a timezone (got {moment.isoformat()})")
    return moment


def http_date(moment: datetime) -> str:
    """IMF-fixdate, e.g. ``Thu, 31 Dec 2026 23:59:59 GMT``."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


@dataclass(frozen=True)
class Brownout:
    """A planned window in which the version already answers 410, to wake up late movers."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _aware(self.start, "brownout start")
        _aware(self.end, "brownout end")
        if self.end <= self.start:
            raise LifecycleError(f"brownout ends ({self.end}) before it starts ({self.start})")


@dataclass(frozen=True)
class Lifecycle:
    """When a version is deprecated and sunset, and how clients are told.

    Args:
        deprecated_at: the deprecation instant; ``None`` for a version not deprecated.
        sunset_at: from this instant on, every route answers 410 Gone.
        deprecation_style: ``"rfc9745"`` sends ``Deprecation: @<epoch>``; ``"legacy"``
            sends ``Deprecation: true`` once the instant has passed.
        migration_url: the migration guide (``Link rel="deprecation"``, and the 410 body).
        sunset_url: a page about the sunset (``Link rel="sunset"``).
        successor_url: the next version (``Link rel="successor-version"``).
        brownouts: windows before the sunset that already answer 410.
        headers: ``False`` keeps responses silent (the dates still drive 410s).
    """

    deprecated_at: datetime | None = None
    sunset_at: datetime | None = None
    deprecation_style: DeprecationStyle = "rfc9745"
    migration_url: str | None = None
    sunset_url: str | None = None
    successor_url: str | None = None
    brownouts: Sequence[Brownout] = field(default_factory=tuple)
    headers: bool = True
    _headers_before: Headers = field(init=False, repr=False, compare=False)
    _headers_after: Headers = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _aware(self.deprecated_at, "deprecated_at")
        _aware(self.sunset_at, "sunset_at")
        if self.deprecated_at and self.sunset_at and self.sunset_at < self.deprecated_at:
            raise LifecycleError(
                f"sunset ({self.sunset_at.isoformat()}) is earlier than the deprecation "
                f"({self.deprecated_at.isoformat()})"
            )
        if self.deprecation_style not in ("rfc9745", "legacy"):
            raise LifecycleError(f"unknown deprecation_style {self.deprecation_style!r}")
        object.__setattr__(self, "_headers_before", self._render_headers(deprecated=False))
        object.__setattr__(self, "_headers_after", self._render_headers(deprecated=True))

    def status(self, now: datetime) -> str:
        """``active``, ``deprecated``, ``brownout`` or ``sunset`` at ``now``."""
        if self.sunset_at is not None and now >= self.sunset_at:
            return "sunset"
        if any(b.start <= now < b.end for b in self.brownouts):
            return "brownout"
        if self.deprecated_at is not None and now >= self.deprecated_at:
            return "deprecated"
        return "active"

    def gone(self, now: datetime) -> bool:
        """Whether every route answers 410 at ``now``."""
        return self.status(now) in ("sunset", "brownout")

    def response_headers(self, now: datetime) -> Headers:
        """The lifecycle headers a response sent at ``now`` carries (a shared list: copy it
        before changing it)."""
        if self.deprecated_at is not None and now >= self.deprecated_at:
            return self._headers_after
        return self._headers_before

    def _render_headers(self, deprecated: bool) -> Headers:
        # Rendered once per state when declared: formatting dates per request costs µs.
        if not self.headers or (self.deprecated_at is None and self.sunset_at is None):
            return []
        out: Headers = []
        if self.deprecated_at is not None:
            if self.deprecation_style == "rfc9745":
                out.append((b"deprecation", b"@%d" % int(self.deprecated_at.timestamp())))
            elif deprecated:
                out.append((b"deprecation", b"true"))
        if self.sunset_at is not None:
            out.append((b"sunset", http_date(self.sunset_at).encode()))
        links = [
            (self.migration_url, "deprecation"),
            (self.sunset_url, "sunset"),
            (self.successor_url, "successor-version"),
        ]
        rendered = ", ".join(f'<{url}>; rel="{rel}"' for url, rel in links if url)
        if rendered:
            out.append((b"link", rendered.encode()))
        return out

    def gone_message(self, version: str, now: datetime) -> str:
        """The message of the 410 answered after sunset or inside a brownout."""
        if self.status(now) == "brownout":
            text = f"API {version} is in a planned brownout"
        else:
            assert self.sunset_at is not None
            text = f"API {version} was sunset on {http_date(self.sunset_at)}"
        if self.migration_url:
            text += f"; migrate as described at {self.migration_url}"
        return text


class Gate:
    """A version's lifecycle answers, cached between its transitions.

    Between two transitions (deprecation, sunset, brownout edges) the answers cannot change,
    so a request costs one float comparison; crossing an edge, in either direction since
    tests move clocks back, recomputes them. Concurrent recomputes write the same values.
    """

    __slots__ = ("_edges", "_from", "_until", "gone", "headers", "lifecycle")

    def __init__(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle
        moments = [lifecycle.deprecated_at, lifecycle.sunset_at]
        for brownout in lifecycle.brownouts:
            moments += [brownout.start, brownout.end]
        self._edges = sorted(m.timestamp() for m in moments if m is not None)
        self._from, self._until = math.inf, -math.inf
        self.gone = False
        self.headers: Headers = []

    def at(self, timestamp: float) -> Gate:
        """The answers at ``timestamp`` (epoch seconds)."""
        if not self._from <= timestamp < self._until:
            now = datetime.fromtimestamp(timestamp, UTC)
            self.gone = self.lifecycle.gone(now)
            self.headers = self.lifecycle.response_headers(now)
            self._from = max((e for e in self._edges if e <= timestamp), default=-math.inf)
            self._until = min((e for e in self._edges if e > timestamp), default=math.inf)
        return self
