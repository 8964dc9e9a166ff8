"""``frozen_while_serving``: the start-up heap is left out of collections while serving."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from segue_apps.common.heap import frozen_while_serving


async def test_heap_is_frozen_while_serving_only() -> None:
    started: list[Any] = []

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        started.append(app)  # built at start-up, so frozen with the rest
        yield

    gc.unfreeze()
    async with frozen_while_serving(lifespan)("app"):
        assert started == ["app"]
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
