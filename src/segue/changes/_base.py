"""What every change kind shares: the routes it is scoped to and how it describes itself.

Three families, told apart by what they touch:

* route changes (``RouteMoved``, ``RouteAbsent``, ``RouteRemoved``) shape a version's route
  table when declarations compile and do nothing per request;
* body changes translate a request body up (old → newer) and a response body down
  (newer → old), and edit the JSON Schemas of the OpenAPI document the same way;
* query changes translate query parameters up.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Literal

from segue._routes import RouteKey
from segue.changes._fused import Snippet, TopDown, fuse

Scope = tuple[RouteKey, ...] | None
Status = Literal["success", "error"]


def scope_of(routes: Iterable[str | RouteKey] | str | None) -> Scope:
    """Normalise a ``routes=`` argument; ``None`` means every route of the version."""
    if routes is None:
        return None
    if isinstance(routes, str):
        routes = [routes]
    return tuple(RouteKey.parse(r) for r in routes)


class Change:
    """Base of every declaration; subclasses set ``kind`` and implement ``describe``."""

    kind: ClassVar[str] = "change"
    routes: Scope = None

    def describe(self) -> str:
        """One sentence for the migration guide and the OpenAPI description."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()})"


class BodyChange(Change):
    """A change to JSON bodies: ``up`` mutates a request body, ``down`` a response body."""

    on_request: bool = False
    on_response: bool = True
    status: Status = "success"
    # ``down`` for a dict body as lines of code, set where the change touches only
    # top-level fields: a route whose changes all have one runs them as one function.
    down_snippet: Snippet | None = None
    _down_top: TopDown | None = None

    def up(self, body: Any) -> Any:
        """Translate a request body from the old version to the newer one (in place)."""
        return body

    def down(self, body: Any) -> Any:
        """Translate a response body from the newer version to the old one (in place)."""
        if self.down_snippet is None:
            return self.down_nested(body)
        if type(body) is dict:
            if self._down_top is None:
                self._down_top = fuse([self.down_snippet], repr(self))
            self._down_top(body)
        return body

    def down_nested(self, body: Any) -> Any:
        """``down`` for a change without ``down_snippet``: the general walk into the body."""
        return body

    def schema_up(self, schema: dict[str, Any]) -> None:
        """Edit a newer request schema into the old one (same direction as ``down``)."""

    def schema_down(self, schema: dict[str, Any]) -> None:
        """Edit a newer response schema into the old one."""


class QueryChange(Change):
    """A change to query parameters, translated up only (responses carry none)."""

    def up_query(self, query: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Translate query parameters up; a function of ``query`` alone (no request state),
        so what it makes of an empty query is computed once."""
        raise NotImplementedError

    def parameters_down(self, parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Edit a newer operation's parameter list into the old one."""
        return parameters
