"""Walking JSON Schemas by body path, for the OpenAPI edits of body changes.

Schemas given here are already dereferenced (no ``$ref``); ``anyOf``/``oneOf``/``allOf``
branches are all walked, so ``Optional[Model]`` and unions are edited everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from segue._bodypath import BodyPath


def _variants(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield schema
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, ()):
            if isinstance(branch, dict):
                yield from _variants(branch)


def objects(schema: dict[str, Any], segments: tuple[str | int, ...]) -> Iterator[dict[str, Any]]:
    """Yield every object schema reached by walking ``segments``."""
    for variant in _variants(schema):
        if not segments:
            if variant.get("type") == "object" or "properties" in variant:
                yield variant
            continue
        head, rest = segments[0], segments[1:]
        if isinstance(head, str):
            child = variant.get("properties", {}).get(head)
        else:
            child = variant.get("items")
        if isinstance(child, dict):
            yield from objects(child, rest)


def rename_property(schema: dict[str, Any], path: BodyPath, old: str, new: str) -> None:
    """Rename property ``old`` to ``new`` (keeping its place and its required-ness)."""
    for obj in objects(schema, path.parent):
        props = obj.get("properties", {})
        if old in props:
            obj["properties"] = {(new if k == old else k): v for k, v in props.items()}
            if old in obj.get("required", ()):
                obj["required"] = [new if r == old else r for r in obj["required"]]


def drop_property(schema: dict[str, Any], path: BodyPath) -> Any:
    """Remove the property at ``path``; return its schema (the first one found)."""
    found = None
    for obj in objects(schema, path.parent):
        removed = obj.get("properties", {}).pop(path.leaf, None)
        found = found if found is not None else removed
        if path.leaf in obj.get("required", ()):
            obj["required"] = [r for r in obj["required"] if r != path.leaf]
            if not obj["required"]:
                del obj["required"]
    return found


def add_property(
    schema: dict[str, Any], path: BodyPath, prop: dict[str, Any], *, required: bool
) -> None:
    """Add a property at ``path``, creating object schemas on the way when missing."""
    node = schema
    for segment in path.parent:
        if isinstance(segment, str):
            node.setdefault("type", "object")
            node = node.setdefault("properties", {}).setdefault(segment, {"type": "object"})
        else:
            node = node.setdefault("items", {"type": "object"})
    node.setdefault("type", "object")
    node.setdefault("properties", {})[path.leaf] = prop
    if required and path.leaf not in node.get("required", ()):
        node.setdefault("required", []).append(path.leaf)


def leaf_schemas(schema: dict[str, Any], path: BodyPath) -> Iterator[dict[str, Any]]:
    """Yield the schema(s) of the field at ``path`` (list fields yield their item schema)."""
    for obj in objects(schema, path.parent):
        prop = obj.get("properties", {}).get(path.leaf)
        if isinstance(prop, dict):
            for variant in _variants(prop):
                yield variant
                if isinstance(variant.get("items"), dict):
                    yield from _variants(variant["items"])


def prune_empty(schema: dict[str, Any], path: BodyPath) -> None:
    """Drop the object schemas on ``path``'s way that were left with no properties."""
    keys = path.parent
    for depth in range(len(keys), 0, -1):
        head, name = keys[: depth - 1], keys[depth - 1]
        if not isinstance(name, str):
            return
        for obj in objects(schema, head):
            child = obj.get("properties", {}).get(name)
            if isinstance(child, dict) and child.get("properties") == {}:
                del obj["properties"][name]
                if name in obj.get("required", ()):
                    obj["required"] = [r for r in obj["required"] if r != name]
