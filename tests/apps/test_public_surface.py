"""The services import only segue's public surface: nothing named ``_…`` under ``segue``.

Every module under ``src/segue_apps`` is read with :mod:`ast` (not imported), so a private
import is found even in a module no test loads.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[2] / "src" / "segue_apps"


def private_imports(source: str) -> list[str]:
    """Return the dotted paths under ``segue`` that ``source`` imports with a ``_`` part."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            paths = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            paths = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for path in paths:
            parts = path.split(".")
            if parts[0] == "segue" and any(part.startswith("_") for part in parts[1:]):
                found.append(f"line {node.lineno}: {path}")
    return found


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("import segue._types", True),
        ("import segue.guide._build as build", True),
        ("from segue._types import Scope", True),
        ("from segue.changes._base import Change", True),
        ("from segue import _errors", True),
        ("from segue.types import _Hidden", True),
        ("def f():\n    from segue.usage._store import UsageStore", True),
        ("from segue import Segue, Version", False),
        ("from segue.types import Scope", False),
        ("import segue.guide, segue.tooling", False),
        ("from segue_apps.conversations.store import _rows", False),
        ("from __future__ import annotations", False),
        ("from . import _local", False),
    ],
)
def test_a_private_import_under_segue_is_flagged(source: str, flagged: bool) -> None:
    """The check flags every form of a private segue import and nothing else."""
    assert bool(private_imports(source)) is flagged


def test_services_import_no_private_segue_module() -> None:
    """No module of the reference services imports a ``_private`` part of segue."""
    modules = sorted(SERVICES.rglob("*.py"))
    assert len(modules) > 20, f"expected the services under {SERVICES}"
    offenders = {
        str(path.relative_to(SERVICES)): found
        for path in modules
        if (found := private_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
