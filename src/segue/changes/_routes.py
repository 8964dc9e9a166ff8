"""Route changes: a route that moved, one the old version lacks, one it retired."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from segue._errors import DeclarationError
from segue._routes import RouteKey
from segue.changes._base import Change, Group, RouteRow, Step


class RouteMoved(Change):
    """The old version serves this route at another method and/or path.

    Path parameters are carried over by name; ``params`` maps old names to newer ones where
    they differ. An old parameter the newer path lacks (e.g. a project id the newer version
    infers from the API key) is dropped, and stays visible to adapters.

    Args:
        old: ``"PUT /conversations/{id}"`` — the route as the old version spells it.
        new: ``"PATCH /conversations/{conversation_id}"`` — the same route in the newer one.
        params: old parameter name → newer one; by default, parameters are paired by
            position when the names differ and the counts match.
    """

    kind: ClassVar[str] = "route moved"

    def __init__(self, old: str, new: str, *, params: Mapping[str, str] | None = None) -> None:
        self.old, self.new = RouteKey.parse(old), RouteKey.parse(new)
        if params is None:
            params = _pair_by_position(self.old, self.new)
        self.params = dict(params)  # old name → new name
        missing = set(self.new.params) - set(self.params.values())
        if missing:
            raise DeclarationError(
                f"{self!r}: newer parameters {sorted(missing)} have no old counterpart"
            )
        if set(self.params) - set(self.old.params):
            raise DeclarationError(f"{self!r}: params names parameters the old path lacks")
        self.routes = (self.old,)

    guide_group: ClassVar[Group] = "methods"

    def describe(self) -> str:
        return f"`{self.old}` is `{self.new}` in the next version"

    def behaviour(self, step: Step, where: str) -> str | None:
        # A path that moved shows in the route table; a method that changes is said here too.
        if self.old.method == self.new.method:
            return None
        return (
            f"`{self.old}` is `{self.new}` in {step.newer}: the method changes from "
            f"`{self.old.method}` to `{self.new.method}`."
        )


def _pair_by_position(old: RouteKey, new: RouteKey) -> dict[str, str]:
    same = {p: p for p in old.params if p in new.params}
    rest_old = [p for p in old.params if p not in new.params]
    rest_new = [p for p in new.params if p not in old.params]
    if len(rest_new) <= len(rest_old):
        # Trailing parameters pair up: /projects/{pid}/keys/{id} → /keys/{key_id}.
        same.update(zip(rest_old[len(rest_old) - len(rest_new) :], rest_new, strict=True))
    return same


class RouteAbsent(Change):
    """A route of the newer version that the old version does not have: 404 there.

    Args:
        route: the route, in the newer version's spelling.
    """

    kind: ClassVar[str] = "route absent"

    def __init__(self, route: str) -> None:
        self.route = RouteKey.parse(route)
        self.routes = (self.route,)

    guide_group: ClassVar[Group] = "absent"

    def describe(self) -> str:
        return f"`{self.route}` does not exist in this version"

    def route_rows(self, step: Step) -> list[RouteRow]:
        newer = f"`{self.route.method} {step.newer_prefix}{self.route.path}`"
        return [RouteRow(f"— (`404` in {step.old})", newer, f"new in {step.newer}")]

    def behaviour(self, step: Step, where: str) -> str | None:
        return f"`{self.route}` is new in {step.newer}; {step.old} answers `404`."


class RouteRemoved(Change):
    """A route the old version once had and retired: it answers 410 naming its replacement.

    Args:
        route: the retired route, in the old version's spelling.
        replacement: what to call instead, e.g. ``"GET /api/v2/keys"``.
    """

    kind: ClassVar[str] = "route removed"

    def __init__(self, route: str, *, replacement: str) -> None:
        self.route = RouteKey.parse(route)
        self.replacement = replacement
        self.routes = (self.route,)

    guide_group: ClassVar[Group] = "retired"

    def describe(self) -> str:
        return f"`{self.route}` is gone: use `{self.replacement}`"

    def behaviour(self, step: Step, where: str) -> str | None:
        return f"`{self.route}` was retired and answers `410 Gone`; use `{self.replacement}`."
