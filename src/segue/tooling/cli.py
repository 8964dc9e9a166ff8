"""The ``segue`` command: serve and bootstrap the services that plug into it.

Services are found through the ``segue.services`` entry-point group, so this module never
imports one by name. Errors become exit codes here, in one place.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, NoReturn

import orjson
import typer

from segue._errors import SegueError
from segue.tooling._serve import services
from segue.tooling._service import ServiceFlag, ServiceOptions, ServiceSpec

app = typer.Typer(help="Serve every version of an API from one implementation of the newest.")

Db = Annotated[str | None, typer.Option("--db", help="SQLAlchemy URL (default: the service's)")]
When = Annotated[
    str | None, typer.Option(help="ISO 8601 instant with timezone, e.g. 2026-12-31T23:59:59Z")
]


def _service(name: str) -> ServiceSpec:
    if ":" in name:
        return _from_module(name)
    known = services()
    if name not in known:
        raise typer.BadParameter(f"unknown service {name!r}; known: {', '.join(sorted(known))}")
    return known[name]


def _from_module(target: str) -> ServiceSpec:
    """``module:attribute`` (as uvicorn takes it, the module found from the current
    directory): a :class:`ServiceSpec`, or an ASGI app (a ``segue.Segue``) served as is."""
    module_name, _, attribute = target.partition(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise typer.BadParameter(f"cannot load {target!r}: {exc}") from None
    if isinstance(found, ServiceSpec):
        return found

    async def no_bootstrap(options: ServiceOptions) -> dict[str, Any]:
        return {"api_key": None, "note": f"{target} is an app, with nothing to bootstrap"}

    return ServiceSpec(target, "memory://", lambda options: found, no_bootstrap)


def _instant(text: str | None, flag: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"{flag}: not an ISO 8601 instant: {text!r}") from None
    if moment.tzinfo is None:
        raise typer.BadParameter(f"{flag}: give a timezone, e.g. {text}Z")
    return moment


def _rate(text: str | None) -> int | None:
    if text is None:
        return None
    count, _, unit = text.partition("/")
    if not count.isdigit() or unit not in ("", "min", "minute"):
        raise typer.BadParameter(f"--rate-limit: want N/min, got {text!r}")
    return int(count)


def _flags(declared: Sequence[ServiceFlag], args: Sequence[str]) -> dict[str, Any]:
    """The service's own flags among the arguments the command did not know, parsed."""
    by_name = {flag.name: flag for flag in declared}
    known = ", ".join(flag.usage for flag in declared) or "none"
    found: dict[str, Any] = {}
    rest = list(args)
    while rest:
        word = rest.pop(0)
        name, has_value, value = word.removeprefix("--").partition("=")
        flag = by_name.get(name) if word.startswith("--") else None
        if flag is None:
            raise typer.BadParameter(f"unexpected {word!r}; this service's own flags: {known}")
        if flag.switch:
            if has_value:
                raise typer.BadParameter(f"--{name} takes no value")
            found[flag.key] = True
            continue
        if not has_value:
            if not rest:
                raise typer.BadParameter(f"--{name} wants a value ({flag.metavar})")
            value = rest.pop(0)
        try:
            found[flag.key] = flag.parse(value)
        except ValueError as exc:
            raise typer.BadParameter(f"--{name}: {exc}") from None
    return found


def _options(
    spec: ServiceSpec,
    db: str | None,
    v1_sunset: str | None = None,
    v1_deprecated: str | None = None,
    rate_limit: str | None = None,
    extra: dict[str, Any] | None = None,
) -> ServiceOptions:
    return ServiceOptions(
        db_url=db or spec.default_db_url,
        v1_sunset=_instant(v1_sunset, "--v1-sunset"),
        v1_deprecated=_instant(v1_deprecated, "--v1-deprecated"),
        rate_limit=_rate(rate_limit),
        extra=extra or {},
    )


_SERVICE_FLAGS = {"allow_extra_args": True, "ignore_unknown_options": True}
"""Lets a command take the flags a service declares (see :class:`ServiceFlag`)."""


