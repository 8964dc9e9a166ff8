"""Envelopes that moved fields around: pagination blocks and error bodies.

Both are described the same way: the logical fields of the envelope and where each version
keeps them. A logical field only the newer version names is dropped going down; containers
left empty disappear.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from segue import _bodypath as bp
from segue._errors import DeclarationError
from segue._routes import RouteKey
from segue.changes import _schema
from segue.changes._base import NO_FIELD, BodyChange, FieldRow, Step, scope_of


class _Reshape(BodyChange):
    def __init__(
        self,
        old: Mapping[str, str],
        new: Mapping[str, str],
        routes: Iterable[str | RouteKey] | str | None,
    ) -> None:
        unknown = set(old) - set(new)
        if unknown:
            raise DeclarationError(
                f"{type(self).__name__}: old fields {sorted(unknown)} have no newer location"
            )
        self.old = {name: bp.parse(p) for name, p in old.items()}
        self.new = {name: bp.parse(p) for name, p in new.items()}
        self.routes = scope_of(routes)

    def down(self, body: Any) -> Any:
        if not isinstance(body, dict):
            return body
        found = {}
        for name, path in self.new.items():
            for parent in bp.parents(body, path):
                if path.leaf in parent:
                    found[name] = parent[path.leaf]
                    break
        for path in self.new.values():
            bp.pop(body, path, prune=True)
        for name, path in self.old.items():
            if name in found:
                bp.put(body, path, found[name])
        return body

    def schema_down(self, schema: dict[str, Any]) -> None:
        props: dict[str, Any] = {}
        for name, path in self.new.items():
            props[name] = next(iter(_schema.leaf_schemas(schema, path)), None) or {}
        for path in self.new.values():
            _schema.drop_property(schema, path)
            _schema.prune_empty(schema, path)
        for name, path in self.old.items():
            _schema.add_property(schema, path, props[name], required=False)

    def field_rows(self, step: Step) -> list[FieldRow]:
        return [
            FieldRow(
                "\n".join(f"`{name}` at `{path.text}`" for name, path in self.old.items())
                or NO_FIELD,
                "\n".join(f"`{name}` at `{path.text}`" for name, path in self.new.items()),
                self.describe(),
            )
        ]

    def behaviour(self, step: Step, where: str) -> str | None:
        return f"{where}: {self.describe()}."

    def _layout(self) -> str:
        return ", ".join(
            f"`{self.new[name].text}` → "
            + (f"`{self.old[name].text}`" if name in self.old else "dropped")
            for name in self.new
        )


class PaginationReshaped(_Reshape):
    """The pagination block of list responses moved, e.g. top-level ``next_cursor`` in v1
    vs ``pagination.next_cursor`` in v2, with v2-only ``pagination.total`` dropped.

    Args:
        old: logical field → where the old version keeps it.
        new: logical field → where the newer version keeps it.
        routes: the list routes concerned.

    Example::

        PaginationReshaped(
            old={"next_cursor": "next_cursor"},
            new={"next_cursor": "pagination.next_cursor", "limit": "pagination.limit"},
            routes=["GET /conversations/search"],
        )
    """

    kind: ClassVar[str] = "pagination reshaped"

    def __init__(
        self,
        *,
        old: Mapping[str, str],
        new: Mapping[str, str],
        routes: Iterable[str | RouteKey] | str | None,
    ) -> None:
        super().__init__(old, new, routes)

    def describe(self) -> str:
        return f"pagination fields move: {self._layout()}"


class ErrorEnvelopeReshaped(_Reshape):
    """Error bodies (status ≥ 400) have another shape in the old version.

    Example: v2 ``{error, code, details?, handoff?}`` ↔ v1 ``{error, code, path?}``::

        ErrorEnvelopeReshaped(
            old={"message": "error", "code": "code", "path": "path"},
            new={"message": "error", "code": "code", "path": "details.issues[0].path",
                 "details": "details", "handoff": "handoff"},
        )
    """

    kind: ClassVar[str] = "error envelope reshaped"
    status = "error"

    def __init__(
        self,
        *,
        old: Mapping[str, str],
        new: Mapping[str, str],
        routes: Iterable[str | RouteKey] | str | None = None,
    ) -> None:
        super().__init__(old, new, routes)

    def describe(self) -> str:
        return f"error bodies are reshaped: {self._layout()}"
