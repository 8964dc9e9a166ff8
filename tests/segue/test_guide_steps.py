"""Guide steps: placeholders in bodies; the processes guide exercises the rest (the key in
``x-api-key``, ``poll_while``) end to end in ``tests/apps/processes/test_guide.py``."""

from __future__ import annotations

from segue.guide import Step
from segue.tooling._harness import _filled


def test_whole_string_placeholders_in_a_body_are_filled() -> None:
    saved = {"agent_id": "a1", "count": 3}
    body = {"agent_id": "{agent_id}", "n": "{count}", "ids": ["{agent_id}", "x"],
            "text": "at {agent_id}", "unknown": "{nope}", "other": 1}  # fmt: skip
    filled = {**body, "agent_id": "a1", "n": 3, "ids": ["a1", "x"]}
    assert _filled(body, saved) == filled
    assert _filled(None, saved) is None


def test_a_step_polls_only_when_asked() -> None:
    assert Step("GET", "/x").poll_while == {}
    assert Step("GET", "/x", poll_while={"state": ("pending",)}).poll_while["state"] == ("pending",)
