"""Query parameters that differ between versions: renamed, re-spelled, defaulted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from segue._errors import DeclarationError
from segue._routes import RouteKey
from segue.changes._base import QueryChange, Step, scope_of

_MISSING: Any = object()


class QueryMapped(QueryChange):
    """Old query parameter ``old`` becomes ``new`` in the newer version.

    Args:
        old: the parameter's name in the old version.
        new: its name in the newer version; ``None`` when the newer version has none.
        values: old value → newer value; ``None`` as a newer value drops the parameter.
            Values not named pass unchanged.
        default: the newer value to send when the old request omits ``old`` — how an old
            version whose default differs keeps its behaviour.
        routes: the routes that take it (``None``: every route).

    Example:
        v1 ``?fields=!messages`` vs v2 ``?include=messages``, v1 including by default::

            QueryMapped("fields", "include", values={"!messages": None}, default="messages")
    """

    kind: ClassVar[str] = "query parameter translated"

    def __init__(
        self,
        old: str,
        new: str | None,
        *,
        values: Mapping[str, str | None] | None = None,
        default: str | None = _MISSING,
        routes: Iterable[str | RouteKey] | str | None = None,
    ) -> None:
        if new is None and (values or default not in (_MISSING, None)):
            raise DeclarationError(f"QueryMapped({old!r}, None) can neither map nor default")
        self.old, self.new = old, new
        self.values = dict(values or {})
        self.default = default
        self.routes = scope_of(routes)

    def up_query(self, query: list[tuple[str, str]]) -> list[tuple[str, str]]:
        old = self.old
        kept, given = [], []
        for pair in query:
            if pair[0] == old:
                given.append(pair[1])
            else:
                kept.append(pair)
        if self.new is None:
            return kept
        if not given:
            if self.default is not _MISSING and self.default is not None:
                kept.append((self.new, self.default))
            return kept
        for value in given:
            mapped = self.values.get(value, value)
            if mapped is not None:
                kept.append((self.new, mapped))
        return kept

    def parameters_down(self, parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        old_schema: dict[str, Any] = {"type": "string"}
        out = []
        for param in parameters:
            if param.get("in") == "query" and param.get("name") == self.new:
                old_schema = dict(param.get("schema") or old_schema)
                old_schema.pop("enum", None)
                old_schema.pop("default", None)
                continue
            out.append(param)
        out.append(
            {
                "name": self.old,
                "in": "query",
                "required": False,
                "schema": old_schema,
                "description": self.describe(),
            }
        )
        return out

    def describe(self) -> str:
        if self.new is None:
            return f"query parameter `{self.old}` is gone in the next version"
        parts = [f"query parameter `{self.old}` becomes `{self.new}`"]
        for old, new in self.values.items():
            parts.append(
                f"`{self.old}={old}` → "
                + (f"`{self.new}={new}`" if new is not None else f"no `{self.new}`")
            )
        if self.default is not _MISSING:
            parts.append(
                f"omitted `{self.old}` → "
                + (f"`{self.new}={self.default}`" if self.default is not None else "omitted")
            )
        return "; ".join(parts)

    def behaviour(self, step: Step, where: str) -> str | None:
        if self.new is None:
            return f"{where}: query parameter `{self.old}` is gone in {step.newer} (it is ignored)."
        text = f"query parameter `?{self.old}=` becomes `?{self.new}=`"
        mapped = [
            f"`{self.old}={old}` → " + (f"`{self.new}={new}`" if new else f"no `{self.new}`")
            for old, new in self.values.items()
        ]
        if mapped:
            text += " (" + "; ".join(mapped) + ")"
        text += "."
        default = self.default
        if isinstance(default, str):
            text += (
                f" Without `{self.old}`, {step.old} answers as {step.newer} does with "
                f"`?{self.new}={default}`; {step.newer}'s default differs, so send "
                f"`?{self.new}={default}` to keep {step.old}'s answer."
            )
        return f"{where}: {text}"
