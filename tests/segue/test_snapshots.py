"""The committed v1 OpenAPI snapshots still hold for what each service serves.

An accidental change to an old version's contract fails here; `make snapshots` rewrites
the files once a change is meant (an addition) — a breaking one should never be.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from segue import find_api
from segue.tooling import ServiceOptions
from segue.tooling._diff import diff
from segue.tooling.cli import services

SNAPSHOTS = sorted((Path(__file__).parents[2] / "snapshots" / "openapi").glob("*.json"))


@pytest.mark.parametrize("path", SNAPSHOTS, ids=lambda p: p.stem)
def test_served_document_breaks_nothing_in_its_snapshot(path: Path) -> None:
    """The document derived now breaks no client written against the snapshot."""
    service, _, version = path.stem.rpartition("-")
    built = services()[service].create_app(ServiceOptions(db_url="sqlite+aiosqlite:///:memory:"))
    api = find_api(built)  # inside middleware, e.g. usage
    assert api is not None
    report = diff(json.loads(path.read_text()), api.documents()[version])
    assert not report.is_breaking, f"{service} {version} changed:\n{report.text()}"


def test_snapshots_cover_conversations_and_demo() -> None:
    """Both finished services have a committed v1 snapshot."""
    assert {p.stem for p in SNAPSHOTS} >= {"conversations-v1", "demo-v1"}
