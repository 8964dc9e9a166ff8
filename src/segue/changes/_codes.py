"""Error codes the newer version tells apart and the old version does not: many to one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from segue import _bodypath as bp
from segue._errors import DeclarationError
from segue._routes import RouteKey
from segue.changes import _schema
from segue.changes._base import BodyChange, FieldRow, Step, scope_of


class ErrorCodeMapped(BodyChange):
    """Error codes of the newer version that the old version spells as one (or fewer) codes.

    Applies to error bodies (status ≥ 400) only. A code names one kind of error, so codes
    are matched by value whatever the status; codes not named pass unchanged. The OpenAPI
    error schemas' ``enum``/``const`` at ``path`` are re-spelled the same way.

    Args:
        codes: newer code → old code; several newer codes may share one old code.
        path: where the code sits in the error body when this change runs. Going down,
            changes run last declared first: declared after an ``ErrorEnvelopeReshaped``
            this is the newer envelope's path, declared before it the old one's.
        routes: the routes whose errors carry it (``None``: every route, and the errors
            segue itself answers).

    Example:
        v1 has one 404 code where v2 names the missing resource::

            ErrorCodeMapped({"TABLE_NOT_FOUND": "NOT_FOUND", "ROW_NOT_FOUND": "NOT_FOUND"})
    """

    kind: ClassVar[str] = "error code mapped"
    status = "error"

    def __init__(
        self,
        codes: Mapping[str, str],
        *,
        path: str = "code",
        routes: Iterable[str | RouteKey] | str | None = None,
    ) -> None:
        what = f"ErrorCodeMapped(path={path!r})"
        if not isinstance(codes, Mapping) or not codes:
            raise DeclarationError(f"{what}: codes must be a non-empty mapping newer → old")
        for newer, old in codes.items():
            if not isinstance(newer, str) or not isinstance(old, str) or not newer or not old:
                raise DeclarationError(f"{what}: codes must be non-empty strings: {newer!r}")
            if newer == old:
                raise DeclarationError(f"{what}: {newer!r} maps to itself")
        self.path = bp.parse(path)
        self.to_old = dict(codes)
        self.routes = scope_of(routes)
        # old code → the newer codes it stands for, in declaration order (for describing).
        self.merged: dict[str, list[str]] = {}
        for newer, old in self.to_old.items():
            self.merged.setdefault(old, []).append(newer)

    def down(self, body: Any) -> Any:
        to_old = self.to_old
        bp.update(body, self.path, lambda v: to_old.get(v, v) if isinstance(v, str) else v)
        return body

    def schema_down(self, schema: dict[str, Any]) -> None:
        to_old = self.to_old
        for leaf in _schema.leaf_schemas(schema, self.path):
            if "enum" in leaf:
                mapped = [to_old.get(v, v) if isinstance(v, str) else v for v in leaf["enum"]]
                leaf["enum"] = [v for i, v in enumerate(mapped) if v not in mapped[:i]]
            if isinstance(leaf.get("const"), str):
                leaf["const"] = to_old.get(leaf["const"], leaf["const"])

    def describe(self) -> str:
        groups = "; ".join(
            f"{_listed(newer, 'and')} → `{old}`" for old, newer in self.merged.items()
        )
        return f"error codes at `{self.path.text}` are merged: {groups}"

    def field_rows(self, step: Step) -> list[FieldRow]:
        text = "; ".join(
            f"{step.newer} codes {_listed(newer, 'and')} are all `{old}` in {step.old}"
            if len(newer) > 1
            else f"{step.newer} code `{newer[0]}` is `{old}` in {step.old}"
            for old, newer in self.merged.items()
        )
        cell = f"`{self.path.text}`"
        return [FieldRow(cell, cell, text)]

    def behaviour(self, step: Step, where: str) -> str | None:
        sentences = [
            f"error `{self.path.text}` `{old}` of {step.old} is {_listed(newer, 'or')} in "
            f"{step.newer}; a client checking for `{old}` checks for "
            + ("each of them" if len(newer) > 1 else "that")
            + f" in {step.newer}"
            for old, newer in self.merged.items()
        ]
        return f"{where}: " + "; ".join(sentences) + "."


def _listed(codes: list[str], last: str) -> str:
    quoted = [f"`{code}`" for code in codes]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + f" {last} " + quoted[-1]
