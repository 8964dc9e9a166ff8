"""Async SQLAlchemy engines for the embedded (SQLite) and shared (PostgreSQL) set-ups.

SQLite runs in WAL mode with ``synchronous=NORMAL`` (durable across application crashes,
fast), ``foreign_keys=ON`` (cascades) and a busy timeout. The pysqlite driver's own
transaction handling is switched off so we emit ``BEGIN`` ourselves: reads use a deferred
``BEGIN``, writes go through :attr:`Database.writer`, whose transactions start with
``BEGIN IMMEDIATE``. Taking the write lock up front means a writer waits (busy timeout)
instead of failing with ``SQLITE_BUSY`` when it upgrades a read snapshot. On PostgreSQL
the two engines are the same pool.

:meth:`Database.run` runs a whole transaction of synchronous Core code in one hop. With
aiosqlite every statement costs several hand-offs to the driver's thread (cursor,
execute, fetch, commit, pool reset), which dominate request time under load; so on a
SQLite file the block runs on a synchronous ``sqlite+pysqlite`` engine over the same file
(same pragmas, same ``BEGIN`` handling) in a thread pool: writes on one dedicated thread
(they serialise on ``BEGIN IMMEDIATE`` anyway), reads on a few threads (WAL readers run
concurrently). Connections are opened with ``check_same_thread=False``; the pool hands
each to one thread at a time. In-memory SQLite (one shared connection in a
``StaticPool``) and PostgreSQL run the block through ``AsyncConnection.run_sync``.

On a SQLite file the WAL is copied back into the database (checkpointed) on a thread of
its own, not by whichever write transaction crosses SQLite's 1,000-page threshold: that
transaction's commit stalled for the checkpoint's writes and two fsyncs (several ms on a
busy table) and every write queued behind it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool, StaticPool

SQLITE_BUSY_TIMEOUT_MS = 15_000
SQLITE_READ_THREADS = 2
"""Threads (and pooled connections) serving :meth:`Database.run` reads on a SQLite file.

Few: the work they do is mostly Python under the GIL (SQLite releases it only while a
statement runs); on a 2-CPU machine 2 readers served ~15% more requests than 4."""
SQLITE_CHECKPOINT_INTERVAL_S = 0.05
"""Least time between two background checkpoints while :meth:`Database.run` writes.

