"""Replaying a recording against another build and diffing the answers.

:func:`replay` re-sends each recorded request and compares status, selected headers and
bodies after normalising what differs from run to run (ids, keys, timestamps): each such
value becomes a placeholder, numbered in order of first appearance for ids and keys, so
"the same id in both places" still holds. Values a response returned are substituted into
later requests (the id a create answered is the one a later get asks for).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import httpx
import orjson

from segue import _json
from segue.tooling._harness import started
from segue.tooling._recording import REDACTED, Exchange, body_of, response_headers
from segue.tooling._service import ServiceOptions, ServiceSpec

# ------------------------------------------------------------------------------ normalising


@dataclass(frozen=True)
class Normaliser:
    """Values of one kind that differ from run to run.

    Args:
        kind: the placeholder's name, e.g. ``"id"``.
        matches: whether a JSON value (or path segment, query value) is of this kind.
        keyed: number each distinct value (``<id:1>``) so equal values stay visibly
            equal; unkeyed kinds all read ``<kind>``.
    """

    kind: str
    matches: Callable[[Any], bool]
    keyed: bool = True


_ID = re.compile(r"[A-Za-z0-9_-]{21}")
_WORDS = re.compile(r"[a-z_]+")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
_MS_LOW, _MS_HIGH = 946_684_800_000, 4_102_444_800_000  # 2000-01-01 .. 2100-01-01


def _is_id(value: Any) -> bool:
    # 21 URL-safe characters; all-lower-case words (a field name, say) are not ids.
    return isinstance(value, str) and bool(_ID.fullmatch(value)) and not _WORDS.fullmatch(value)


def _is_key(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("as_live_")


def _is_ms(value: Any) -> bool:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return type(value) is int and _MS_LOW <= value < _MS_HIGH


def _is_iso(value: Any) -> bool:
    return isinstance(value, str) and bool(_ISO.fullmatch(value))


# Timestamps are not keyed: two calls landing in the same millisecond is luck, not contract.
BUILTIN_NORMALISERS = (
    Normaliser("key", _is_key),
    Normaliser("id", _is_id),
    Normaliser("ms", _is_ms, keyed=False),
    Normaliser("time", _is_iso, keyed=False),
)


@dataclass
class _Placeholders:
    normalisers: Sequence[Normaliser]
    numbers: dict[tuple[str, Any], int] = field(default_factory=dict)

    def kind(self, value: Any) -> Normaliser | None:
        if isinstance(value, bool) or value is None:
            return None
        return next((n for n in self.normalisers if n.matches(value)), None)

    def label(self, value: Any) -> Any:
        found = self.kind(value)
        if found is None:
            return value
        if not found.keyed:
            return f"<{found.kind}>"
        number = self.numbers.setdefault((found.kind, value), len(self.numbers) + 1)
        return f"<{found.kind}:{number}>"

    def normalise(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self.normalise(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.normalise(v) for v in value]
        return self.label(value)


def _pairs(recorded: Any, replayed: Any) -> Iterable[tuple[Any, Any]]:
    """Leaves at the same place in two bodies."""
    if isinstance(recorded, dict) and isinstance(replayed, dict):
        for key in recorded.keys() & replayed.keys():
            yield from _pairs(recorded[key], replayed[key])
    elif isinstance(recorded, list) and isinstance(replayed, list):
        for left, right in zip(recorded, replayed, strict=False):
            yield from _pairs(left, right)
    else:
        yield recorded, replayed


# ------------------------------------------------------------------------------ replaying


@dataclass
class Difference:
    """One exchange whose replay answered differently."""

    number: int
    exchange: Exchange
    diff: str


class Replayer:
    """Replays a recording's exchanges one by one, keeping what the run learned.

    Args:
        normalisers: the kinds of run-dependent values (default: the built-in ones).
        substitutions: recorded value → value in this run, e.g. from the two bootstraps.
        key: the API key to send where the recording has a redacted ``Authorization``.
    """

    def __init__(
        self,
        normalisers: Sequence[Normaliser] = BUILTIN_NORMALISERS,
        substitutions: dict[Any, Any] | None = None,
        key: str | None = None,
    ) -> None:
        self.recorded = _Placeholders(normalisers)
        self.replayed = _Placeholders(normalisers)
        self.substitutions: dict[Any, Any] = dict(substitutions or {})
        self.key = key

    def request(self, exchange: Exchange) -> tuple[str, str, list[tuple[str, str]], Any]:
        """The recorded request made for this run: (method, path?query, headers, body)."""
        sub = self.substitutions
        path = "/".join(
            quote(str(sub.get(s, s)), safe="") if s in sub else s for s in exchange.path.split("/")
        )
        query = [(k, str(sub.get(v, v))) for k, v in parse_qsl(exchange.query, True)]
        if query:
            path += "?" + urlencode(query)
        headers = []
        for name, value in exchange.request_headers:
            if value == REDACTED:
                if self.key is None or name != "authorization":
                    continue
                value = f"Bearer {self.key}"
            headers.append((name, value))
        return exchange.method, path, headers, self._substitute(exchange.request_body)

    def _substitute(self, body: Any) -> Any:
        if isinstance(body, dict):
            return {k: self._substitute(v) for k, v in body.items()}
        if isinstance(body, list):
            return [self._substitute(v) for v in body]
        if isinstance(body, str | int) and not isinstance(body, bool):
            return self.substitutions.get(body, body)
        return body

    def compare(self, number: int, exchange: Exchange, answer: Exchange) -> Difference | None:
        """Learn what ``answer`` returned, then compare it with the recorded response."""
        for left, right in _pairs(exchange.response_body, answer.response_body):
            if left != right and self.recorded.kind(left) and self.replayed.kind(right):
                self.substitutions.setdefault(left, right)
        names = {k for k, _ in exchange.response_headers} | {k for k, _ in answer.response_headers}
        before = self._text(exchange, self.recorded, names)
        after = self._text(answer, self.replayed, names)
        if before == after:
            return None
        title = f"#{number} {exchange.method} {exchange.path}" + (
            f"?{exchange.query}" if exchange.query else ""
        )
        lines = difflib.unified_diff(
            before.splitlines(),
            after.splitlines(),
            fromfile=f"recorded {title}",
            tofile=f"replayed {title}",
            lineterm="",
        )
        return Difference(number, exchange, "\n".join(lines))

    @staticmethod
    def _text(exchange: Exchange, placeholders: _Placeholders, names: set[str]) -> str:
        lines = [f"status: {exchange.status}"]
        lines += [f"{k}: {v}" for k, v in exchange.response_headers if k in names]
        body = placeholders.normalise(exchange.response_body)
        if body is not None:
            if isinstance(body, str):
                lines += body.splitlines()
            else:
                lines += _pretty(body).splitlines()
        return "\n".join(lines)


async def replay(
    exchanges: Sequence[Exchange], client: httpx.AsyncClient, replayer: Replayer
) -> list[Difference]:
    """Send every recorded request through ``client``; the exchanges that differ."""
    differences = []
    for number, exchange in enumerate(exchanges, start=1):
        method, path, headers, body = replayer.request(exchange)
        content = body.encode() if isinstance(body, str) else None
        if body is not None and content is None:
            content = _json.dumps(body)
        response = await client.request(method, path, headers=headers, content=content)
        answer = Exchange(
            version=exchange.version,
            method=method,
            path=path,
            query="",
            request_headers=headers,
            request_body=body,
            status=response.status_code,
            response_headers=response_headers(response.headers.raw),
            response_body=body_of(response.content),
        )
        found = replayer.compare(number, exchange, answer)
        if found is not None:
            differences.append(found)
    return differences


def context_substitutions(recorded: dict[str, Any], current: dict[str, Any]) -> dict[Any, Any]:
    """Map what the recording's bootstrap created to what this run's created, by name."""
    return {
        recorded[name]: current[name]
        for name in recorded.keys() & current.keys()
        if name != "api_key" and recorded[name] is not None and recorded[name] != current[name]
    }


async def replay_service(
    exchanges: Sequence[Exchange],
    recorded_context: dict[str, Any],
    spec: ServiceSpec,
    options: ServiceOptions,
) -> list[Difference]:
    """Replay against a fresh in-process build of ``spec`` (bootstrapped on ``options``)."""
    async with started(spec, options) as (app, context, key):
        replayer = Replayer(substitutions=context_substitutions(recorded_context, context), key=key)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://replay.invalid") as c:
            return await replay(exchanges, c, replayer)


def _pretty(body: Any) -> str:
    """``body`` indented with sorted keys, for a diff; orjson's, or the standard library's
    for what orjson does not write (long integers, lone surrogates, NaN)."""
    try:
        return orjson.dumps(body, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(body, indent=2, sort_keys=True)
