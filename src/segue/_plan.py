"""Compiling one version's declarations into a route table and per-route transform plans.

Runs once at start-up. Every declaration is checked against the routes of the next newer
version here, so a dangling or contradictory declaration fails before the first request,
with a message naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from segue._adapters import Adapter
from segue._errors import ConflictError, DeclarationError
from segue._routes import RouteKey, specificity
from segue._translator import Translator
from segue._version import Version
from segue.changes import (
    BodyChange,
    Change,
    FieldAdded,
    FieldRemoved,
    FieldRenamed,
    QueryChange,
    RouteAbsent,
    RouteMoved,
    RouteRemoved,
)


@dataclass(eq=False)  # a route is itself: compared by identity
class RoutePlan:
    """How one route of an old version reaches the next newer version and back."""

    key: RouteKey
    target: RouteKey | None
    params: dict[str, str]  # old parameter name → newer one
    pattern: re.Pattern[str] = field(init=False)
    label: str = field(init=False)
    query_ops: list[QueryChange] = field(default_factory=list)
    request_ops: list[BodyChange] = field(default_factory=list)
    response_ops: list[BodyChange] = field(default_factory=list)
    error_ops: list[BodyChange] = field(default_factory=list)
    adapter: Adapter | None = None
    removed: RouteRemoved | None = None
    fast: bool = False  # set by finish(): one forward call, path unchanged below the prefix
    translator: Translator = field(init=False, repr=False)  # set by finish()

    def __post_init__(self) -> None:
        self.pattern = self.key.pattern()
        self.label = str(self.key)  # for scope["segue.route"], set on every request

    @property
    def same_path(self) -> bool:
        """Whether a concrete old path is also the newer path (only names differ, if any)."""
        target = self.target
        return (
            target is not None
            and target.shape == self.key.shape
            and [self.params.get(p) for p in self.key.params] == list(target.params)
        )

    @property
    def direct(self) -> bool:
        """Whether one forward call serves it: no adapter, not removed."""
        return self.adapter is None and self.removed is None and self.target is not None

    def attach(self, change: Change) -> None:
        if isinstance(change, QueryChange):
            self.query_ops.append(change)
        elif isinstance(change, BodyChange):
            if change.status == "error":
                self.error_ops.append(change)
            else:
                if change.on_request:
                    self.request_ops.append(change)
                if change.on_response:
                    self.response_ops.append(change)

    def finish(self) -> None:
        """Compile the attached changes into the route's translator."""
        # Responses travel down: undo the declarations in reverse order.
        self.response_ops.reverse()
        self.error_ops.reverse()
        self.fast = self.direct and self.same_path
        self.translator = Translator(
            self.query_ops, self.request_ops, self.response_ops, self.error_ops, self.label
        )

    def newer_path(self, values: dict[str, str]) -> str:
        assert self.target is not None
        return self.target.fill({self.params[k]: v for k, v in values.items() if k in self.params})


@dataclass
class VersionPlan:
    """The compiled form of one old version."""

    version: Version
    routes: list[RoutePlan]
    error_ops: list[BodyChange]  # version-wide, for errors raised by segue itself
    by_method: dict[tuple[str, int], list[RoutePlan]] = field(init=False)
    literal: dict[tuple[str, str], RoutePlan] = field(init=False)
    by_head: dict[tuple[str, str], tuple[RoutePlan, str]] = field(init=False)

    def __post_init__(self) -> None:
        # Routes without parameters are one dict look-up; the others are bucketed by method
        # and segment count, so a request tries only the patterns of its own bucket.
        self.by_method, self.literal, self.by_head = {}, {}, {}
        for plan in sorted(self.routes, key=lambda p: specificity(p.key)):
            if not plan.key.params:
                self.literal[(plan.key.method, plan.key.path)] = plan
                continue
            bucket = (plan.key.method, plan.key.path.count("/"))
            self.by_method.setdefault(bucket, []).append(plan)
        # The commonest shape, literal segments then one parameter (``/items/{id}``), is
        # also found by the literal part alone, with no pattern: wherever no route tried
        # before it in its bucket could match the same path.
        for tried in self.by_method.values():
            for position, candidate in enumerate(tried):
                head, _, last = candidate.key.path.rpartition("/")
                name = last[1:-1]
                if "{" in head or last != "{" + name + "}":
                    continue
                if not any(_overlap(other.key, candidate.key) for other in tried[:position]):
                    self.by_head[(candidate.key.method, head)] = (candidate, name)

    @property
    def keys(self) -> list[RouteKey]:
        return [p.key for p in self.routes]

    def match(self, method: str, path: str) -> tuple[RoutePlan | None, dict[str, str]]:
        """The route for ``method path`` and its parameters, or ``(None, {})``."""
        plan = self.literal.get((method, path))
        if plan is not None:
            return plan, {}
        head, _, last = path.rpartition("/")
        found_by_head = self.by_head.get((method, head))
        if found_by_head is not None and last:
            return found_by_head[0], {found_by_head[1]: last}
        for plan in self.by_method.get((method, path.count("/")), ()):
            found = plan.pattern.match(path)
            if found:
                return plan, found.groupdict()
        return None, {}

    def allowed(self, path: str) -> set[str]:
        """The methods some route of this version allows on ``path`` (for a 405)."""
        return {p.key.method for p in self.routes if p.pattern.match(path)}


