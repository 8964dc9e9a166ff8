"""A version as declared: its name, prefixes, lifecycle, changes and adapters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from segue._adapters import Adapter
from segue._errors import DeclarationError
from segue._lifecycle import Lifecycle
from segue.changes import Change


@dataclass(frozen=True)
class Version:
    """One version of an API.

    The newest version has no changes: the app implements it. Every older version lists
    the changes that separate it from the next newer one.

    Args:
        name: e.g. ``"v1"``; also the default value of the version header that selects it.
        prefixes: path prefixes the version owns, e.g. ``("/v1", "/api/v1")``.
        changes: declarations, old → next newer.
        adapters: old routes implemented as code.
        lifecycle: deprecation, sunset, brownouts.
        header_values: values of the API's version header that select this version.
        title: a human name for docs.
    """

    name: str
    prefixes: Sequence[str]
    changes: Sequence[Change] = ()
    adapters: Sequence[Adapter] = ()
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    header_values: Sequence[str] = ()
    title: str = ""

    def __post_init__(self) -> None:
        if not self.prefixes:
            raise DeclarationError(f"version {self.name!r} owns no path prefix")
        for prefix in self.prefixes:
            if not prefix.startswith("/") or prefix.endswith("/"):
                raise DeclarationError(
                    f"version {self.name!r}: prefix {prefix!r} must start and not end with '/'"
                )

    @property
    def selectors(self) -> tuple[str, ...]:
        return tuple(self.header_values) or (self.name,)
