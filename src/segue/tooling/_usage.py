"""`segue usage SERVICE`: who still calls each old version, read from ``segue_usage`` and
printed as tables (needs rich, as the command line does)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import create_async_engine

from segue._api import find_api
from segue._errors import SegueError
from segue._lifecycle import system_clock
from segue.tooling._service import ServiceOptions, ServiceSpec
from segue.usage._page import when
from segue.usage._report import hour_of, report
from segue.usage._store import UsageStore
from segue.usage._tally import UsageRow


async def read(db_url: str, since_hour: int) -> list[UsageRow]:
    """Stored rows from ``since_hour`` on (none when the table does not exist yet)."""
    try:
        engine = create_async_engine(db_url)
    except (ArgumentError, ImportError) as exc:
        raise SegueError(f"cannot open {db_url!r}: {exc}") from None
    try:
        return await UsageStore(engine).read(since_hour)
    finally:
        await engine.dispose()


async def show(spec: ServiceSpec, options: ServiceOptions, hours: int, console: Console) -> None:
    """Print one table per old version of ``spec``: key, route, calls, errors, last seen."""
    api = find_api(spec.create_app(options))
    if api is None:
        raise SegueError(f"{spec.name}: create_app builds no segue.Segue")
    now = system_clock()
    since = hour_of(now - timedelta(hours=max(hours, 1) - 1))
    data = report(api.versions, await read(options.db_url, since), now, since)
    for version in data["versions"][1:]:
        if version["callers"]:
            console.print(_table(version, hours))
        else:
            console.print(f"{version['name']}: no calls in the last {hours} hours")


def _table(version: dict[str, Any], hours: int) -> Table:
    sunset = (version["sunset_at"] or "not set")[:10]
    table = Table(
        title=f"{version['name']} ({version['status']}, sunset {sunset})",
        caption=(
            f"{version['calls']} calls, {version['errors']} errors from {version['keys']} keys "
            f"in the last {hours} hours"
        ),
    )
    table.add_column("Key", no_wrap=True)
    table.add_column("Route", no_wrap=True)
    table.add_column("Calls", justify="right")
    table.add_column("Errors", justify="right")
    table.add_column("Last seen (UTC)", no_wrap=True)
    for caller in version["callers"]:
        table.add_row(
            caller["key_prefix"] or "(no key)",
            caller["route"],
            str(caller["calls"]),
            str(caller["errors"]),
            when(caller["last_seen"])[:16],
        )
    return table
