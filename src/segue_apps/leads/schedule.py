"""Scheduled syncs: each active stream runs at its ``syncTimes`` (``HH:MM`` on 15-minute
boundaries) in its ``timezone``.

Every server process looks every ``schedule_poll_ms`` for streams whose current local
15-minute slot is one of their sync times and queues a ``scheduled`` run with the dedupe
key ``schedule:<stream>:<slot start>``: however many processes look, however often, a slot
fires once. A scheduled run spends a daily sync slot of each awake account that has one
left and skips the others (no run when none has). A slot no process saw (every server
down for its whole quarter hour) is skipped.
"""

from __future__ import annotations

import asyncio
import logging
import zoneinfo
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Connection

from segue_apps.common.db import Database
from segue_apps.leads import plans
from segue_apps.leads.store import catalog, runs, users
from segue_apps.leads.store.common import day, loads

_log = logging.getLogger(__name__)


def due_slot(sync_times: list[str], timezone: str, now: int) -> int | None:
    """The start (ms) of the slot ``now`` is in, when it is one of ``sync_times``."""
    try:
        zone = zoneinfo.ZoneInfo(timezone)
    except Exception:
        return None
    local = datetime.fromtimestamp(now / 1000, zone)
    minute = local.minute // 15 * 15
    if f"{local.hour:02d}:{minute:02d}" not in sync_times:
        return None
    return int(local.replace(minute=minute, second=0, microsecond=0).timestamp() * 1000)


def _fire(conn: Connection, stream_id: str, user_id: str, slot: int, now: int) -> bool:
    pairs = [p for p in catalog.stream_pairs(conn, [stream_id]) if not p.asleep]
    tiers = {p.account_id: p.tier for p in pairs}
    used = users.used(conn, tiers, "sync", day(now))
    able = {a for a, t in tiers.items() if used.get(a, 0) < plans.TIERS[t].daily_syncs}
    chosen = [p.id for p in pairs if p.account_id in able]
    if not chosen:
        return False
    made = runs.create_run(conn, user_id, stream_id, runs.SCHEDULED, chosen, None, now,
                           dedupe_key=f"schedule:{stream_id}:{slot}")  # fmt: skip
    if made is None:
        return False
    users.spend_budget(conn, able, "sync", day(now))
    return True


async def fire_due(db: Database, now: int) -> int:
    """Queue the runs due at ``now``; how many this call queued."""
    fired = 0
    for row in await db.run(catalog.active_scheduled_streams):
        slot = due_slot(loads(row.sync_times), row.timezone, now)
        if slot is not None and await db.run(_fire, row.id, row.user_id, slot, now, write=True):
            fired += 1
    return fired


async def schedule_loop(
    db: Database, clock: Callable[[], int], every_ms: int, wake: Callable[[], None]
) -> None:
    """Fire due schedules every ``every_ms`` until cancelled."""
    while True:
        try:
            if await fire_due(db, clock()):
                wake()
        except Exception:  # the database is away: try again at the next look
            _log.warning("scheduled syncs could not be fired", exc_info=True)
        await asyncio.sleep(every_ms / 1000)
