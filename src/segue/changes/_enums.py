"""Enum values that differ between versions, e.g. ``full``/``maybe`` ↔ ``high``/``medium``."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any, ClassVar

from segue import _bodypath as bp
from segue._errors import ConflictError
from segue._routes import RouteKey
from segue.changes import _schema
from segue.changes._base import BodyChange, FieldRow, Step, markdown_value, scope_of
from segue.changes._fields import On, _sides
from segue.changes._fused import Snippet


class EnumMapped(BodyChange):
    """Values of the field at ``path`` are spelled differently in the old version.

    Args:
        path: the field, e.g. ``"match"`` or ``"data[].match"`` (a list field maps each item).
        values: old value → newer value; values not named pass unchanged.
        routes: the routes whose bodies carry it (``None``: every route).
        on: ``"both"`` (default), ``"request"`` or ``"response"``.

    Example:
        ``EnumMapped("confidence", {"full": "high", "maybe": "medium"})``
    """

    kind: ClassVar[str] = "enum mapped"

    def __init__(
        self,
        path: str,
        values: Mapping[Any, Any],
        *,
        routes: Iterable[str | RouteKey] | str | None = None,
        on: On = "both",
    ) -> None:
        self.path = bp.parse(path)
        self.to_new = dict(values)
        self.to_old = {new: old for old, new in self.to_new.items()}
        if len(self.to_old) != len(self.to_new):
            raise ConflictError(f"EnumMapped({path!r}) maps two old values to one new value")
        self.routes = scope_of(routes)
        self.on_request, self.on_response = _sides(on)
        if not self.path.parent:  # bp.update, for one dict
            self.down_snippet = Snippet(
                "if {leaf} in body:\n"
                "    value = body[{leaf}]\n"
                "    if isinstance(value, list):\n"
                "        body[{leaf}] = [{to_old}.get(v, v) for v in value]\n"
                "    else:\n"
                "        body[{leaf}] = {to_old}.get(value, value)",
                {"leaf": self.path.leaf, "to_old": self.to_old},
            )

    def up(self, body: Any) -> Any:
        to_new = self.to_new
        # A client may send an object or array where the enum belongs: pass it on untouched
        # for the newer version to reject, rather than fail looking it up.
        bp.update(body, self.path, lambda v: to_new.get(v, v) if isinstance(v, Hashable) else v)
        return body

    def down_nested(self, body: Any) -> Any:
        to_old = self.to_old
        bp.update(body, self.path, lambda v: to_old.get(v, v))
        return body

    def schema_up(self, schema: dict[str, Any]) -> None:
        for leaf in _schema.leaf_schemas(schema, self.path):
            if "enum" in leaf:
                leaf["enum"] = [self.to_old.get(v, v) for v in leaf["enum"]]
            if "const" in leaf:
                leaf["const"] = self.to_old.get(leaf["const"], leaf["const"])

    schema_down = schema_up

    def describe(self) -> str:
        pairs = ", ".join(f"`{old}` → `{new}`" for old, new in self.to_new.items())
        return f"values of `{self.path.text}` are renamed: {pairs}"

    def field_rows(self, step: Step) -> list[FieldRow]:
        pairs = ", ".join(
            f"`{markdown_value(old)}` → `{markdown_value(new)}`" for old, new in self.to_new.items()
        )
        cell = f"`{self.path.text}`"
        return [FieldRow(cell, cell, f"values: {pairs}")]
