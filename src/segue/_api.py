"""The compiled API: every version's route table, prefixes and error shaping.

Built and checked once at start-up from the declared versions, and read by everything
else — the ASGI dispatcher, segue's own pages, the migration guide, the OpenAPI
derivation, the usage figures and the command line. Sans-IO: no ASGI, no sockets.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from segue import _openapi
from segue._errorbody import ErrorBody, default_error_body
from segue._errors import ConflictError, DeclarationError, SegueError
from segue._exchange import Response, header
from segue._lifecycle import Clock, Gate, system_clock
from segue._plan import RoutePlan, VersionPlan, compile_version
from segue._routes import RouteKey
from segue._version import Version
from segue.types import Headers

OpenAPISource = Callable[[], dict[str, Any]] | dict[str, Any]
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class Match(NamedTuple):
    """What a request path names: a version, the path below its prefix and, for an older
    version, the route it matched (``None``: no route) with the route's parameters."""

    version: int  # index into ``Api.versions``, 0 the newest; -1 a header naming none
    rest: str
    route: RoutePlan | None
    params: dict[str, str]


class Api:
    """``versions`` (newest first) compiled against the newest version's routes.

    Args:
        versions: newest first; the first one has no changes.
        routes: the newest version's routes (``"GET /items/{id}"``, relative to its first
            prefix); by default read from the OpenAPI document.
        openapi: the newest version's OpenAPI document, or a function returning it.
        error_body: builds an error body in the newest version's envelope.
        version_header: a request header that selects a version by value (optional).
        clock: returns the current instant; tests inject one.

    Raises:
        DeclarationError: a declaration names what the next version does not have.
        ConflictError: two declarations contradict each other.
    """

    def __init__(
        self,
        versions: Sequence[Version],
        *,
        routes: Sequence[str] | None = None,
        openapi: OpenAPISource | None = None,
        error_body: ErrorBody = default_error_body,
        version_header: str | None = None,
        clock: Clock = system_clock,
    ) -> None:
        if not versions:
            raise DeclarationError("an API needs at least one version")
        newest = versions[0]
        if newest.changes or newest.adapters:
            raise DeclarationError(
                f"{newest.name} is the newest version: the app implements it, it has no changes"
            )
        self.versions = list(versions)
        self.newest = newest
        self.newest_prefix = newest.prefixes[0]
        self.error_body = error_body
        self.clock = clock
        self.openapi_source = openapi
        self.version_header = version_header.lower().encode() if version_header else None
        keys = [RouteKey.parse(r) for r in routes] if routes else self._routes_from_openapi()
        self.plans: list[VersionPlan] = []
        for version in self.versions[1:]:
            plan = compile_version(version, keys)
            self.plans.append(plan)
            keys = [p.key for p in plan.routes if p.removed is None]
        prefixes = self._prefix_table()
        # Prefixes by length, longest first (so /api/v1 wins over /api): a path's version is
        # a slice and a dict look-up per distinct length.
        self._prefixes: list[tuple[int, dict[str, int]]] = []
        for prefix, index in prefixes:
            if not self._prefixes or self._prefixes[-1][0] != len(prefix):
                self._prefixes.append((len(prefix), {}))
            self._prefixes[-1][1][prefix] = index
        # A version header can override the prefix, so with one every path goes the long way.
        self.paths = PathIndex() if version_header else PathIndex.build(prefixes, self.plans)
        self._by_selector = {
            s.encode(): i for i, v in enumerate(self.versions) for s in v.selectors
        }
        self.gates = [Gate(v.lifecycle) for v in self.versions]
        # The real clock is read as a float; an injected one (tests) through its datetime.
        self.timestamp: Callable[[], float] = (
            time.time if clock is system_clock else lambda: clock().timestamp()
        )
        life = newest.lifecycle
        self.newest_plain = not (life.deprecated_at or life.sunset_at or life.brownouts)
        # Requests under this go to the app untouched, before any look-up: the newest
        # version's own prefix, when it has no dates, no version header can pick another
        # version, and no other prefix lies below it.
        below = self.newest_prefix + "/"
        self.straight_through = (
            below
            if self.newest_plain
            and self.version_header is None
            and not any(p.startswith(below) for v in self.versions for p in v.prefixes)
            else None
        )
        self._documents: dict[str, dict[str, Any]] | None = None

    # ----------------------------------------------------------------- documents

    def newest_openapi(self) -> dict[str, Any]:
        """The newest version's OpenAPI document, as the app gives it."""
        source = self.openapi_source
        if source is None:
            raise DeclarationError("no OpenAPI document: pass openapi= or routes=")
        return source() if callable(source) else source

    def documents(self) -> dict[str, dict[str, Any]]:
        """Every version's OpenAPI document by version name, derived on first use and kept
        (some apps can build their own document only once fully started)."""
        if self._documents is None:
            self._documents = _openapi.documents(
                self.newest_openapi(), self.newest, self.plans, self.newest_prefix
            )
        return self._documents

    @property
    def title(self) -> str:
        """The API's title: the newest document's, else the newest version's, else "API"."""
        try:
            title = self.newest_openapi().get("info", {}).get("title")
        except SegueError:
            title = None
        return str(title or self.newest.title or "API")

    def version(self, name: str) -> Version:
        """The version called ``name``; ``KeyError`` when there is none."""
        for version in self.versions:
            if version.name == name:
                return version
        raise KeyError(name)

    # ----------------------------------------------------------------- requests

    def match(self, method: str, path: str, headers: Headers) -> Match | None:
        """What ``method path`` names; ``None`` when it lies under no version's prefix.

        The common old-version request, to a route with no parameter or one final one,
        is one or two dict look-ups on the whole path; anything else finds its prefix
        (and the version header, when the API has one), then its route.
        """
        hit = self.paths.literal.get((method, path))
        if hit is not None:
            return Match(hit[0], path[hit[1] :], hit[2], {})
        head, _, last = path.rpartition("/")
        tail = self.paths.by_head.get((method, head))
        if tail is not None and last:
            return Match(tail[0], path[tail[1] :], tail[2], {tail[3]: last})
        index, rest = self.resolve(path, headers)
        if index is None:
            return None
        if index > 0:
            route, params = self.plans[index - 1].match(method, rest)
            return Match(index, rest, route, params)
        return Match(index, rest, None, {})

    def resolve(self, path: str, headers: Headers) -> tuple[int | None, str]:
        """(version index, path below the prefix); index ``None`` = not a versioned path,
        ``-1`` = a version header naming no version."""
        for length, owners in self._prefixes:
            index = owners.get(path[:length])
            if index is not None and (len(path) == length or path[length] == "/"):
                if self.version_header is not None:
                    chosen = header(headers, self.version_header)
                    if chosen is not None:
                        index = self._by_selector.get(chosen.strip(), -1)
                return index, path[length:] or "/"
        return None, path

    # ----------------------------------------------------------------- segue's own answers

    def error(
        self,
        index: int,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
    ) -> Response:
        """An error built in the newest envelope and sent down to version ``index``'s."""
        response = Response(status, self.error_body(status, code, message, details))
        for plan in self.plans[:index]:
            for op in plan.error_ops:
                response.json = op.down(response.json)
        return response

    def gone(self, index: int) -> Response:
        """The 410 of a version past its sunset or inside a brownout."""
        version = self.versions[index]
        message = version.lifecycle.gone_message(version.name, self.clock())
        return self.error(index, 410, "GONE", message)

    def removed(self, index: int, route: RoutePlan) -> Response:
        """The 410 of a route the version retired, naming its replacement."""
        assert route.removed is not None
        replacement = route.removed.replacement
        message = f"{route.key} was removed from {self.versions[index].name}: use {replacement}"
        return self.error(index, 410, "GONE", message, {"replacement": replacement})

    def unmatched(self, index: int, method: str, path: str) -> Response:
        """The 405 (with ``Allow``) or 404 of a path no route of version ``index`` serves."""
        if index == -1:
            return self.error(0, 404, "NOT_FOUND", "unknown API version")
        allowed = self.plans[index - 1].allowed(path)
        if allowed:
            response = self.error(index, 405, "METHOD_NOT_ALLOWED", f"{method} is not allowed")
            response.headers.append((b"allow", ", ".join(sorted(allowed)).encode()))
            return response
        name = self.versions[index].name
        return self.error(index, 404, "NOT_FOUND", f"no route {method} {path} in {name}")

    # ----------------------------------------------------------------- set-up helpers

    def _routes_from_openapi(self) -> list[RouteKey]:
        prefix = self.newest_prefix
        keys = []
        for path, item in self.newest_openapi().get("paths", {}).items():
            if path != prefix and not path.startswith(prefix + "/"):
                continue
            for method in item:
                if method.upper() in _METHODS:
                    keys.append(RouteKey.of(method, path[len(prefix) :] or "/"))
        return keys

    def _prefix_table(self) -> list[tuple[str, int]]:
        owner: dict[str, str] = {}
        table = []
        for index, version in enumerate(self.versions):
            for prefix in version.prefixes:
                if prefix in owner:
                    raise ConflictError(
                        f"prefix {prefix} is claimed by {owner[prefix]} and {version.name}"
                    )
                owner[prefix] = version.name
                table.append((prefix, index))
        return sorted(table, key=lambda item: -len(item[0]))


