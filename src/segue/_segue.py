"""``Segue``: the compiled API, its dispatcher and its pages, put together.

The one module where the request core meets the pages that describe it (the guide); the
core itself never imports :mod:`segue.guide`, :mod:`segue.usage` or :mod:`segue.tooling`.
"""

from __future__ import annotations

from collections.abc import Sequence

from segue._api import Api, OpenAPISource
from segue._dispatch import Dispatcher
from segue._errorbody import ErrorBody, default_error_body
from segue._lifecycle import Clock, system_clock
from segue._site import Site
from segue._version import Version
from segue.guide._page import Examples, GuidePages
from segue.types import ASGIApp


class Segue(Dispatcher):
    """Serve ``versions`` (newest first) from ``app``, which implements the newest.

    Args:
        app: the newest version's ASGI app (FastAPI, Starlette, anything ASGI).
        versions: newest first; the first one has no changes.
        routes: the newest version's routes (``"GET /items/{id}"``, relative to its first
            prefix); by default read from the OpenAPI document.
        openapi: the newest version's OpenAPI document, or a function returning it; by
            default ``app.openapi`` when the app has one (FastAPI).
        error_body: builds an error body in the newest version's envelope.
        version_header: a request header that selects a version by value (optional).
        clock: returns the current instant; tests inject one.
        discovery_path: where the list of versions is served; the guide is served beside
            it (``/_segue/guide``).
        guide_examples: makes the guide's before/after examples on its first request.

    Raises:
        DeclarationError: a declaration names what the next version does not have.
        ConflictError: two declarations contradict each other.

    Example::

        app = Segue(newest_app, [Version("v2", ["/api/v2"]), Version("v1", ["/v1"], changes)])
    """

    def __init__(
        self,
        app: ASGIApp,
        versions: Sequence[Version],
        *,
        routes: Sequence[str] | None = None,
        openapi: OpenAPISource | None = None,
        error_body: ErrorBody = default_error_body,
        version_header: str | None = None,
        clock: Clock = system_clock,
        discovery_path: str = "/_segue/versions",
        guide_examples: Examples | None = None,
    ) -> None:
        if openapi is None and callable(getattr(app, "openapi", None)):
            openapi = getattr(app, "openapi")  # noqa: B009 - any app with .openapi()
        api = Api(
            versions,
            routes=routes,
            openapi=openapi,
            error_body=error_body,
            version_header=version_header,
            clock=clock,
        )
        root = discovery_path.rsplit("/", 1)[0]
        self.guide = GuidePages(api, guide_examples, root)
        super().__init__(app, api, Site(api, discovery_path, [self.guide]))