@app.command(context_settings=_SERVICE_FLAGS)
def serve(
    context: typer.Context,
    service: Annotated[str, typer.Argument(help="an installed service, or module:attribute")],
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    db: Db = None,
    v1_sunset: When = None,
    v1_deprecated: When = None,
    rate_limit: Annotated[
        str | None, typer.Option(help="requests per minute per key, e.g. 100/min")
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="server processes; more than one wants PostgreSQL")
    ] = 1,
) -> None:
    """Run SERVICE over HTTP with every one of its versions.

    A service may take flags of its own after these (`segue services` lists them).
    """
    from segue.tooling import _serve

    spec = _service(service)
    extra = _flags(spec.serve_flags, context.args)
    options = _options(spec, db, v1_sunset, v1_deprecated, rate_limit, extra)
    where = f"http://{host}:{port} (db {options.db_url}, {workers} process(es))"
    typer.echo(f"segue: serving {service} on {where}", err=True)
    with _errors():
        _serve.serve(spec, options, host=host, port=port, workers=workers)


@app.command(context_settings=_SERVICE_FLAGS)
def bootstrap(context: typer.Context, service: str, db: Db = None) -> None:
    """Create what a first client of SERVICE needs; print it as one JSON object.

    A service may take flags of its own after these (`segue services` lists them).
    """
    spec = _service(service)
    extra = _flags(spec.bootstrap_flags, context.args)
    created = asyncio.run(spec.bootstrap(_options(spec, db, extra=extra)))
    sys.stdout.write(orjson.dumps(created).decode() + "\n")


@app.command(name="services")
def list_services() -> None:
    """List the installed services, with the flags of their own."""
    for name, spec in sorted(services().items()):
        typer.echo(f"{name}\t{spec.default_db_url}")
        for command, flags in (("serve", spec.serve_flags), ("bootstrap", spec.bootstrap_flags)):
            for flag in flags:
                typer.echo(f"  {command} {flag.usage}\t{flag.help}")


class Format(StrEnum):
    """How `segue diff` prints its report."""

    TEXT = "text"
    JSON = "json"


def _fail(message: str) -> NoReturn:
    typer.echo(f"segue: {message}", err=True)
    raise typer.Exit(2)


@contextmanager
def _errors(*also: type[Exception]) -> Iterator[None]:
    """segue's own errors (a bad declaration, an unreadable database), and ``also``, as
    exit code 2 with their message: the one place the command line maps errors."""
    caught: tuple[type[Exception], ...] = (SegueError, *also)
    try:
        yield
    except caught as exc:
        _fail(str(exc))


@app.command()
def openapi(service: str, version: str, db: Db = None) -> None:
    """Print the OpenAPI document of SERVICE's VERSION as JSON (no server is started).

    SERVICE is an installed service or `module:attribute` naming a segue app.
    """
    from segue._api import find_api

    spec = _service(service)
    with _errors():
        asgi = spec.create_app(_options(spec, db))
        api = find_api(asgi)
        if api is None:
            _fail(f"{service}: create_app returned {type(asgi).__name__}, not a segue.Segue")
        documents = api.documents()
    if version not in documents:
        _fail(f"{service} has no version {version!r}; known: {', '.join(documents)}")
    sys.stdout.write(orjson.dumps(documents[version], option=orjson.OPT_INDENT_2).decode() + "\n")


def _document(path: str) -> Any:
    with open(path, "rb") as file:
        text = file.read()
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON: {exc}") from None