@dataclass
class PathIndex:
    """Old-version routes keyed by the whole request path, prefix included.

    The common old-version request, to a route with no parameter or with one final one, is
    then found in one or two dict look-ups instead of a prefix search and a route match.
    Entries hold (version index, prefix length, route[, parameter name]).
    """

    literal: dict[tuple[str, str], tuple[int, int, RoutePlan]] = field(default_factory=dict)
    by_head: dict[tuple[str, str], tuple[int, int, RoutePlan, str]] = field(default_factory=dict)

    @classmethod
    def build(cls, prefixes: Sequence[tuple[str, int]], plans: Sequence[VersionPlan]) -> PathIndex:
        """Index ``plans`` (version ``i`` is ``plans[i - 1]``) under their ``prefixes``.

        A prefix with another prefix below it is left out, as the longer one owns some of its
        paths; so is the ``/`` route, which a bare prefix also names. Both go the general way.
        """
        index = cls()
        for prefix, version in prefixes:
            if version == 0 or any(p.startswith(prefix + "/") for p, _ in prefixes):
                continue
            plan, length = plans[version - 1], len(prefix)
            for (method, path), route in plan.literal.items():
                if path != "/":
                    index.literal[(method, prefix + path)] = (version, length, route)
            for (method, head), (route, name) in plan.by_head.items():
                index.by_head[(method, prefix + head)] = (version, length, route, name)
        return index


def find_api(app: object) -> Api | None:
    """The :class:`Api` served by ``app`` or by an app inside it, following the ``.app``
    chain of wrapping middleware (as Starlette's and segue's own keep it)."""
    for _ in range(32):
        api = getattr(app, "api", None)
        if isinstance(api, Api):
            return api
        app = getattr(app, "app", None)
        if app is None:
            return None
    return None
