"""The migration guide, written from the same declarations that serve the old versions.

For every old version: its lifecycle (dates, the exact headers it sends, what happens at
sunset and in brownouts), a route table old → newer with each version's full prefixes,
the field changes per route, the behaviour that differs (query translations and defaults,
methods, envelopes, adapters) and, when the service supplies scenarios, before/after
examples made by really calling it (see :mod:`segue.guide._examples`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import orjson

from segue._api import Api
from segue._lifecycle import http_date
from segue._plan import RoutePlan, VersionPlan
from segue._routes import RouteKey
from segue._version import Version
from segue.changes import BodyChange, Change, Group, Step
from segue.guide import _examples as _guide_examples
from segue.guide import _render as _guide_render
from segue.guide._render import Block, Bullets, Code, Heading, Para, Table

_NONE = "—"


class Guide:
    """The migration guide of ``api``, optionally with examples from real calls.

    Example::

        guide = Guide(api)
        open("MIGRATION.md", "w").write(guide.markdown())
    """

    def __init__(self, api: Api, examples: Sequence[_guide_examples.Outcome] = ()) -> None:
        self.api = api
        self.title = f"{api.title}: migration guide"
        self.blocks = _build(api, self.title, examples)

    def markdown(self) -> str:
        return _guide_render.markdown(self.blocks)

    def html(self) -> str:
        return _guide_render.page(self.blocks, self.title)


def _build(api: Api, title: str, examples: Sequence[_guide_examples.Outcome]) -> list[Block]:
    newest = api.versions[0].name
    out: list[Block] = [
        Heading(1, title),
        Para(
            f"How to move each older version's clients to the next version, up to {newest}. "
            "Written by segue from the declarations that serve every older version from the "
            f"implementation of {newest}"
            + ("; the examples are real calls to the service." if examples else ".")
        ),
        Heading(2, "Versions"),
        _versions_table(api),
    ]
    for index, plan in enumerate(api.plans, start=1):
        newer = api.versions[index - 1]
        out.extend(_section(api, index, plan, newer, examples))
    return out


def _versions_table(api: Api) -> Table:
    now = api.clock()
    rows = []
    for version in api.versions:
        life = version.lifecycle
        rows.append(
            [
                f"`{version.name}`" + (f" ({version.title})" if version.title else ""),
                "\n".join(f"`{p}/…`" for p in version.prefixes),
                life.status(now),
                _date(life.deprecated_at),
                _date(life.sunset_at),
            ]
        )
    return Table(["Version", "Base paths", "Status now", "Deprecated", "Sunset"], rows)


def _date(moment: datetime | None) -> str:
    if moment is None:
        return _NONE
    moment = moment.astimezone(UTC)
    text = f"{moment:%B} {moment.day}, {moment.year}"
    if (moment.hour, moment.minute, moment.second) != (0, 0, 0):
        text += f", {moment:%H:%M:%S} UTC"
    return text


def _section(
    api: Api,
    index: int,
    plan: VersionPlan,
    newer: Version,
    examples: Sequence[_guide_examples.Outcome],
) -> list[Block]:
    old = plan.version
    out: list[Block] = [Heading(2, f"From {old.name} to {newer.name}")]
    out += _lifecycle(api, index, old, newer)
    out += _base_urls(api, old, newer)
    out += _route_table(plan, newer)
    out += _field_table(plan, newer)
    out += _behaviour(plan, newer)
    shown = _guide_examples.blocks(examples, old.name, newer.name, level=4)
    if shown:
        out.append(Heading(3, f"Examples: {old.name} and {newer.name} side by side"))
        out.append(
            Para(
                "Each call below was really made against a fresh database when this guide "
                "was written; ids and timestamps are the ones the service answered."
            )
        )
        out += shown
    return out


# ------------------------------------------------------------------------------ lifecycle


def _lifecycle(api: Api, index: int, old: Version, newer: Version) -> list[Block]:
    life = old.lifecycle
    name = old.name
    out: list[Block] = [Heading(3, f"Lifecycle of {name}")]
    facts = [f"Status now: **{life.status(api.clock())}**"]
    if life.deprecated_at is not None:
        facts.append(f"Deprecated since: {_date(life.deprecated_at)}")
    if life.sunset_at is not None:
        facts.append(
            f"Sunset: {_date(life.sunset_at)} (`{http_date(life.sunset_at)}`); "
            f"{name} keeps working unchanged until then"
        )
    else:
        facts.append("Sunset: none announced")
    links = [
        ("Migration guide", life.migration_url),
        ("Sunset notice", life.sunset_url),
        ("Successor version", life.successor_url),
    ]
    facts.extend(f"{label}: <{url}>" for label, url in links if url)
    out.append(Bullets(facts))
    if life.deprecated_at is None and life.sunset_at is None:
        return out
    if not life.headers:
        out.append(Para(f"{name} responses carry no lifecycle headers; the dates still apply."))
    else:
        moment = life.deprecated_at or api.clock()
        headers = life.response_headers(moment)
        out.append(Para(f"Every {name} response carries these headers once {name} is deprecated:"))
        out.append(Code(_header_lines(headers), "http"))
        if life.deprecation_style == "legacy":
            out.append(Para("`Deprecation: true` is sent from the deprecation date on."))
        else:
            out.append(
                Para(
                    "`Deprecation` gives the deprecation instant as `@` and seconds since the "
                    "epoch (RFC 9745); `Sunset` is an HTTP date (RFC 8594)."
                )
            )
    if life.sunset_at is not None:
        out.append(
            Para(
                f"At the sunset instant every {name} route starts answering `410 Gone`, in "
                f"{name}'s error envelope. Move every call to {newer.name} before then."
            )
        )
        out.append(Code(_gone(api, index, life.sunset_at), "http"))
    if life.brownouts:
        out.append(
            Para(
                f"Planned brownouts: inside each window every {name} route already answers "
                "`410 Gone`, so clients still on it notice before the sunset:"
            )
        )
        out.append(Bullets([f"{_date(b.start)} → {_date(b.end)}" for b in life.brownouts]))
    else:
        out.append(Para("No brownouts are planned."))
    return out


def _header_lines(headers: Sequence[tuple[bytes, bytes]]) -> str:
    return "\n".join(f"{k.decode().title()}: {v.decode()}" for k, v in headers)


def _gone(api: Api, index: int, moment: datetime) -> str:
    version = api.versions[index]
    message = version.lifecycle.gone_message(version.name, moment)
    response = api.error(index, 410, "GONE", message)
    lines = "HTTP 410 Gone\n"
    headers = [(k, v) for k, v in response.headers if k == b"content-type"]
    headers += version.lifecycle.response_headers(moment)
    lines += _header_lines(headers)
    return lines + "\n\n" + orjson.dumps(response.json, option=orjson.OPT_INDENT_2).decode()


def _base_urls(api: Api, old: Version, newer: Version) -> list[Block]:
    row = [
        "\n".join(f"`{p}/…`" for p in old.prefixes),
        "\n".join(f"`{p}/…`" for p in newer.prefixes),
    ]
    out: list[Block] = [Heading(3, "Base URL"), Table([old.name, newer.name], [row])]
    if api.version_header is not None:
        out.append(
            Para(
                f"A version can also be chosen with the `{api.version_header.decode()}` header "
                f"(`{old.selectors[0]}`, `{newer.selectors[0]}`)."
            )
        )
    return out


# ------------------------------------------------------------------------------ routes


def _step(plan: VersionPlan, newer: Version) -> Step:
    return Step(plan.version.name, newer.name, newer.prefixes[0])


def _full(key: RouteKey, prefix: str) -> str:
    return f"`{key.method} {prefix}{key.path}`"


def _route_table(plan: VersionPlan, newer: Version) -> list[Block]:
    old = plan.version
    rows = []
    for route in plan.routes:
        old_cell = "\n".join(_full(route.key, p) for p in old.prefixes)
        if route.removed is not None:
            new_cell = f"{_NONE} (`410 Gone`)"
        elif route.target is not None:
            new_cell = _full(route.target, newer.prefixes[0])
        else:
            new_cell = f"{_NONE} (no single counterpart)"
        rows.append([old_cell, new_cell, "\n".join(_route_notes(route, old, newer)) or _NONE])
    step = _step(plan, newer)
    for change in old.changes:
        rows += [list(row) for row in change.route_rows(step)]
    return [
        Heading(3, "Route mapping"),
        Para(
            f"Every {old.name} route and the {newer.name} route that serves it. {old.name} "
            f"answers under each of its base paths."
        ),
        Table([f"{old.name} route", f"{newer.name} route", "Notes"], rows),
    ]


def _route_notes(route: RoutePlan, old: Version, newer: Version) -> list[str]:
    notes = []
    if route.removed is not None:
        notes.append(f"removed: answers `410 Gone` naming `{route.removed.replacement}`")
    target = route.target
    if target is not None:
        if target.method != route.key.method:
            notes.append(f"method `{route.key.method}` → `{target.method}`")
        if target.shape != route.key.shape:
            notes.append("moved to another path")
        for old_name, new_name in route.params.items():
            if old_name != new_name:
                notes.append(f"path parameter `{{{old_name}}}` → `{{{new_name}}}`")
        for name in route.key.params:
            if name not in route.params:
                notes.append(f"`{{{name}}}` is not in the {newer.name} path")
        if not notes and not route.adapter:
            notes.append("same route; see field changes" if _touched(route) else "base URL only")
    if route.adapter is not None:
        notes.append(f"served by an adapter: {_adapter_text(route)}")
    return notes


def _touched(route: RoutePlan) -> bool:
    return bool(route.query_ops or route.request_ops or route.response_ops)


def _adapter_text(route: RoutePlan) -> str:
    assert route.adapter is not None
    return route.adapter.summary


# ------------------------------------------------------------------------------ fields


def _field_table(plan: VersionPlan, newer: Version) -> list[Block]:
    old = plan.version
    step = _step(plan, newer)
    body_changes = [c for c in old.changes if isinstance(c, BodyChange)]
    rows: list[list[str]] = []
    for change in body_changes:
        if change.routes is None:
            rows += [["every route", *cells] for cells in _field_cells(change, step, None)]
    for route in plan.routes:
        for change in body_changes:
            if change.routes is not None:
                rows += [[f"`{route.key}`", *cells] for cells in _field_cells(change, step, route)]
    if not rows:
        return []
    return [
        Heading(3, "Field changes"),
        Para(f"Fields of JSON bodies, by route (routes in {old.name}'s spelling)."),
        Table(["Route", "Body", old.name, newer.name, "Change"], rows),
    ]


def _sides(change: BodyChange, route: RoutePlan | None) -> str:
    if change.status == "error":
        if route is None or change in route.error_ops:
            return "errors"
        return ""
    sides = []
    bodiless = route is not None and route.key.method in ("GET", "HEAD", "DELETE")
    if change.on_request and not bodiless and (route is None or change in route.request_ops):
        sides.append("request")
    if change.on_response and (route is None or change in route.response_ops):
        sides.append("response")
    return " and ".join(sides)


def _field_cells(change: BodyChange, step: Step, route: RoutePlan | None) -> list[list[str]]:
    body = _sides(change, route)
    if not body:
        return []
    return [[body, *row] for row in change.field_rows(step)]


# ------------------------------------------------------------------------------ behaviour


# The order of the "Behaviour that changes" list: each change kind names its group.
_GROUPS_BEFORE_ADAPTERS: tuple[Group, ...] = ("methods", "queries", "bodies")
_GROUPS_AFTER_ADAPTERS: tuple[Group, ...] = ("retired", "absent")


def _behaviour(plan: VersionPlan, newer: Version) -> list[Block]:
    step = _step(plan, newer)
    items = _change_lines(plan, step, _GROUPS_BEFORE_ADAPTERS)
    adapted: dict[str, list[str]] = {}
    for route in plan.routes:
        if route.adapter is not None:
            adapted.setdefault(_adapter_text(route), []).append(f"`{route.key}`")
    items += [f"{', '.join(keys)}: {text}" for text, keys in adapted.items()]
    items += _change_lines(plan, step, _GROUPS_AFTER_ADAPTERS)
    if not items:
        return []
    return [Heading(3, "Behaviour that changes"), Bullets(items)]


def _change_lines(plan: VersionPlan, step: Step, groups: tuple[Group, ...]) -> list[str]:
    lines = []
    for group in groups:
        for change in plan.version.changes:
            if change.guide_group == group:
                line = change.behaviour(step, _routes_text(plan, change))
                if line is not None:
                    lines.append(line)
    return lines


def _routes_text(plan: VersionPlan, change: Change) -> str:
    if change.routes is None:
        return "Every route"
    keys = [r.key for r in plan.routes if change in _ops(r)]
    return ", ".join(f"`{k}`" for k in keys) or ", ".join(f"`{k}`" for k in change.routes)


def _ops(route: RoutePlan) -> list[Change]:
    return [*route.query_ops, *route.request_ops, *route.response_ops, *route.error_ops]