@app.command()
def diff(
    old: str,
    new: str,
    fmt: Annotated[Format, typer.Option("--format", help="text or json")] = Format.TEXT,
) -> None:
    """List what in the NEW OpenAPI document breaks clients of OLD; exit 1 if anything does."""
    from segue.tooling import _diff

    with _errors(OSError, ValueError):  # ValueError: bad JSON, or not OpenAPI 3.x
        report = _diff.diff(_diff.check(_document(old), old), _diff.check(_document(new), new))
    if fmt is Format.JSON:
        sys.stdout.write(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        typer.echo(report.text())
    raise typer.Exit(1 if report.is_breaking else 0)


@app.command()
def usage(
    service: str,
    db: Db = None,
    hours: Annotated[int, typer.Option(help="how many hours back to look")] = 24 * 30,
) -> None:
    """Print who still calls each old version of SERVICE (its segue_usage table)."""
    from rich.console import Console

    from segue.tooling import _usage

    spec = _service(service)
    with _errors():
        asyncio.run(_usage.show(spec, _options(spec, db), hours, Console()))


class GuideFormat(StrEnum):
    """How `segue guide` writes the guide."""

    MD = "md"
    HTML = "html"


Out = Annotated[str | None, typer.Option("--out", help="write to FILE instead of stdout")]


@app.command()
def guide(
    service: str,
    fmt: Annotated[GuideFormat, typer.Option("--format", help="md or html")] = GuideFormat.MD,
    db: Db = None,
    out: Out = None,
) -> None:
    """Write SERVICE's migration guide; its examples really call SERVICE (fresh databases)."""
    from segue.tooling._harness import guide_for

    spec = _service(service)
    with _errors():
        built = asyncio.run(guide_for(spec, _options(spec, db), db_url=db))
    text = built.html() if fmt is GuideFormat.HTML else built.markdown()
    if out is None:
        sys.stdout.write(text)
    else:
        with open(out, "w", encoding="utf-8") as file:
            file.write(text)


@app.command()
def record(
    service: str,
    version: Annotated[str, typer.Option("--version", help="the version to record, e.g. v1")],
    out: Annotated[str, typer.Option("--out", help="the recording (JSON lines)")],
    db: Db = None,
) -> None:
    """Run SERVICE's guide scenarios in VERSION in-process and record every exchange."""
    from segue.tooling import _recording
    from segue.tooling._harness import run_scenarios

    spec = _service(service)
    scenarios = spec.guide_examples or ()
    if not any(version in s.steps for s in scenarios):
        _fail(f"{service} has no guide scenarios for version {version!r}")
    exchanges: list[_recording.Exchange] = []
    with _errors():
        _, sessions = asyncio.run(
            run_scenarios(
                spec,
                scenarios,
                options=_options(spec, db),
                db_url=db,
                versions=[version],
                wrap=lambda asgi: _recording.RecordingMiddleware(asgi, exchanges.append),
            )
        )
    _recording.write(out, exchanges, sessions[0].context)
    typer.echo(f"segue: recorded {len(exchanges)} {version} exchanges to {out}", err=True)


@app.command()
def replay(
    file: str,
    service: Annotated[str | None, typer.Argument(help="replay in-process against it")] = None,
    db: Db = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="replay against a running server")
    ] = None,
    key: Annotated[str | None, typer.Option("--key", help="API key for --base-url")] = None,
) -> None:
    """Re-send FILE's requests and diff the answers; exit 1 if any exchange differs."""
    import httpx

    from segue.tooling import _recording, _replay

    with _errors(OSError, ValueError):
        exchanges, context = _recording.read(file)

    async def against_server(url: str) -> list[_replay.Difference]:
        async with httpx.AsyncClient(base_url=url) as client:
            return await _replay.replay(exchanges, client, _replay.Replayer(key=key))

    if base_url is not None:
        differences = asyncio.run(against_server(base_url))
    elif service is not None:
        spec = _service(service)
        options = _options(spec, db)
        with _errors():
            if db is None:
                with tempfile.TemporaryDirectory(prefix="segue-replay-") as tmp:
                    fresh = dataclasses.replace(options, db_url=f"sqlite+aiosqlite:///{tmp}/r.db")
                    differences = asyncio.run(
                        _replay.replay_service(exchanges, context, spec, fresh)
                    )
            else:
                differences = asyncio.run(_replay.replay_service(exchanges, context, spec, options))
    else:
        _fail("give SERVICE (replay in-process) or --base-url URL")
    for difference in differences:
        typer.echo(difference.diff + "\n")
    typer.echo(f"segue: {len(differences)} of {len(exchanges)} exchanges differ", err=True)
    raise typer.Exit(1 if differences else 0)


def main() -> None:
    """Console-script entry point."""
    app()
