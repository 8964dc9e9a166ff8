"""Field changes: renamed, added in the newer version, removed from it — at any depth."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import Any, ClassVar, Literal

from segue import _bodypath as bp
from segue._errors import DeclarationError
from segue._routes import RouteKey
from segue.changes import _schema
from segue.changes._base import NO_FIELD, BodyChange, FieldRow, Step, markdown_value, scope_of
from segue.changes._fused import Snippet

On = Literal["request", "response", "both"]
Compute = Callable[[dict[str, Any]], Any]
_MISSING: Any = object()


def _sides(on: On) -> tuple[bool, bool]:
    if on not in ("request", "response", "both"):
        raise DeclarationError(f"on={on!r}: want 'request', 'response' or 'both'")
    return on in ("request", "both"), on in ("response", "both")


class FieldRenamed(BodyChange):
    """A field called ``path``'s last key in the old version is ``new_name`` in the newer.

    Args:
        path: where the field sits in the old version, e.g. ``"data[].id"``.
        new_name: its name in the newer version.
        routes: the routes whose bodies carry it (``None``: every route).
        on: which bodies carry it: ``"response"`` (default), ``"request"`` or ``"both"``.

    Example:
        ``FieldRenamed("id", "conversation_id", routes=["GET /conversations/{id}"])``
    """

    kind: ClassVar[str] = "field renamed"

    def __init__(
        self,
        path: str,
        new_name: str,
        *,
        routes: Iterable[str | RouteKey] | str | None = None,
        on: On = "response",
    ) -> None:
        self.path = bp.parse(path)
        self.new_path = self.path.sibling(new_name)
        self.old_name, self.new_name = self.path.leaf, new_name
        self.routes = scope_of(routes)
        self.on_request, self.on_response = _sides(on)
        if not self.path.parent:
            self.down_snippet = Snippet(
                "if {new} in body:\n    body[{old}] = body.pop({new})",
                {"new": new_name, "old": self.old_name},
            )

    def up(self, body: Any) -> Any:
        for parent in bp.parents(body, self.path):
            bp.rename(parent, self.old_name, self.new_name)
        return body

    def down_nested(self, body: Any) -> Any:
        for parent in bp.parents(body, self.new_path):
            bp.rename(parent, self.new_name, self.old_name)
        return body

    def schema_up(self, schema: dict[str, Any]) -> None:
        _schema.rename_property(schema, self.new_path, self.new_name, self.old_name)

    schema_down = schema_up

    def describe(self) -> str:
        return f"`{self.path.text}` is renamed to `{self.new_path.text}`"

    def field_rows(self, step: Step) -> list[FieldRow]:
        return [FieldRow(f"`{self.path.text}`", f"`{self.new_path.text}`", "renamed")]


class _ValueSource:
    """A constant default or a function of the enclosing object, for fields filled in.

    A default that is a dict or a list is copied into each body: later changes and adapters
    change bodies in place, and a shared object would carry those changes to the next body.
    """

    def __init__(self, default: Any, compute: Compute | None, what: str) -> None:
        if default is not _MISSING and compute is not None:
            raise DeclarationError(f"{what}: give default= or compute=, not both")
        self.default, self.compute = default, compute
        self._copied = isinstance(default, dict | list)

    @property
    def given(self) -> bool:
        return self.default is not _MISSING or self.compute is not None

    def value(self, obj: dict[str, Any]) -> Any:
        """The value for the field of ``obj``, the enclosing object."""
        if self.compute is not None:
            return self.compute(obj)
        return deepcopy(self.default) if self._copied else self.default

    def filler(self, leaf: str) -> Snippet:
        """Lines filling in the top-level field ``leaf`` of a dict body."""
        if self.compute is not None:
            return Snippet(
                "if {leaf} not in body:\n    body[{leaf}] = {compute}(body)",
                {"leaf": leaf, "compute": self.compute},
            )
        if self._copied:
            return Snippet(
                "if {leaf} not in body:\n    body[{leaf}] = {copy}({default})",
                {"leaf": leaf, "copy": deepcopy, "default": self.default},
            )
        return Snippet(
            "if {leaf} not in body:\n    body[{leaf}] = {default}",
            {"leaf": leaf, "default": self.default},
        )

    def fill(self, body: Any, path: bp.BodyPath) -> None:
        if not path.parent and type(body) is dict:
            if path.leaf not in body:
                body[path.leaf] = self.value(body)
            return
        for parent in bp.parents(body, path):
            if path.leaf not in parent:
                parent[path.leaf] = self.value(parent)


class FieldAdded(BodyChange):
    """A field that exists only in the newer version.

    Responses going down lose it; requests going up get ``default`` (or ``compute(obj)``)
    when the old client did not send it.

    Args:
        path: where the field sits in the newer version, e.g. ``"project_id"``.
        default: value given to old requests that lack the field.
        compute: function of the enclosing request object giving that value instead.
        routes: the routes whose bodies carry it (``None``: every route).
        on: ``"response"`` (default), ``"request"`` or ``"both"``.
    """

    kind: ClassVar[str] = "field added"

    def __init__(
        self,
        path: str,
        *,
        default: Any = _MISSING,
        compute: Compute | None = None,
        routes: Iterable[str | RouteKey] | str | None = None,
        on: On = "response",
    ) -> None:
        self.path = bp.parse(path)
        self.source = _ValueSource(default, compute, f"FieldAdded({path!r})")
        self.routes = scope_of(routes)
        self.on_request, self.on_response = _sides(on)
        if not self.path.parent:
            self.down_snippet = Snippet("body.pop({leaf}, None)", {"leaf": self.path.leaf})

    def up(self, body: Any) -> Any:
        if self.source.given:
            self.source.fill(body, self.path)
        return body

    def down_nested(self, body: Any) -> Any:
        bp.pop(body, self.path)
        return body

    def schema_up(self, schema: dict[str, Any]) -> None:
        _schema.drop_property(schema, self.path)

    schema_down = schema_up

    def describe(self) -> str:
        return f"`{self.path.text}` is new in this version"

    def field_rows(self, step: Step) -> list[FieldRow]:
        text = f"new in {step.newer}"
        if self.on_request and self.source.given:
            text += f"; {step.old} requests without it get " + (
                f"`{markdown_value(self.source.default)}`"
                if self.source.compute is None
                else "a computed value"
            )
        return [FieldRow(NO_FIELD, f"`{self.path.text}`", text)]


class FieldRemoved(BodyChange):
    """A field the old version had and the newer one dropped.

    Responses going down get it back as ``default`` or ``compute(obj)``; requests going up
    lose it.

    Args:
        path: where the field sat in the old version.
        default: the value old clients receive.
        compute: function of the enclosing response object giving that value instead.
        schema: its JSON Schema, for the old version's OpenAPI document.
        routes: the routes whose bodies carry it (``None``: every route).
        on: ``"response"`` (default), ``"request"`` or ``"both"``.
    """

    kind: ClassVar[str] = "field removed"

    def __init__(
        self,
        path: str,
        *,
        default: Any = _MISSING,
        compute: Compute | None = None,
        schema: dict[str, Any] | None = None,
        routes: Iterable[str | RouteKey] | str | None = None,
        on: On = "response",
    ) -> None:
        self.path = bp.parse(path)
        self.source = _ValueSource(default, compute, f"FieldRemoved({path!r})")
        self.on_request, self.on_response = _sides(on)
        if self.on_response and not self.source.given:
            raise DeclarationError(
                f"FieldRemoved({path!r}) on responses needs default= or compute="
            )
        self.schema = schema or {}
        self.routes = scope_of(routes)
        if not self.path.parent and self.source.given:
            self.down_snippet = self.source.filler(self.path.leaf)

    def up(self, body: Any) -> Any:
        bp.pop(body, self.path)
        return body

    def down_nested(self, body: Any) -> Any:
        self.source.fill(body, self.path)
        return body

    def schema_up(self, schema: dict[str, Any]) -> None:
        _schema.add_property(schema, self.path, dict(self.schema), required=False)

    def schema_down(self, schema: dict[str, Any]) -> None:
        _schema.add_property(schema, self.path, dict(self.schema), required=True)

    def describe(self) -> str:
        return f"`{self.path.text}` was removed in the next version"

    def field_rows(self, step: Step) -> list[FieldRow]:
        text = f"removed in {step.newer}"
        if self.on_response:
            text += f"; {step.old} still answers with it"
        return [FieldRow(f"`{self.path.text}`", NO_FIELD, text)]
