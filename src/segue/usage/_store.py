"""The ``segue_usage`` table in the service's own database: batched upserts and reads.

The table is created with ``metadata.create_all`` on start-up rather than by an Alembic
revision: it belongs to the framework, not to the service, and lives in whichever database
the service uses. A service's Alembic history is its own (conversations keeps it in
``alembic_version_conversations``); segue cannot add revisions to every service's chain,
and ``create_all`` is idempotent. Should the table's shape ever change, it gets a new name.

One flush is one transaction with one ``INSERT … ON CONFLICT DO UPDATE`` executed for every
row of the batch (SQLite ≥ 3.24 and PostgreSQL share the syntax); counts are added to what
is stored, so several processes can flush into one table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from segue._errors import SegueError
from segue.usage._tally import UsageRow

metadata = sa.MetaData()
usage = sa.Table(
    "segue_usage",
    metadata,
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("route", sa.String(300), primary_key=True),
    sa.Column("key_prefix", sa.String(64), primary_key=True),  # "" = no key
    sa.Column("hour", sa.BigInteger, primary_key=True),  # start of the hour, epoch ms
    sa.Column("calls", sa.BigInteger, nullable=False),
    sa.Column("errors", sa.BigInteger, nullable=False),
    sa.Column("last_seen", sa.BigInteger, nullable=False),  # epoch ms
)
u = usage.c
_KEY = [u.version, u.route, u.key_prefix, u.hour]


def _added(new: Any) -> dict[str, Any]:
    return {
        "calls": u.calls + new.calls,
        "errors": u.errors + new.errors,
        "last_seen": sa.case((new.last_seen > u.last_seen, new.last_seen), else_=u.last_seen),
    }


def _upsert(dialect: str) -> sa.Insert:
    """``INSERT … ON CONFLICT (key) DO UPDATE`` adding the counts to the stored ones."""
    if dialect == "sqlite":
        lite = sqlite.insert(usage)
        return lite.on_conflict_do_update(index_elements=_KEY, set_=_added(lite.excluded))
    if dialect == "postgresql":
        pg = postgresql.insert(usage)
        return pg.on_conflict_do_update(index_elements=_KEY, set_=_added(pg.excluded))
    raise SegueError(f"usage figures need SQLite or PostgreSQL, not {dialect}")


class UsageStore:
    """Reads and writes ``segue_usage`` through ``engine``."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._upsert = _upsert(engine.dialect.name)

    async def create(self) -> None:
        """Create the table when missing (safe to run from several processes at once)."""
        try:
            async with self.engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
        except DBAPIError:
            # Another process created it between the check and the CREATE: check again.
            async with self.engine.begin() as conn:
                await conn.run_sync(metadata.create_all)

    async def add(self, rows: Sequence[UsageRow]) -> None:
        """Add a batch of counts to what is stored, in one transaction."""
        if not rows:
            return
        # A fixed order keeps concurrent flushes from deadlocking on PostgreSQL.
        params = [
            {
                "version": r.version,
                "route": r.route,
                "key_prefix": r.key_prefix,
                "hour": r.hour,
                "calls": r.calls,
                "errors": r.errors,
                "last_seen": r.last_seen,
            }
            for r in sorted(rows, key=lambda r: r.key)
        ]
        async with self.engine.begin() as conn:
            await conn.execute(self._upsert, params)

    async def prune(self, before_hour: int) -> int:
        """Delete the hours before ``before_hour``; returns how many rows went."""
        async with self.engine.begin() as conn:
            result = await conn.execute(sa.delete(usage).where(u.hour < before_hour))
            return result.rowcount or 0

    async def read(self, since_hour: int, key_prefix: str | None = None) -> list[UsageRow]:
        """Rows from the hour starting at ``since_hour`` on, of one key when given."""
        query = sa.select(
            u.version, u.route, u.key_prefix, u.hour, u.calls, u.errors, u.last_seen
        ).where(u.hour >= since_hour)
        if key_prefix is not None:
            query = query.where(u.key_prefix == key_prefix)
        async with self.engine.connect() as conn:
            if not await conn.run_sync(lambda sync: sa.inspect(sync).has_table(usage.name)):
                return []
            result = await conn.execute(query)
            return [UsageRow(*row) for row in result]
