"""segue's own pages: the discovery list, each version's OpenAPI document and docs page, and
the migration guide (``/_segue/guide`` as HTML, ``/_segue/guide.md`` as Markdown).

Documents are derived on first request and kept: deriving reads the newest app's document,
which some apps can only build once fully started.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from segue import _openapi
from segue._types import Receive, Scope, Send

if TYPE_CHECKING:
    from segue._guide import Guide
    from segue._guide_examples import Outcome
    from segue._middleware import Segue

GuideExamples = Callable[[], Awaitable[Sequence["Outcome"]]]

_SWAGGER = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
</head><body><div id="ui"></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({{url: {url}, dom_id: "#ui"}});</script>
</body></html>"""


class Site:
    """Answers segue's fixed URLs; everything else goes on to the versions."""

    def __init__(self, api: Segue, discovery_path: str) -> None:
        self.api = api
        self.discovery_path = discovery_path
        self._documents: dict[str, dict[str, Any]] | None = None
        self.pages: dict[str, tuple[str, str]] = {discovery_path: ("discovery", "")}
        for version in api.versions:
            for prefix in version.prefixes:
                self.pages[prefix + "/openapi.json"] = ("openapi", version.name)
                self.pages[prefix + "/docs"] = ("docs", version.name)
        site_root = discovery_path.rsplit("/", 1)[0]
        self.pages[site_root + "/guide"] = ("guide", "html")
        self.pages[site_root + "/guide.md"] = ("guide", "md")
        # Whoever can run the service (the CLI) sets this to add real examples to the guide.
        self.guide_examples: GuideExamples | None = None
        self._guide: Guide | None = None
        self._guide_lock = asyncio.Lock()

    def openapi_url(self, name: str) -> str:
        version = next(v for v in self.api.versions if v.name == name)
        return version.prefixes[0] + "/openapi.json"

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> bool:
        page = self.pages.get(scope["path"])
        if page is None or scope["method"] not in ("GET", "HEAD"):
            return False
        kind, name = page
        if kind == "discovery":
            await _reply(send, 200, "application/json", orjson.dumps(self.discovery()))
        elif kind == "openapi":
            body = orjson.dumps(self.documents()[name])
            await _reply(send, 200, "application/json", body)
        elif kind == "guide":
            guide = await self.guide()
            if name == "md":
                await _reply(send, 200, "text/markdown; charset=utf-8", guide.markdown().encode())
            else:
                await _reply(send, 200, "text/html; charset=utf-8", guide.html().encode())
        else:
            url = orjson.dumps(self.openapi_url(name)).decode()
            title = html.escape(f"{self.documents()[name]['info'].get('title', 'API')} — {name}")
            page_html = _SWAGGER.format(title=title, url=url).encode()
            await _reply(send, 200, "text/html; charset=utf-8", page_html)
        return True

    def documents(self) -> dict[str, dict[str, Any]]:
        """Every version's OpenAPI document, by version name."""
        if self._documents is None:
            api = self.api
            newest = api._newest_openapi()
            operations = _openapi.newest_operations(newest, api.newest_prefix)
            first = dict(newest)
            first["x-segue-lifecycle"] = _openapi.lifecycle_info(api.versions[0].lifecycle)
            docs = {api.versions[0].name: first}
            for plan in api.plans:
                operations = _openapi.older_operations(plan, operations)
                docs[plan.version.name] = _openapi.document(newest, plan.version, operations)
            self._documents = docs
        return self._documents

    async def guide(self) -> Guide:
        """The migration guide, written on first request (with examples when a source is set)."""
        from segue._guide import Guide

        async with self._guide_lock:
            if self._guide is None:
                examples = await self.guide_examples() if self.guide_examples else ()
                self._guide = Guide(self.api, examples)
        return self._guide

    def discovery(self) -> dict[str, Any]:
        """Every version with its prefixes, status at this instant, dates and links."""
        now = self.api.clock()
        versions = []
        for version in self.api.versions:
            versions.append(
                {
                    "name": version.name,
                    "prefixes": list(version.prefixes),
                    "status": version.lifecycle.status(now),
                    **_openapi.lifecycle_info(version.lifecycle),
                    "openapi": self.openapi_url(version.name),
                    "docs": version.prefixes[0] + "/docs",
                }
            )
        header = self.api.version_header.decode() if self.api.version_header else None
        return {"versions": versions, "newest": self.api.versions[0].name, "header": header}


async def _reply(send: Send, status: int, content_type: str, body: bytes) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
