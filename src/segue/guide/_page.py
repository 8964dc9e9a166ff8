"""The migration guide as a page of the running service: ``/_segue/guide`` (HTML) and
``/_segue/guide.md`` (Markdown), written on first request and kept."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from segue._api import Api
from segue._reply import reply
from segue.guide._build import Guide
from segue.guide._examples import Outcome
from segue.types import Scope, Send

Examples = Callable[[], Awaitable[Sequence[Outcome]]]
"""Makes the guide's examples when it is first asked for (they call the service)."""


class GuidePages:
    """Answers the guide's two URLs under ``root``.

    Args:
        api: the compiled API the guide describes.
        examples: makes before/after examples; none by default.
        root: the folder of segue's own pages.
    """

    def __init__(self, api: Api, examples: Examples | None = None, root: str = "/_segue") -> None:
        self.api = api
        self.examples = examples
        self.formats = {root + "/guide": "html", root + "/guide.md": "md"}
        self.paths = frozenset(self.formats)
        self._guide: Guide | None = None
        self._lock = asyncio.Lock()

    async def guide(self) -> Guide:
        """The guide, written on first call (with examples when a source is set)."""
        async with self._lock:
            if self._guide is None:
                examples = await self.examples() if self.examples else ()
                self._guide = Guide(self.api, examples)
        return self._guide

    async def handle(self, scope: Scope, send: Send) -> bool:
        """Answer a GET or HEAD of one of the guide's URLs; ``False`` for anything else."""
        kind = self.formats.get(scope["path"])
        if kind is None or scope["method"] not in ("GET", "HEAD"):
            return False
        guide = await self.guide()
        if kind == "md":
            await reply(scope, send, 200, "text/markdown; charset=utf-8", guide.markdown().encode())
        else:
            await reply(scope, send, 200, "text/html; charset=utf-8", guide.html().encode())
        return True
