"""segue's own pages: the discovery list and each version's OpenAPI document and docs page,
plus whatever further pages (the migration guide) the site is given."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import orjson

from segue import _openapi
from segue._api import Api
from segue._dispatch import Pages
from segue._reply import reply
from segue.types import Scope, Send

_SWAGGER = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
</head><body><div id="ui"></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({{url: {url}, dom_id: "#ui"}});</script>
</body></html>"""


class Site:
    """Answers segue's fixed URLs for ``api``; everything else goes on to the versions.

    Args:
        api: the compiled API.
        discovery_path: where the list of versions is served.
        more: further pages answered before the versions (the guide).
    """

    def __init__(self, api: Api, discovery_path: str, more: Sequence[Pages] = ()) -> None:
        self.api = api
        self.discovery_path = discovery_path
        self._pages: dict[str, tuple[str, str]] = {discovery_path: ("discovery", "")}
        for version in api.versions:
            for prefix in version.prefixes:
                self._pages[prefix + "/openapi.json"] = ("openapi", version.name)
                self._pages[prefix + "/docs"] = ("docs", version.name)
        self.more = list(more)
        self.paths = frozenset(self._pages).union(*(m.paths for m in self.more))

    async def handle(self, scope: Scope, send: Send) -> bool:
        """Answer one of the site's pages; ``False`` when ``scope`` is for the versions."""
        for pages in self.more:
            if scope["path"] in pages.paths:
                return await pages.handle(scope, send)
        page = self._pages.get(scope["path"])
        if page is None or scope["method"] not in ("GET", "HEAD"):
            return False
        kind, name = page
        if kind == "discovery":
            await reply(scope, send, 200, "application/json", orjson.dumps(self.discovery()))
        elif kind == "openapi":
            body = orjson.dumps(self.api.documents()[name])
            await reply(scope, send, 200, "application/json", body)
        else:
            url = orjson.dumps(openapi_url(self.api, name)).decode()
            title = self.api.documents()[name]["info"].get("title", "API")
            page_html = _SWAGGER.format(title=html.escape(f"{title} — {name}"), url=url)
            await reply(scope, send, 200, "text/html; charset=utf-8", page_html.encode())
        return True

    def discovery(self) -> dict[str, Any]:
        """Every version with its prefixes, status at this instant, dates and links."""
        api = self.api
        now = api.clock()
        versions = []
        for version in api.versions:
            versions.append(
                {
                    "name": version.name,
                    "prefixes": list(version.prefixes),
                    "status": version.lifecycle.status(now),
                    **_openapi.lifecycle_info(version.lifecycle),
                    "openapi": openapi_url(api, version.name),
                    "docs": version.prefixes[0] + "/docs",
                }
            )
        header = api.version_header.decode() if api.version_header else None
        return {"versions": versions, "newest": api.newest.name, "header": header}


def openapi_url(api: Api, name: str) -> str:
    """Where version ``name``'s OpenAPI document is served."""
    return api.version(name).prefixes[0] + "/openapi.json"
