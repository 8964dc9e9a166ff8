"""``segue serve``: one service over HTTP, in one process or several.

Several worker processes (``--workers N``) each build the service from the same options,
which reach them through the environment (uvicorn starts workers by importing an app
factory by name). They share nothing but the database: run them on PostgreSQL, where
everything that must agree across processes (rate limits, usage counts, appends) lives.
"""

from __future__ import annotations

import os
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any

import orjson

from segue._errors import SegueError
from segue.tooling._harness import with_guide_examples
from segue.tooling._service import ServiceOptions, ServiceSpec
from segue.types import ASGIApp

_ENVIRONMENT = "SEGUE_SERVE"


def services() -> dict[str, ServiceSpec]:
    """Every installed service (the ``segue.services`` entry points), by name."""
    found = {}
    for entry in entry_points(group="segue.services"):
        spec = entry.load()
        found[spec.name] = spec
    return found


def build(spec: ServiceSpec, options: ServiceOptions) -> ASGIApp:
    """``spec``'s app as served: ``/_segue/guide`` runs its example scenarios when first
    asked for."""
    return with_guide_examples(spec.create_app(options), spec, options)


def serve(
    spec: ServiceSpec, options: ServiceOptions, *, host: str, port: int, workers: int = 1
) -> None:
    """Serve ``spec`` until interrupted; ``workers`` processes share the listening socket."""
    import uvicorn

    if workers <= 1:
        uvicorn.run(build(spec, options), host=host, port=port, log_level="warning")
        return
    build(spec, options)  # declaration errors surface here, once, not in every worker
    os.environ[_ENVIRONMENT] = orjson.dumps(_encode(spec.name, options)).decode()
    uvicorn.run(
        f"{__name__}:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )


def worker_app() -> ASGIApp:
    """The app one worker process serves, from the options its parent put in the
    environment."""
    try:
        name, options = _decode(orjson.loads(os.environ[_ENVIRONMENT]))
    except KeyError:
        raise SegueError(f"{_ENVIRONMENT} is not set: start workers with segue serve") from None
    return build(services()[name], options)


def _encode(name: str, options: ServiceOptions) -> dict[str, Any]:
    return {
        "service": name,
        "db_url": options.db_url,
        "v1_deprecated": _when(options.v1_deprecated),
        "v1_sunset": _when(options.v1_sunset),
        "rate_limit": options.rate_limit,
        "extra": options.extra,
    }


def _decode(data: dict[str, Any]) -> tuple[str, ServiceOptions]:
    deprecated, sunset = data["v1_deprecated"], data["v1_sunset"]
    return data["service"], ServiceOptions(
        db_url=data["db_url"],
        v1_deprecated=datetime.fromisoformat(deprecated) if deprecated else None,
        v1_sunset=datetime.fromisoformat(sunset) if sunset else None,
        rate_limit=data["rate_limit"],
        extra=data["extra"],
    )


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
