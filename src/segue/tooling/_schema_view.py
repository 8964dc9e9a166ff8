"""A JSON Schema flattened into what it allows, whatever combinators spelled it.

``anyOf``/``oneOf`` read as the union of their branches (a field any branch has, a type
any branch allows, ``{"type": "null"}`` making a schema nullable); ``allOf`` as the
intersection of its parts. :mod:`segue.tooling._diff` compares two such views.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Schema = dict[str, Any]


@dataclass
class View:
    """One schema flattened: what it allows, whatever combinators spelled it."""

    types: frozenset[str] | None = None  # None: any type
    enum: tuple[Any, ...] | None = None  # None: any value
    properties: dict[str, Schema] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    items: Schema | None = None
    values: Schema | None = None  # additionalProperties as a schema


def view(schema: Schema) -> View:
    out = _own(schema)
    for part in schema.get("allOf", []):
        if isinstance(part, dict):
            out = _both(out, view(part))
    branches = [*schema.get("anyOf", []), *schema.get("oneOf", [])]
    views = [view(b) for b in branches if isinstance(b, dict)]
    return _both(out, _either(views)) if views else out


def _own(schema: Schema) -> View:
    spelled = schema.get("type")
    types = None
    if isinstance(spelled, str):
        types = frozenset([spelled])
    elif isinstance(spelled, list):
        types = frozenset(str(t) for t in spelled)
    if types is not None and schema.get("nullable") is True:
        types |= {"null"}
    enum = tuple(schema["enum"]) if isinstance(schema.get("enum"), list) else None
    if "const" in schema:
        enum = (schema["const"],)
    properties = schema.get("properties")
    extra = schema.get("additionalProperties")
    items = schema.get("items")
    return View(
        types=types,
        enum=enum,
        properties=dict(properties) if isinstance(properties, dict) else {},
        required=frozenset(schema.get("required", ())),
        items=items if isinstance(items, dict) else None,
        values=extra if isinstance(extra, dict) else None,
    )


def _both(a: View, b: View) -> View:
    """What satisfies both views (``allOf``)."""
    types = b.types if a.types is None else a.types if b.types is None else a.types & b.types
    enum = b.enum if a.enum is None else a.enum
    if a.enum is not None and b.enum is not None:
        enum = tuple(v for v in a.enum if v in b.enum)
    properties = dict(a.properties)
    for name, sub in b.properties.items():
        properties[name] = {"allOf": [properties[name], sub]} if name in properties else sub
    return View(
        types=types,
        enum=enum,
        properties=properties,
        required=a.required | b.required,
        items=_join("allOf", [s for s in (a.items, b.items) if s is not None]),
        values=_join("allOf", [s for s in (a.values, b.values) if s is not None]),
    )


def _either(views: list[View]) -> View:
    """What satisfies any one view (``anyOf``/``oneOf``): a null branch only adds null."""
    types: frozenset[str] | None = frozenset()
    for view in views:
        types = None if types is None or view.types is None else types | view.types
    valued = [v for v in views if v.types != frozenset(["null"])]
    enum: tuple[Any, ...] | None = None
    if valued and all(v.enum is not None for v in valued):
        enum = tuple(_unique(x for v in valued for x in v.enum or ()))
    grouped: dict[str, list[Schema]] = {}
    for view in views:
        for name, sub in view.properties.items():
            grouped.setdefault(name, []).append(sub)
    objects = [v for v in valued if v.properties or (v.types and "object" in v.types)]
    required = frozenset.intersection(*(v.required for v in objects)) if objects else frozenset()
    return View(
        types=types,
        enum=enum,
        properties={name: _join("anyOf", subs) or {} for name, subs in grouped.items()},
        required=required,
        items=_join("anyOf", [v.items for v in views if v.items is not None]),
        values=_join("anyOf", [v.values for v in views if v.values is not None]),
    )


def _join(combinator: str, schemas: list[Schema]) -> Schema | None:
    if not schemas:
        return None
    return schemas[0] if len(schemas) == 1 else {combinator: schemas}


def _unique(values: Any) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


def spell(types: frozenset[str]) -> str:
    return "|".join(sorted(types, key=lambda t: (t == "null", t)))


def covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)
