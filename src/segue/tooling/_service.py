"""How a reference service plugs into the `segue` command line.

A service package publishes a :class:`ServiceSpec` under the ``segue.services`` entry-point
group; the CLI finds it by name, so the framework never imports a service.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from segue.guide._examples import Scenario
from segue.types import ASGIApp


@dataclass(frozen=True)
class ServiceOptions:
    """What `segue serve` / `segue bootstrap` pass to a service.

    Args:
        db_url: SQLAlchemy URL of the service's database.
        v1_deprecated: overrides the v1 deprecation instant, when given.
        v1_sunset: overrides the v1 sunset instant, when given.
        rate_limit: requests per minute per key; ``None`` turns rate limiting off.
        extra: anything service-specific.
    """

    db_url: str
    v1_deprecated: datetime | None = None
    v1_sunset: datetime | None = None
    rate_limit: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceFlag:
    """A service's own command-line option, such as ``--upload-ttl SECONDS``.

    `segue serve` and `segue bootstrap` read the flags the service declares after the
    common ones and hand them over in :attr:`ServiceOptions.extra`, keyed by ``name`` with
    dashes as underscores (``upload_ttl``), parsed by ``parse``. A flag not given is left
    out of ``extra``: the service's own default applies.

    Args:
        name: the flag without its dashes, e.g. ``"upload-ttl"``.
        help: one line for ``segue services``.
        parse: turns the text into the value (``int``, a choice check, ...); a
            ``ValueError`` becomes a usage error naming the flag.
        metavar: what the value is called in the help, e.g. ``"SECONDS"``.
        switch: a flag that takes no value; given, its value is ``True``.
    """

    name: str
    help: str
    parse: Callable[[str], Any] = str
    metavar: str = "VALUE"
    switch: bool = False

    @property
    def key(self) -> str:
        """The key of the value in :attr:`ServiceOptions.extra`."""
        return self.name.replace("-", "_")

    @property
    def usage(self) -> str:
        """``--name METAVAR`` (or ``--name`` for a switch)."""
        return f"--{self.name}" if self.switch else f"--{self.name} {self.metavar}"


@dataclass(frozen=True)
class ServiceSpec:
    """A runnable reference service.

    Args:
        name: the name given on the command line (``segue serve NAME``).
        default_db_url: the database used when ``--db`` is not given.
        create_app: builds the whole versioned ASGI app.
        bootstrap: creates what a first client needs; returns a JSON-able dict with at
            least ``"api_key"``.
        guide_examples: calls the migration guide makes to show each version side by
            side (``segue guide``); ``None`` leaves the guide without examples.
        serve_flags: the service's own options of `segue serve`.
        bootstrap_flags: the service's own options of `segue bootstrap`.
        api_key_header: the request header the guide's examples send the API key in:
            ``authorization`` (as ``Bearer <key>``, the default) or another header, such
            as ``x-api-key``, that carries the key alone.
    """

    name: str
    default_db_url: str
    create_app: Callable[[ServiceOptions], ASGIApp]
    bootstrap: Callable[[ServiceOptions], Coroutine[Any, Any, dict[str, Any]]]
    guide_examples: Sequence[Scenario] | None = None
    serve_flags: Sequence[ServiceFlag] = ()
    bootstrap_flags: Sequence[ServiceFlag] = ()
    api_key_header: str = "authorization"