def compile_version(version: Version, newer: Sequence[RouteKey]) -> VersionPlan:
    """Build ``version``'s route table from the newer version's routes and its declarations."""
    newer_by_ident = {key.ident: key for key in newer}

    def newer_key(change: Change, key: RouteKey) -> RouteKey:
        found = newer_by_ident.get(key.ident)
        if found is None:
            raise DeclarationError(
                f"{version.name}: {change!r} names {key}, which the next version does not have"
            )
        return found

    moved: dict[tuple[str, str], list[RouteMoved]] = {}
    absent: set[tuple[str, str]] = set()
    removed: list[RouteRemoved] = []
    for change in version.changes:
        if isinstance(change, RouteMoved):
            moved.setdefault(newer_key(change, change.new).ident, []).append(change)
        elif isinstance(change, RouteAbsent):
            ident = newer_key(change, change.route).ident
            if ident in moved:
                raise ConflictError(f"{version.name}: {change!r} contradicts a RouteMoved")
            absent.add(ident)
        elif isinstance(change, RouteRemoved):
            removed.append(change)

    plans: list[RoutePlan] = []
    for key in newer:
        if key.ident in absent:
            continue
        for move in moved.get(key.ident, ()):
            plans.append(RoutePlan(move.old, key, move.params))
        if key.ident not in moved:
            plans.append(RoutePlan(key, key, {p: p for p in key.params}))
    for gone in removed:
        plans.append(RoutePlan(gone.route, None, {}, removed=gone))
    for extra in version.adapters:
        existing = [p for p in plans if p.key.ident == extra.route.ident]
        if existing:
            if existing[0].removed is not None:
                raise ConflictError(f"{version.name}: adapter {extra.route} is a removed route")
            existing[0].adapter = extra
        else:
            plans.append(RoutePlan(extra.route, None, {}, adapter=extra))
    _check_unique(version, plans)

    version_errors: list[BodyChange] = []
    for change in version.changes:
        if isinstance(change, RouteMoved | RouteAbsent | RouteRemoved):
            continue
        for plan in _scope(version, change, plans):
            plan.attach(change)
        if isinstance(change, BodyChange) and change.status == "error" and change.routes is None:
            version_errors.append(change)
    for plan in plans:
        plan.finish()
        _check_fields(version, plan)
    version_errors.reverse()
    return VersionPlan(version, plans, version_errors)


def _scope(version: Version, change: Change, plans: list[RoutePlan]) -> Iterable[RoutePlan]:
    if change.routes is None:
        return plans
    chosen: list[RoutePlan] = []
    for key in change.routes:
        hits = [p for p in plans if p.key.ident == key.ident]
        hits = hits or [p for p in plans if p.target is not None and p.target.ident == key.ident]
        if not hits:
            raise DeclarationError(
                f"{version.name}: {change!r} names {key}, which neither {version.name} "
                "nor the next version has"
            )
        chosen.extend(h for h in hits if h not in chosen)
    return chosen


def _overlap(one: RouteKey, other: RouteKey) -> bool:
    """Whether some concrete path could match both templates (same segment count assumed):
    only two different literal segments in the same place keep them apart."""
    for a, b in zip(one.path.split("/"), other.path.split("/"), strict=True):
        if a != b and "{" not in a and "{" not in b:
            return False
    return True


def _check_unique(version: Version, plans: list[RoutePlan]) -> None:
    seen: dict[tuple[str, str], RoutePlan] = {}
    for plan in plans:
        if plan.key.ident in seen:
            raise ConflictError(
                f"{version.name}: two declarations give {plan.key} "
                f"(also {seen[plan.key.ident].key}); move or remove one"
            )
        seen[plan.key.ident] = plan


def _check_fields(version: Version, plan: RoutePlan) -> None:
    """Two field declarations about the same field of the same route contradict."""
    claims: dict[tuple[bool, str], Change] = {}
    for ops, is_request in ((plan.request_ops, True), (plan.response_ops, False)):
        for op in ops:
            if not isinstance(op, FieldRenamed | FieldAdded | FieldRemoved):
                continue
            where = (is_request, op.path.text)
            other = claims.get(where)
            if other is not None and other is not op:
                raise ConflictError(
                    f"{version.name}: {op!r} and {other!r} both change `{op.path.text}` "
                    f"on {plan.key}"
                )
            claims[where] = op
