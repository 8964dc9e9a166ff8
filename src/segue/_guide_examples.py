"""Before/after examples for the migration guide, made by really calling the service.

A service supplies :class:`Scenario` objects: a title and, per version, the calls a client
of that version makes. For each version the runner bootstraps a fresh temporary database,
starts the service with its lifespan and sends the calls in-process (httpx over ASGI, no
socket), so every example shows what the code answers today, real ids and all.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from segue import _bodypath as bp
from segue._guide_render import Block, Code, Columns, Heading, Para
from segue._types import ASGIApp, Message

if TYPE_CHECKING:
    from segue._service import ServiceOptions, ServiceSpec

Wrap = Callable[[ASGIApp], ASGIApp]
SHOWN_HEADERS = ("deprecation", "sunset", "link", "allow", "retry-after", "location")


@dataclass(frozen=True)
class Step:
    """One call a client makes.

    Args:
        method: HTTP method.
        path: the full path with its query, e.g. ``"/v1/widgets/{widget}?fields=!parts"``;
            ``{name}`` is filled from what bootstrap returned and what earlier steps saved.
        json: the request body.
        save: name → body path of the response (``"id"``, ``"data[0].id"``) to keep for
            later steps.
    """

    method: str
    path: str
    json: Any = None
    save: Mapping[str, str] = field(default_factory=dict)


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


@dataclass
class Outcome:
    """A scenario with what each version answered."""

    scenario: Scenario
    calls: dict[str, list[Shown]] = field(default_factory=dict)


@dataclass
class Session:
    """What one version's run started from (bootstrap's answer, without the key itself)."""

    version: str
    context: dict[str, Any]


async def run(
    spec: ServiceSpec,
    scenarios: Sequence[Scenario],
    *,
    options: ServiceOptions | None = None,
    db_url: str | None = None,
    versions: Sequence[str] | None = None,
    wrap: Wrap | None = None,
) -> tuple[list[Outcome], list[Session]]:
    """Run every scenario for every version it names (or only ``versions``).

    Each version runs against its own fresh database, a temporary SQLite file unless
    ``db_url`` names one; ``options`` gives the rest (lifecycle dates), ``wrap`` wraps the
    app the calls go through (a recorder, say).
    """
    from segue._service import ServiceOptions

    base = options or ServiceOptions(db_url=spec.default_db_url)
    outcomes = [Outcome(s) for s in scenarios]
    names = list(versions or dict.fromkeys(v for s in scenarios for v in s.steps))
    sessions = []
    for name in names:
        with tempfile.TemporaryDirectory(prefix="segue-guide-") as tmp:
            url = db_url or f"sqlite+aiosqlite:///{tmp}/guide.db"
            chosen = dataclasses.replace(base, db_url=url)
            sessions.append(await _run_version(spec, chosen, name, outcomes, wrap))
    return outcomes, sessions


async def _run_version(
    spec: ServiceSpec,
    options: ServiceOptions,
    name: str,
    outcomes: list[Outcome],
    wrap: Wrap | None,
) -> Session:
    async with started(spec, options) as (app, context, key):
        transport = httpx.ASGITransport(app=wrap(app) if wrap else app)
        headers = {"authorization": f"Bearer {key}"} if key else {}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://guide.invalid", headers=headers
        ) as client:
            saved = dict(context)
            for outcome in outcomes:
                steps = outcome.scenario.steps.get(name)
                if steps:
                    outcome.calls[name] = [await _call(client, step, saved) for step in steps]
    return Session(name, context)


@asynccontextmanager
async def started(
    spec: ServiceSpec, options: ServiceOptions
) -> AsyncIterator[tuple[ASGIApp, dict[str, Any], str | None]]:
    """Bootstrap ``spec`` on ``options.db_url`` and run its app with its lifespan.

    Yields:
        the app, what bootstrap returned without the key, and the key.
    """
    context: dict[str, Any] = dict(await spec.bootstrap(options))
    key = context.pop("api_key", None)
    app = spec.create_app(options)
    async with lifespan(app):
        yield app, context, key


async def _call(client: httpx.AsyncClient, step: Step, saved: dict[str, Any]) -> Shown:
    path = step.path.format_map(saved)
    response = await client.request(step.method, path, json=step.json)
    body: Any = None
    if response.content:
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            body = response.text
    for name, where in step.save.items():
        value = bp.get(body, bp.parse(where))
        if value is not None:
            saved[name] = value
    shown = [(k.title(), v) for k in SHOWN_HEADERS for v in response.headers.get_list(k)]
    authorized = "authorization" in client.headers
    return Shown(step.method, path, step.json, response.status_code, shown, body, authorized)


@asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncIterator[None]:
    """Run ``app``'s ASGI lifespan around the block (an app without one is just used)."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()

    async def receive() -> Message:
        return await inbox.get()

    async def send(message: Message) -> None:
        await outbox.put(message)

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}

    async def main() -> None:
        await app(scope, receive, send)

    task = asyncio.create_task(main())
    await inbox.put({"type": "lifespan.startup"})
    started = asyncio.create_task(outbox.get())
    await asyncio.wait({task, started}, return_when=asyncio.FIRST_COMPLETED)
    if not started.done():  # the app returned (or raised): it does not speak lifespan
        started.cancel()
        if not task.cancelled():
            task.exception()  # retrieved on purpose: an app may reject lifespan scopes
        yield
        return
    message = started.result()
    if message["type"] == "lifespan.startup.failed":
        await task
        raise RuntimeError(f"the app failed to start: {message.get('message', '')}")
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task


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
        request += "\nAuthorization: Bearer <API key>"
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
