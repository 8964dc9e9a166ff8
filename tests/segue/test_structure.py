"""The package's shape, checked: the public surface, what ``import segue`` loads, and the
import rules between the request core and the families around it (see DESIGN's rooms)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import segue

SRC = Path(segue.__file__).parent
FAMILIES = ("guide", "tooling", "usage")
# Where the core meets the pages that describe it; allowed to import segue.guide.
ASSEMBLY = {"segue", "segue._segue", "segue._site"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every ``segue`` module ``path`` imports, at any depth (function-local ones too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "segue")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "segue":
                continue
            for alias in node.names:
                # ``from segue import _json`` names a module; ``from segue import X`` does not.
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if _exists(candidate) else node.module)
    return found


def _exists(module: str) -> bool:
    relative = Path(*module.split(".")[1:])
    return (SRC / relative).with_suffix(".py").exists() or (SRC / relative).is_dir()


MODULES = {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _family(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FAMILIES else "core"


def test_public_surface_is_pinned() -> None:
    """``segue.__all__`` is exactly this sorted list, and every name in it exists."""
    assert segue.__all__ == [
        "Adapter",
        "Api",
        "Brownout",
        "Caller",
        "Change",
        "Clock",
        "ConflictError",
        "DeclarationError",
        "DocumentError",
        "EnumMapped",
        "ErrorCodeMapped",
        "ErrorEnvelopeReshaped",
        "FieldAdded",
        "FieldRemoved",
        "FieldRenamed",
        "Lifecycle",
        "LifecycleError",
        "Match",
        "PaginationReshaped",
        "QueryMapped",
        "Request",
        "Response",
        "RouteAbsent",
        "RouteMoved",
        "RouteRemoved",
        "Segue",
        "SegueError",
        "Version",
        "adapter",
        "default_error_body",
        "find_api",
        "system_clock",
    ]
    assert all(hasattr(segue, name) for name in segue.__all__)


@pytest.mark.parametrize(
    ("package", "names"),
    [
        (
            "segue.guide",
            ["Examples", "Guide", "GuidePages", "Outcome", "Scenario", "Shown", "Step"],
        ),
        ("segue.usage", ["UsageRecorder", "bearer_prefix", "loopback_only"]),
        ("segue.tooling", ["ServiceFlag", "ServiceOptions", "ServiceSpec"]),
    ],
)
def test_family_surfaces_are_pinned(package: str, names: list[str]) -> None:
    """Each public family exports exactly these names."""
    module = __import__(package, fromlist=["__all__"])
    assert module.__all__ == names
    assert all(hasattr(module, name) for name in names)


def test_import_segue_loads_no_database_driver_http_client_or_web_framework() -> None:
    """``import segue`` (the core, the guide) brings in no SQLAlchemy, httpx or Starlette."""
    code = (
        "import sys, segue\n"
        "heavy = ['sqlalchemy', 'httpx', 'starlette', 'fastapi', 'typer', 'uvicorn', 'rich']\n"
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_core_imports_no_family() -> None:
    """The request core never imports usage, guide or tooling (only the assembly does)."""
    offenders = {
        name: sorted(i for i in _imports(path) if _family(i) != "core" or i in ASSEMBLY - {name})
        for name, path in MODULES.items()
        if _family(name) == "core" and name not in ASSEMBLY
    }
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize(("family", "allowed"), [("guide", {"core"}), ("usage", {"core"})])
def test_families_build_on_the_core_alone(family: str, allowed: set[str]) -> None:
    """The guide and usage read the compiled core, never each other or the tooling."""
    offenders = {
        name: sorted(
            i for i in _imports(path) if (_family(i) not in allowed | {family}) or i in ASSEMBLY
        )
        for name, path in MODULES.items()
        if _family(name) == family
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_import_circles_between_modules() -> None:
    """Module-level imports among segue's modules form no cycle (packages' own
    ``__init__`` re-exports aside)."""
    graph = {
        name: {i for i in _imports(path) if i in MODULES and i != name and not _is_parent(i, name)}
        for name, path in MODULES.items()
    }
    seen: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str, trail: list[str]) -> None:
        seen[node] = 1
        for nxt in graph[node]:
            if seen.get(nxt) == 1:
                cycle = [*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt]
                raise AssertionError(" -> ".join(cycle))
            if nxt not in seen:
                visit(nxt, [*trail, nxt])
        seen[node] = 2

    for start in graph:
        if start not in seen:
            visit(start, [start])


def _is_parent(package: str, module: str) -> bool:
    return module.startswith(package + ".")
