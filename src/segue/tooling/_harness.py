"""Running a service in-process: bootstrap a fresh database, start the app with its
lifespan, and send calls through httpx over ASGI (no socket).

The guide's examples, ``segue record`` and ``segue replay SERVICE`` all start services
this way, so every example shows what the code answers today, real ids and all.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from segue import _bodypath as bp
from segue._api import find_api
from segue._errors import SegueError
from segue.guide import Guide, GuidePages, Outcome, Scenario, Shown, Step
from segue.guide._examples import SHOWN_HEADERS
from segue.tooling._service import ServiceOptions, ServiceSpec
from segue.types import ASGIApp, Message, Receive, Scope, Send

Wrap = Callable[[ASGIApp], ASGIApp]


@dataclass
class Session:
    """What one version's run started from (bootstrap's answer, without the key itself)."""

    version: str
    context: dict[str, Any]


async def run_scenarios(
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
        header = spec.api_key_header.lower()
        bearer = header == "authorization"
        headers = {header: f"Bearer {key}" if bearer else key} if key else {}
        key_line = ""
        if key:
            spelled = "-".join(part.title() for part in header.split("-"))
            key_line = f"{spelled}: Bearer <API key>" if bearer else f"{spelled}: <API key>"
        async with httpx.AsyncClient(
            transport=transport, base_url="http://guide.invalid", headers=headers
        ) as client:
            saved = dict(context)
            for outcome in outcomes:
                steps = outcome.scenario.steps.get(name)
                if steps:
                    outcome.calls[name] = [
                        await _call(client, step, saved, key_line) for step in steps
                    ]
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


POLL_EVERY_S = 0.05
POLL_FOR_S = 10.0
"""How often and how long a step with ``poll_while`` repeats its call."""
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _filled(value: Any, saved: dict[str, Any]) -> Any:
    """``value`` with each string that is a whole ``{name}`` of ``saved`` replaced by it."""
    if isinstance(value, str):
        match = _PLACEHOLDER.fullmatch(value)
        return saved[match.group(1)] if match and match.group(1) in saved else value
    if isinstance(value, dict):
        return {key: _filled(item, saved) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, saved) for item in value]
    return value


async def _call(
    client: httpx.AsyncClient, step: Step, saved: dict[str, Any], key_line: str
) -> Shown:
    path = step.path.format_map(saved)
    sent = _filled(step.json, saved)
    deadline = time.monotonic() + POLL_FOR_S
    while True:
        response = await client.request(step.method, path, json=sent)
        body: Any = None
        if response.content:
            try:
                body = orjson.loads(response.content)
            except orjson.JSONDecodeError:
                body = response.text
        waiting = any(
            bp.get(body, bp.parse(where)) in values for where, values in step.poll_while.items()
        )
        if not waiting or time.monotonic() > deadline:
            break
        await asyncio.sleep(POLL_EVERY_S)
    for name, where in step.save.items():
        value = bp.get(body, bp.parse(where))
        if value is not None:
            saved[name] = value
    shown = [(k.title(), v) for k in SHOWN_HEADERS for v in response.headers.get_list(k)]
    status = response.status_code
    return Shown(step.method, path, sent, status, shown, body, bool(key_line), key_line)


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


# ------------------------------------------------------------------------------ the guide


async def guide_for(
    spec: ServiceSpec, options: ServiceOptions, *, db_url: str | None = None
) -> Guide:
    """``spec``'s guide, its examples run against fresh databases (``db_url``, else temp)."""
    api = find_api(spec.create_app(options))
    if api is None:
        raise SegueError(f"{spec.name}: create_app does not return a segue.Segue (or wrap one)")
    examples: Sequence[Outcome] = ()
    if spec.guide_examples:
        plain = dataclasses.replace(options, rate_limit=None)
        examples, _ = await run_scenarios(spec, spec.guide_examples, options=plain, db_url=db_url)
    return Guide(api, examples)


def with_guide_examples(asgi: ASGIApp, spec: ServiceSpec, options: ServiceOptions) -> ASGIApp:
    """``asgi`` whose ``/_segue/guide`` shows ``spec``'s examples: they run, on temporary
    databases, when the guide is first asked for."""
    api = find_api(asgi)
    scenarios = spec.guide_examples
    if api is None or not scenarios:
        return asgi
    plain = dataclasses.replace(options, rate_limit=None)

    async def examples() -> Sequence[Outcome]:
        outcomes, _ = await run_scenarios(spec, scenarios, options=plain)
        return outcomes

    return _PagesFirst(asgi, GuidePages(api, examples))


class _PagesFirst:
    """``pages`` answered in front of ``app``, a plain ASGI middleware."""

    def __init__(self, app: ASGIApp, pages: GuidePages) -> None:
        self.app = app
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] in self.pages.paths
            and await self.pages.handle(scope, send)
        ):
            return
        await self.app(scope, receive, send)
