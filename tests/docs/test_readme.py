"""The README's example, run as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx

README = Path(__file__).resolve().parents[2] / "README.md"


async def test_readme_example_serves_v1_as_it_says() -> None:
    """The example's app answers v1 with ``id``, the parts and the lifecycle headers."""
    (code,) = re.findall(r"^```python\n(.*?)^```", README.read_text(), re.M | re.S)
    namespace: dict[str, Any] = {}
    exec(compile(code, str(README), "exec"), namespace)
    transport = httpx.ASGITransport(app=namespace["app"])
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        widget = {"name": "Bolt", "grade": "high", "color": "red", "parts": ["head"]}
        assert (await client.post("/api/v2/widgets", json=widget)).status_code == 201
        v1 = await client.get("/v1/widgets/w1")
        moved = await client.put("/api/v1/widgets/w1", json={"name": "Nut"})
    assert v1.json()["id"] == "w1"
    assert "widget_id" not in v1.json()
    assert v1.json()["parts"] == [{"part_id": "w1p0", "label": "head"}]
    assert v1.headers["sunset"] == "Wed, 31 Dec 2031 23:59:59 GMT"
    assert v1.headers["deprecation"] == "@1767225600"
    assert (moved.status_code, moved.json()["name"], moved.json()["id"]) == (200, "Nut", "w1")
