"""Breaking changes between two OpenAPI 3.x documents, as pure functions over dicts.

Routes are matched by method and path shape (``/widgets/{}``), so renaming a path
parameter is not a change. Schemas are compared after local ``$ref``s are resolved, in the
direction clients meet them: a request schema is what a client sends (a new required
field, a removed enum value or a changed type rejects a request that used to pass); a 2xx
JSON response schema is what a client reads (a removed field, a removed enum value or a
changed type breaks code that read it). ``anyOf``/``oneOf`` are read as the union of their
branches (a field any branch has, a type any branch allows, ``{"type": "null"}`` making a
schema nullable); ``allOf`` as the intersection of its parts.

Example::

    report = diff(old_document, new_document)
    if report.is_breaking:
        print(report.text())
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from segue._errors import DocumentError
from segue._openapi import deref
from segue.tooling._schema_view import View, covers, spell, view

Doc = dict[str, Any]
Schema = dict[str, Any]
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PARAM = re.compile(r"\{([^}/]*)\}")


class Kind(StrEnum):
    """What one finding says; :attr:`breaking` tells the two families apart."""

    ROUTE_REMOVED = "route-removed"
    STATUS_REMOVED = "status-removed"
    RESPONSE_FIELD_REMOVED = "response-field-removed"
    REQUEST_FIELD_REQUIRED = "request-field-required"
    PARAMETER_REQUIRED = "parameter-required"
    PARAMETER_REMOVED = "parameter-removed"
    ENUM_NARROWED = "enum-narrowed"
    TYPE_CHANGED = "type-changed"
    ROUTE_ADDED = "route-added"
    STATUS_ADDED = "status-added"
    RESPONSE_FIELD_ADDED = "response-field-added"
    REQUEST_FIELD_ADDED = "request-field-added"
    PARAMETER_ADDED = "parameter-added"
    ENUM_WIDENED = "enum-widened"
    TYPE_WIDENED = "type-widened"

    @property
    def breaking(self) -> bool:
        """Whether a client written against the old document can fail against the new."""
        return not self.value.endswith("-added") and not self.value.endswith("-widened")


@dataclass(frozen=True)
class Finding:
    """One difference: ``location`` reads like ``response 200 body.data[].id``."""

    kind: Kind
    route: str
    location: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        """The finding as JSON-able strings."""
        return {
            "kind": self.kind.value,
            "route": self.route,
            "location": self.location,
            "detail": self.detail,
        }

    def __str__(self) -> str:
        where = f" {self.location}" if self.location else ""
        return f"{self.kind.value}: {self.route}{where}: {self.detail}"


@dataclass(frozen=True)
class Report:
    """Every breaking change, and separately every non-breaking addition."""

    breaking: tuple[Finding, ...] = ()
    additions: tuple[Finding, ...] = ()

    @property
    def is_breaking(self) -> bool:
        """True when at least one change can break an existing client."""
        return bool(self.breaking)

    def as_dict(self) -> dict[str, Any]:
        """The report as a JSON-able dict."""
        return {
            "breaking": [f.as_dict() for f in self.breaking],
            "additions": [f.as_dict() for f in self.additions],
        }

    def text(self) -> str:
        """A readable list, breaking changes first."""
        lines = [
            f"{len(self.breaking)} breaking change(s)" if self.breaking else "no breaking changes"
        ]
        lines.extend(f"  {f}" for f in self.breaking)
        if self.additions:
            lines.append(f"{len(self.additions)} addition(s)")
            lines.extend(f"  {f}" for f in self.additions)
        return "\n".join(lines)


def diff(old: Doc, new: Doc) -> Report:
    """What changed from ``old`` to ``new``, each change named by route and location.

    Args:
        old: the document clients were written against.
        new: the document about to be served.

    Raises:
        DocumentError: either input is not an OpenAPI 3.x document.
    """
    before, after = _operations(old, "old"), _operations(new, "new")
    found: list[Finding] = []
    for ident, op in before.items():
        if ident in after:
            _compare_operation(found, op, after[ident])
        else:
            found.append(Finding(Kind.ROUTE_REMOVED, op.route, "", "the route is gone"))
    for ident, op in after.items():
        if ident not in before:
            found.append(Finding(Kind.ROUTE_ADDED, op.route, "", "a new route"))
    return Report(
        breaking=tuple(f for f in found if f.kind.breaking),
        additions=tuple(f for f in found if not f.kind.breaking),
    )


class _Operation(NamedTuple):
    route: str
    op: dict[str, Any]
    parameters: dict[tuple[str, str], dict[str, Any]]


def check(doc: Any, name: str) -> Doc:
    """``doc`` when it is an OpenAPI 3.x document; raise DocumentError naming ``name``."""
    if not isinstance(doc, dict) or not str(doc.get("openapi", "")).startswith("3."):
        raise DocumentError(f"{name}: not an OpenAPI 3.x document (no 'openapi: 3.x' field)")
    if not isinstance(doc.get("paths", {}), dict):
        raise DocumentError(f"{name}: 'paths' is not an object")
    return doc


def _operations(doc: Any, name: str) -> dict[tuple[str, str], _Operation]:
    doc = check(doc, name)
    paths = deref(doc.get("paths") or {}, doc)
    out = {}
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        names = _PARAM.findall(path)
        shape = _PARAM.sub("{}", path)
        for method in _METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                params = [*item.get("parameters", []), *op.get("parameters", [])]
                keyed = {_param_key(p, names): p for p in params if isinstance(p, dict)}
                route = f"{method.upper()} {path}"
                out[(method, shape)] = _Operation(route, op, keyed)
    return out


def _param_key(param: dict[str, Any], names: list[str]) -> tuple[str, str]:
    place, name = str(param.get("in")), str(param.get("name"))
    # Path parameters are matched by position: only the template's shape matters.
    if place == "path" and name in names:
        return (place, f"{{{names.index(name)}}}")
    return (place, name)


def _json_schema(container: Any) -> Any:
    content = container.get("content", {}) if isinstance(container, dict) else {}
    for media, entry in content.items():
        if media == "application/json" or media.endswith("+json"):
            return entry.get("schema") if isinstance(entry, dict) else None
    return None


def _compare_operation(found: list[Finding], old: _Operation, new: _Operation) -> None:
    sent = _Comparer(found, old.route, request=True)
    for key, param in old.parameters.items():
        where = f"{param.get('in')} parameter {param.get('name')}"
        partner = new.parameters.get(key)
        if partner is None:
            if key[0] in ("query", "path"):
                sent.note(Kind.PARAMETER_REMOVED, where, "the parameter is gone")
            continue
        if partner.get("required") and not param.get("required"):
            sent.note(Kind.PARAMETER_REQUIRED, where, "now required")
        sent.schema(param.get("schema"), partner.get("schema"), where)
    for key, param in new.parameters.items():
        if key not in old.parameters:
            where = f"{param.get('in')} parameter {param.get('name')}"
            if param.get("required"):
                sent.note(Kind.PARAMETER_REQUIRED, where, "a new required parameter")
            else:
                sent.note(Kind.PARAMETER_ADDED, where, "a new optional parameter")
    old_body, new_body = old.op.get("requestBody"), new.op.get("requestBody")
    was_required = isinstance(old_body, dict) and old_body.get("required")
    if isinstance(new_body, dict) and new_body.get("required") and not was_required:
        sent.note(Kind.REQUEST_FIELD_REQUIRED, "request body", "a request body is now required")
    sent.schema(_json_schema(old_body), _json_schema(new_body), "request body")
    _compare_responses(found, old, new)


def _compare_responses(found: list[Finding], old: _Operation, new: _Operation) -> None:
    read = _Comparer(found, old.route, request=False)
    before = {str(s): r for s, r in old.op.get("responses", {}).items() if str(s).startswith("2")}
    after = {str(s): r for s, r in new.op.get("responses", {}).items() if str(s).startswith("2")}
    for status, response in before.items():
        where = f"response {status}"
        if status not in after:
            now = f" (now {', '.join(after)})" if after else ""
            read.note(Kind.STATUS_REMOVED, where, f"{status} is no longer returned{now}")
            continue
        old_schema, new_schema = _json_schema(response), _json_schema(after[status])
        if isinstance(old_schema, dict) and not isinstance(new_schema, dict):
            read.note(Kind.TYPE_CHANGED, f"{where} body", "no longer a JSON body")
        read.schema(old_schema, new_schema, f"{where} body")
    for status in after:
        if status not in before:
            read.note(Kind.STATUS_ADDED, f"response {status}", f"{status} may be returned")


@dataclass
class _Comparer:
    """Walks two schemas side by side in one direction (sent by clients, or read by them)."""

    found: list[Finding]
    route: str
    request: bool

    def note(self, kind: Kind, location: str, detail: str) -> None:
        self.found.append(Finding(kind, self.route, location, detail))

    def schema(self, old: Any, new: Any, where: str) -> None:
        # A ``$ref`` left after resolving marks a cycle: the walk has been there already.
        if not isinstance(old, dict) or not isinstance(new, dict) or "$ref" in old or "$ref" in new:
            return
        a, b = view(old), view(new)
        self._types(a, b, where)
        self._enum(a, b, where)
        self._properties(a, b, where)
        self.schema(a.items, b.items, f"{where}[]")
        self.schema(a.values, b.values, f"{where}.*")

    def _types(self, a: View, b: View, where: str) -> None:
        if a.types is None or b.types is None or a.types == b.types:
            return
        detail = f"type was {spell(a.types)}, now {spell(b.types)}"
        # Only a request that now accepts more is safe; in a response any change is reported.
        widened = self.request and covers(b.types, a.types)
        self.note(Kind.TYPE_WIDENED if widened else Kind.TYPE_CHANGED, where, detail)

    def _enum(self, a: View, b: View, where: str) -> None:
        if a.enum is None:
            if b.enum is not None and self.request:
                self.note(Kind.ENUM_NARROWED, where, f"request now limited to {list(b.enum)!r}")
            return
        if b.enum is None:
            return
        removed = [v for v in a.enum if v not in b.enum]
        added = [v for v in b.enum if v not in a.enum]
        side = "request no longer accepts" if self.request else "response no longer returns"
        if removed:
            self.note(Kind.ENUM_NARROWED, where, f"{side} {removed!r}")
        if added:
            side = "request accepts" if self.request else "response may return"
            self.note(Kind.ENUM_WIDENED, where, f"{side} {added!r}")

    def _properties(self, a: View, b: View, where: str) -> None:
        for name, sub in a.properties.items():
            at = f"{where}.{name}"
            if name not in b.properties:
                # A field a client still sends is ignored or rejected by the server's own
                # rules, not by the contract: only a field clients read is reported.
                if not self.request:
                    self.note(Kind.RESPONSE_FIELD_REMOVED, at, f"{name!r} is no longer returned")
                continue
            if self.request and name in b.required and name not in a.required:
                self.note(Kind.REQUEST_FIELD_REQUIRED, at, f"{name!r} is now required")
            if not self.request and name in a.required and name not in b.required:
                self.note(Kind.RESPONSE_FIELD_REMOVED, at, f"{name!r} may now be absent")
            self.schema(sub, b.properties[name], at)
        for name in b.properties:
            if name in a.properties:
                continue
            at = f"{where}.{name}"
            if not self.request:
                self.note(Kind.RESPONSE_FIELD_ADDED, at, f"{name!r} is returned")
            elif name in b.required:
                self.note(Kind.REQUEST_FIELD_REQUIRED, at, f"new required field {name!r}")
            else:
                self.note(Kind.REQUEST_FIELD_ADDED, at, f"new optional field {name!r}")
