"""Paths into JSON bodies: ``data[].id``, ``project.id``, ``details.issues[0].path``.

A path is a dot-separated list of keys; ``[]`` after a key walks every item of a list and
``[n]`` picks one item. A leading ``[]`` walks a body that is itself a list. Paths are parsed
once when declarations compile; walking them is a few dict look-ups.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from segue._errors import DeclarationError

EACH = -1  # marker segment: every item of a list
_STEP = re.compile(r"([^.\[\]]+)|\[(\d*)\]|(\.)")


@dataclass(frozen=True)
class BodyPath:
    """A parsed path; ``segments`` holds keys (str) and list indexes (int, EACH for ``[]``).

    ``leaf`` is the last key (the field's name), ``parent`` the segments before it; both are
    computed once since every translation reads them.
    """

    text: str
    segments: tuple[str | int, ...]
    leaf: str = field(init=False, compare=False)
    parent: tuple[str | int, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        last = self.segments[-1]
        if not isinstance(last, str):
            raise DeclarationError(f"body path {self.text!r} must end with a field name")
        object.__setattr__(self, "leaf", last)
        object.__setattr__(self, "parent", self.segments[:-1])

    def sibling(self, name: str) -> BodyPath:
        """The same path with its last key replaced by ``name``."""
        head = self.text.rsplit(".", 1)[0] + "." if "." in self.text else ""
        return BodyPath(head + name, (*self.parent, name))


def parse(text: str) -> BodyPath:
    """Parse ``text`` into a :class:`BodyPath`; raise DeclarationError when malformed."""
    segments: list[str | int] = []
    pos = 0
    for match in _STEP.finditer(text):
        if match.start() != pos:
            break
        pos = match.end()
        key, index, _dot = match.groups()
        if key is not None:
            segments.append(key)
        elif index is not None:
            segments.append(int(index) if index else EACH)
    if pos != len(text) or not segments:
        raise DeclarationError(f"malformed body path {text!r}")
    return BodyPath(text, tuple(segments))


def containers(body: Any, segments: tuple[str | int, ...]) -> Iterator[Any]:
    """Yield every value reached by walking ``segments`` from ``body`` (missing parts skip)."""
    if not segments:
        yield body
        return
    head, rest = segments[0], segments[1:]
    if isinstance(head, str):
        if isinstance(body, dict) and head in body:
            yield from containers(body[head], rest)
    elif isinstance(body, list):
        if head == EACH:
            for item in body:
                yield from containers(item, rest)
        elif -len(body) <= head < len(body):
            yield from containers(body[head], rest)


def parents(body: Any, path: BodyPath) -> Iterable[dict[str, Any]]:
    """Every dict that holds (or would hold) the field ``path`` names."""
    parent = path.parent
    if not parent:  # a top-level field: the common case, kept cheap
        return (body,) if isinstance(body, dict) else ()
    if len(parent) == 2 and parent[1] == EACH and isinstance(body, dict):  # ``data[].id``
        items = body.get(parent[0])
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else ()
    return [found for found in containers(body, path.parent) if isinstance(found, dict)]


def get(body: Any, path: BodyPath, default: Any = None) -> Any:
    """The first value at ``path``, or ``default``."""
    for parent in parents(body, path):
        if path.leaf in parent:
            return parent[path.leaf]
    return default


def put(body: dict[str, Any], path: BodyPath, value: Any) -> None:
    """Set ``value`` at ``path``, creating dicts (and one-item lists for ``[0]``) on the way."""
    node: Any = body
    for segment, following in zip(path.segments, path.segments[1:], strict=False):
        fresh: Any = [] if isinstance(following, int) else {}
        if isinstance(segment, str):
            node = node.setdefault(segment, fresh)
        else:
            if not node:
                node.append(fresh)
            node = node[0 if segment == EACH else segment]
    node[path.leaf] = value


def pop(body: Any, path: BodyPath, *, prune: bool = False) -> None:
    """Remove the field at ``path`` everywhere it occurs; ``prune`` drops dicts left empty."""
    for parent in parents(body, path):
        parent.pop(path.leaf, None)
    if prune:
        _prune(body, path.segments[:-1])


def _prune(body: Any, segments: tuple[str | int, ...]) -> None:
    # Only dict-keyed steps are pruned: an emptied list item keeps its place in the list.
    if not segments or not isinstance(body, dict):
        return
    head = segments[0]
    if isinstance(head, str) and head in body:
        child = body[head]
        _prune(child, segments[1:])
        if child == {}:
            del body[head]


def rename(parent: dict[str, Any], old: str, new: str) -> None:
    """Rename key ``old`` to ``new`` in place.

    The renamed key moves to the end of its object: JSON objects are unordered, and keeping
    the position means rebuilding every dict, ten times the cost on long lists.
    """
    if old in parent and old != new:
        parent[new] = parent.pop(old)


def update(body: Any, path: BodyPath, fn: Callable[[Any], Any]) -> None:
    """Replace the value at ``path`` with ``fn(value)``; a list value is mapped item by item."""
    for parent in parents(body, path):
        if path.leaf in parent:
            value = parent[path.leaf]
            parent[path.leaf] = [fn(v) for v in value] if isinstance(value, list) else fn(value)
