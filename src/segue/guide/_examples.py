"""Before/after examples for the migration guide: what a client sends, what it got back.

A service supplies :class:`Scenario` objects: a title and, per version, the calls a client
of that version makes. :mod:`segue.tooling` runs them against the real service (see
``run_scenarios``) and hands the guide the :class:`Outcome` of each; this module only holds
those shapes and turns them into guide blocks, so the guide needs no HTTP client.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import orjson

from segue.guide._render import Block, Code, Columns, Heading, Para

SHOWN_HEADERS = ("deprecation", "sunset", "link", "allow", "retry-after", "location")


@dataclass(frozen=True)
class Step:
    """One call a client makes.

    Args:
        method: HTTP method.
        path: the full path with its query, e.g. ``"/v1/widgets/{widget}?fields=!parts"``;
            ``{name}`` is filled from what bootstrap returned and what earlier steps saved.
        json: the request body; a string in it that is a whole ``"{name}"`` is filled
            the same way (with the saved value, whatever its type).
        save: name → body path of the response (``"id"``, ``"data[0].id"``) to keep for
            later steps.
        poll_while: body path → values: repeat the call (every 50 ms, for at most 10 s)
            while the answer has one of them there, e.g. ``{"state": ("pending",
            "running")}`` for work that finishes in the background; the guide shows the
            last answer.
    """

    method: str
    path: str
    json: Any = None
    save: Mapping[str, str] = field(default_factory=dict)
    poll_while: Mapping[str, Sequence[Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    """One thing a client does, written once per version.

    Example::

        Scenario("Create a widget", {
            "v1": [Step("POST", "/v1/widgets", {"name": "Bolt"}, save={"widget": "id"})],
            "v2": [Step("POST", "/api/v2/widgets", {"name": "Bolt"},
                        save={"widget": "widget_id"})],
        })
    """

    title: str
    steps: Mapping[str, Sequence[Step]]
    note: str = ""


@dataclass(frozen=True)
class Shown:
    """One call as it really happened."""

    method: str
    path: str
    request_body: Any
    status: int
    headers: Sequence[tuple[str, str]]
    response_body: Any
    authorized: bool = False
    key_line: str = "Authorization: Bearer <API key>"
    """How the request shows its API key, when ``authorized``."""


@dataclass
class Outcome:
    """A scenario with what each version answered."""

    scenario: Scenario
    calls: dict[str, list[Shown]] = field(default_factory=dict)


# ------------------------------------------------------------------------------ blocks


def blocks(outcomes: Sequence[Outcome], old: str, new: str, *, level: int = 3) -> list[Block]:
    """The examples section: each scenario with ``old`` and ``new`` side by side."""
    out: list[Block] = []
    for outcome in outcomes:
        if old not in outcome.calls and new not in outcome.calls:
            continue
        out.append(Heading(level, outcome.scenario.title))
        if outcome.scenario.note:
            out.append(Para(outcome.scenario.note))
        columns = [
            (name, [b for shown in outcome.calls[name] for b in _exchange(shown)])
            for name in (old, new)
            if name in outcome.calls
        ]
        out.append(Columns(columns))
    return out


def _exchange(shown: Shown) -> list[Block]:
    request = f"{shown.method} {shown.path}"
    if shown.authorized:
        request += f"\n{shown.key_line}"
    if shown.request_body is not None:
        request += "\n\n" + _json(shown.request_body)
    try:
        reason = HTTPStatus(shown.status).phrase
    except ValueError:
        reason = ""
    response = f"HTTP {shown.status} {reason}".rstrip()
    response += "".join(f"\n{k}: {v}" for k, v in shown.headers)
    if shown.response_body is not None:
        response += "\n\n" + _json(shown.response_body)
    return [Code(request, "http"), Code(response, "http")]


def _json(value: Any) -> str:
    if isinstance(value, str):
        return value
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
