"""A route's top-level response changes run as one generated function.

Every response of an old-version route goes through all of its changes. In CPython a call
costs as much as several lines of plain code, and most changes are a line or two over the
top-level dict (rename a key, drop one, map a value), so a route's changes are compiled at
start-up into one function holding each change's lines in order, as ``dataclasses`` builds
``__init__``. Each change writes its own lines; values (names, tables, functions) reach the
function as its globals under generated names and are never pasted into the source.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

TopDown = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Snippet:
    """Statements over the dict ``body``; ``{name}`` in ``code`` stands for ``values[name]``.

    Example: ``Snippet("body.pop({leaf}, None)", {"leaf": "color"})``.
    """

    code: str
    values: dict[str, Any] = field(default_factory=dict)


def fuse(snippets: Sequence[Snippet], label: str) -> TopDown:
    """One function doing every snippet's work in order; ``label`` names it in tracebacks."""
    namespace: dict[str, Any] = {}
    lines = ["def down(body):"]
    for index, snippet in enumerate(snippets):
        names = {key: f"{key}_{index}" for key in snippet.values}
        namespace.update({names[key]: value for key, value in snippet.values.items()})
        lines += ["    " + line for line in snippet.code.format(**names).splitlines()]
    lines.append("    return None")
    filename = f"<segue: {ascii(label)[1:-1]}>"  # escaped: declared names may hold any text
    exec(compile("\n".join(lines), filename, "exec"), namespace)
    down: TopDown = namespace["down"]
    return down