At a few hundred write transactions a second this keeps the WAL around SQLite's default
1,000-page checkpoint size."""
SQLITE_WRITER_AUTOCHECKPOINT = 20_000
"""Pages: the writer checkpoints by itself only past this, should the background one lag."""
_WRITE_OPTION = "segue_write"
_log = logging.getLogger(__name__)

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class _Checkpointer:
    """Checkpoints a SQLite file's WAL on its own thread, at most every ``interval`` seconds.

    :meth:`poke` after a commit asks for one ``PASSIVE`` checkpoint, which blocks neither
    readers nor the writer; pokes during a checkpoint or the pause after it merge.
    """

    def __init__(self, engine: Engine, interval: float) -> None:
        self._engine = engine
        self._interval = interval
        self._wanted = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="segue-db-checkpoint", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        self._wanted.set()

    def close(self) -> None:
        self._stopped.set()
        self._wanted.set()
        self._thread.join()
        self._engine.dispose()

    def _loop(self) -> None:
        while self._wanted.wait() and not self._stopped.is_set():
            self._wanted.clear()
            try:
                raw = self._engine.raw_connection()  # autocommit: no BEGIN around the pragma
                try:
                    raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
                finally:
                    raw.close()
            except Exception:  # the next poke retries; the writer's own limit still holds
                _log.warning("background WAL checkpoint failed", exc_info=True)
            self._stopped.wait(self._interval)


class _SyncSQLite:
    """Synchronous engines over a SQLite file, each driven from its own threads."""

    def __init__(self, url: str, readers: int) -> None:
        sync_url = make_url(url).set(drivername="sqlite+pysqlite")
        self.reader = _sqlite_sync_engine(sync_url, readers)
        writer = _sqlite_sync_engine(sync_url, 1)
        event.listen(writer, "connect", _leave_checkpoints)
        self.writer = writer.execution_options(**{_WRITE_OPTION: True})
        self.read_pool = ThreadPoolExecutor(readers, thread_name_prefix="segue-db-read")
        self.write_pool = ThreadPoolExecutor(1, thread_name_prefix="segue-db-write")
        self.checkpointer = _Checkpointer(
            _sqlite_sync_engine(sync_url, 1), SQLITE_CHECKPOINT_INTERVAL_S
        )
        self._local = threading.local()
        self._opened: list[Connection] = []

    async def run(self, fn: Callable[[Connection, *Ts], T], args: tuple[*Ts], write: bool) -> T:
        pool, engine = (self.write_pool, self.writer) if write else (self.read_pool, self.reader)
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(pool, self._transact, engine, fn, args)
        if write:
            self.checkpointer.poke()
        return result

    def _transact(self, engine: Engine, fn: Callable[[Connection, *Ts], T], args: tuple[*Ts]) -> T:
        """One transaction on the calling executor thread's own connection.

        Each thread keeps its connection (the pools have one per thread) instead of
        checking one out and resetting it per transaction, which cost about as much as a
        small transaction itself.
        """
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = engine.connect()
            self._opened.append(conn)
        with conn.begin():
            return fn(conn, *args)

    def dispose(self) -> None:
        self.read_pool.shutdown(wait=True)
        self.write_pool.shutdown(wait=True)
        for conn in self._opened:
            conn.close()
        self.checkpointer.close()
        self.reader.dispose()
        self.writer.engine.dispose()  # the option engine's base


@dataclass(frozen=True)
class Database:
    """The engines of one service database.

    Args:
        engine: for reads (and anything that does not need the SQLite write lock first).
        writer: for transactions that write; ``BEGIN IMMEDIATE`` on SQLite.
    """

    engine: AsyncEngine
    writer: AsyncEngine
    _sync: _SyncSQLite | None = field(default=None, repr=False, compare=False)
    _autocommit: AsyncEngine | None = field(default=None, repr=False, compare=False)

    async def run(self, fn: Callable[[Connection, *Ts], T], *args: *Ts, write: bool = False) -> T:
        """Run ``fn(conn, *args)`` as one transaction and return its result.

        ``fn`` is synchronous Core code; it must use the database only through ``conn``
        and must not commit (the transaction commits when it returns, rolls back when it
        raises). ``write=True`` takes the write path (``BEGIN IMMEDIATE`` on SQLite).
        """
        if self._sync is not None:
            return await self._sync.run(fn, args, write)
        async with (self.writer if write else self.engine).begin() as conn:
            return await conn.run_sync(fn, *args)

    async def read_one(self, fn: Callable[[Connection, *Ts], T], *args: *Ts) -> T:
        """Run ``fn(conn, *args)``, which reads with **one** statement, and return its result.

        One statement is consistent by itself, so on PostgreSQL it runs without the
        ``BEGIN`` and ``COMMIT`` around it (two round trips, ~25% of a key lookup's CPU
        here). Elsewhere it is :meth:`run`. ``fn`` must not write.
        """
        if self._autocommit is None:
            return await self.run(fn, *args)
        async with self._autocommit.connect() as conn:
            return await conn.run_sync(fn, *args)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    async def dispose(self) -> None:
        """Close every pooled connection (and the threads of :meth:`run`)."""
        await self.engine.dispose()
        if self._sync is not None:
            self._sync.dispose()


def _sqlite_file(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _on_sqlite_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see module docstring
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=NORMAL",
        "PRAGMA foreign_keys=ON",
        f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    ):
        cursor.execute(pragma)
    cursor.close()


def _leave_checkpoints(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    """The writer leaves checkpoints to :class:`_Checkpointer` (bar a lagging one)."""
    dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WRITER_AUTOCHECKPOINT}")


def _on_sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get(_WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _sqlite_sync_engine(url: Any, size: int) -> Engine:
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=size,
        max_overflow=0,
        # Pooled connections move between the executor's threads, one user at a time.
        connect_args={"check_same_thread": False},
    )
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def create_database(url: str, **engine_kwargs: Any) -> Database:
    """Build the engines for ``url`` (``sqlite+aiosqlite://`` or ``postgresql+asyncpg://``).

    The parent folder of a SQLite file is created when missing.

    Example:
        >>> db = create_database("sqlite+aiosqlite:///./data/app.db")  # doctest: +SKIP
    """
    dialect = make_url(url).get_backend_name()
    if dialect == "sqlite":
        path = _sqlite_file(url)
        sync = None
        if path is None:  # in memory: one shared connection, run() goes through it
            engine_kwargs.setdefault("poolclass", StaticPool)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            sync = _SyncSQLite(url, SQLITE_READ_THREADS)
        engine = create_async_engine(url, **engine_kwargs)
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
        return Database(engine, engine.execution_options(**{_WRITE_OPTION: True}), sync)
    engine_kwargs.setdefault("pool_size", 10)
    engine_kwargs.setdefault("max_overflow", 20)
    engine = create_async_engine(url, **engine_kwargs)
    return Database(
        engine, engine, _autocommit=engine.execution_options(isolation_level="AUTOCOMMIT")
    )
