"""What every change kind shares: the routes it is scoped to and how it describes itself.

Three families, told apart by what they touch:

* route changes (``RouteMoved``, ``RouteAbsent``, ``RouteRemoved``) shape a version's route
  table when declarations compile and do nothing per request;
* body changes translate a request body up (old → newer) and a response body down
  (newer → old), and edit the JSON Schemas of the OpenAPI document the same way;
* query changes translate query parameters up.

Each kind also says what it means for the migration guide, through the ``field_rows``,
``route_rows`` and ``behaviour`` methods below, so the guide loops over declarations and
a new kind needs no edit there. Their text is Markdown.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Literal, NamedTuple

import orjson

from segue._routes import RouteKey
from segue.changes._fused import Snippet, TopDown, fuse

Scope = tuple[RouteKey, ...] | None
Status = Literal["success", "error"]
Group = Literal["methods", "queries", "bodies", "retired", "absent"]
"""Where a kind's line sits in the guide's "Behaviour that changes" list, in this order
(the routes served by adapters are listed between ``bodies`` and ``retired``)."""


NO_FIELD = "—"  # a guide cell for a field one of the two versions lacks


class Step(NamedTuple):
    """One step of the migration guide: from version ``old`` to the next ``newer`` one.

    Example: ``Step("v1", "v2", "/api/v2")``.
    """

    old: str
    newer: str
    newer_prefix: str  # the newer version's first base path


class FieldRow(NamedTuple):
    """A row of the guide's "Field changes" table (the guide adds the route and the body).

    Example: ``FieldRow("`id`", "`widget_id`", "renamed")``; ``NO_FIELD`` marks no field.
    """

    old: str
    newer: str
    change: str


class RouteRow(NamedTuple):
    """A row of the guide's "Route mapping" table that no old route gives, e.g. a route
    only the newer version has."""

    old: str
    newer: str
    notes: str


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

    # Where ``behaviour`` lines of this kind are listed in the guide.
    guide_group: ClassVar[Group] = "bodies"

    def route_rows(self, step: Step) -> list[RouteRow]:
        """Rows this declaration adds to the guide's route table (by default none)."""
        return []

    def behaviour(self, step: Step, where: str) -> str | None:
        """This declaration's line in the guide's "Behaviour that changes", if any.

        Args:
            step: the versions the guide section goes between.
            where: the routes concerned, in Markdown (e.g. ``"Every route"``).
        """
        return None

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

    def field_rows(self, step: Step) -> list[FieldRow]:
        """This change's rows in the guide's "Field changes" table, on each route it
        concerns (by default one row saying ``describe()``)."""
        return [FieldRow("", "", self.describe())]


class QueryChange(Change):
    """A change to query parameters, translated up only (responses carry none)."""

    guide_group: ClassVar[Group] = "queries"

    def up_query(self, query: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Translate query parameters up; a function of ``query`` alone (no request state),
        so what it makes of an empty query is computed once."""
        raise NotImplementedError

    def parameters_down(self, parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Edit a newer operation's parameter list into the old one."""
        return parameters

    def behaviour(self, step: Step, where: str) -> str | None:
        return f"{where}: {self.describe()}"


def markdown_value(value: Any) -> str:
    """``value`` as the guide quotes it: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else orjson.dumps(value).decode()
