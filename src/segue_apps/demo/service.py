"""`segue serve demo`: the widget API, in memory (nothing to bootstrap but a note)."""

from __future__ import annotations

from typing import Any

from segue import Lifecycle
from segue.tooling import ServiceOptions, ServiceSpec
from segue.types import ASGIApp
from segue_apps.demo.guide import SCENARIOS
from segue_apps.demo.versions import DEPRECATED, SUNSET, build


def create(options: ServiceOptions) -> ASGIApp:
    """The demo API, with the v1 dates the command line gives."""
    lifecycle = Lifecycle(
        deprecated_at=options.v1_deprecated or DEPRECATED,
        sunset_at=options.v1_sunset or SUNSET,
        migration_url="https://example.test/migrate",
    )
    return build(lifecycle)


async def bootstrap(options: ServiceOptions) -> dict[str, Any]:
    """The demo needs no key; say so in the shape every bootstrap has."""
    return {"api_key": None, "note": "the demo API needs no key"}


SERVICE = ServiceSpec("demo", "memory://", create, bootstrap, guide_examples=SCENARIOS)
