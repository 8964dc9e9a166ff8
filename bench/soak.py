"""Soak: a fixed rate of mixed v1/v2 traffic on the conversations service for minutes.

Starts ``segue serve conversations`` on 127.0.0.1 (``--workers N``) over a fresh database
(a SQLite file in a temporary directory, or a throw-away database on the PostgreSQL server
``--db`` names), bootstraps a key, creates a few conversations, then sends ``--rate``
requests a second for ``--minutes`` from an open-loop generator: request *i* is due at
``start + i / rate`` whatever happened to the ones before, and its latency is counted from
that due time (so a stalled server shows as latency, not as fewer requests). Every answer
is checked for its status and shape; anything else is an error. The server's RSS (every
process of its session, from ``/proc``) is sampled throughout. Prints tables and writes
``bench/results/soak.json``. See ``bench/README.md``.

    .venv/bin/python bench/soak.py [--minutes 10] [--rate 100] [--workers 1] [--db URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, NamedTuple

import asyncpg
import httpx
import uvloop
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url

from _servers import (
    HOST,
    BenchError,
    Process,
    free_port,
    launch,
    process_log,
    segue_cmd,
    speed_gauge_s,
    stop,
    wait_ready,
)

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results" / "soak.json"
SEED = 20261204
RSS_GROWTH_TARGET_PCT = 10.0
RSS_EVERY_S = 5.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
console = Console(width=None if sys.stdout.isatty() else 120)

# --------------------------------------------------------------------------- the mix

# (operation, share of requests); each request is v1 or v2 with equal odds.
MIX = [("create", 10), ("append", 30), ("get", 25), ("list", 15), ("search", 20)]
PREFIX = {"v2": "/api/v2", "v1": "/v1"}
WORDS = [
    "deploy", "release", "branch", "commit", "review", "server", "request", "response",
    "cache", "index", "query", "token", "session", "error", "retry", "timeout",
    "schedule", "report", "metric", "budget", "meeting", "summary", "draft",
]  # fmt: skip
MARKER = "quokka"  # in about 2% of messages: a selective search
SEARCHES = [MARKER, "deploy", "retry timeout"]


class Planned(NamedTuple):
    """One request of the mix, ready to send, and how to judge its answer."""

    op: str  # e.g. "append_v1"
    method: str
    path: str
    body: dict[str, Any] | None
    status: int
    check: Callable[[Any], bool]


SEARCH_CHECK: dict[str, Callable[[Any], bool]] = {
    "v2": lambda b: "next_cursor" in b["pagination"],
    "v1": lambda b: "next_cursor" in b and "pagination" not in b,
}


class Mix:
    """Draws the next request; remembers the conversations created so far."""

    def __init__(self, rng: random.Random, conversation_ids: list[str]) -> None:
        self.rng = rng
        self.ids = conversation_ids
        self.ops = [op for op, _ in MIX]
        self.weights = [w for _, w in MIX]

    def message(self) -> dict[str, str]:
        words = self.rng.choices(WORDS, k=self.rng.randint(5, 25))
        if self.rng.random() < 0.02:
            words.insert(self.rng.randrange(len(words) + 1), MARKER)
        role = self.rng.choice(("user", "assistant"))
        return {"role": role, "content": " ".join(words).capitalize() + "."}

    def next(self) -> Planned:
        rng = self.rng
        op = rng.choices(self.ops, self.weights)[0]
        ver = rng.choice(("v2", "v1"))
        p = PREFIX[ver]
        key = "conversation_id" if ver == "v2" else "id"
        name = f"{op}_{ver}"
        if op == "create":
            body = {"title": " ".join(rng.choices(WORDS, k=4)), "messages": [self.message()]}

            def created(b: Any) -> bool:
                if key not in b or (ver == "v1" and len(b.get("messages", ())) != 1):
                    return False
                self.ids.append(b[key])
                return True

            return Planned(name, "POST", f"{p}/conversations", body, 201, created)
        cid = rng.choice(self.ids)
        if op == "append":
            body = {"messages": [self.message(), self.message()]}
            path = f"{p}/conversations/{cid}/messages"
            return Planned(name, "POST", path, body, 201, lambda b: len(b["messages"]) == 2)
        if op == "get":
            path = f"{p}/conversations/{cid}" + ("?include=messages" if ver == "v2" else "")
            return Planned(
                name, "GET", path, None, 200, lambda b: b[key] == cid and "messages" in b
            )
        if op == "list":
            path = f"{p}/conversations?limit=20"
            if ver == "v2":
                return Planned(name, "GET", path, None, 200, lambda b: "total" in b["pagination"])
            return Planned(name, "GET", path, None, 200, lambda b: key in b["data"][0])
        q = rng.choice(SEARCHES).replace(" ", "+")
        path = f"{p}/conversations/search?q={q}&limit=20"
        return Planned(name, "GET", path, None, 200, SEARCH_CHECK[ver])


# --------------------------------------------------------------------------- the server


def session_usage(sid: int) -> dict[str, Any]:
    """RSS and PSS (KiB) and CPU seconds summed over every process in session ``sid``, from
    ``/proc``, with the 1-minute load average.

    RSS counts pages shared between worker processes once per process; PSS splits them.
    """
    rss = pss = count = ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            # Fields after the parenthesised command: state, ppid, pgrp, session, ...
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[3]) != sid:
                continue
            status = Path(entry.path, "status").read_text()
            rollup = Path(entry.path, "smaps_rollup").read_text()
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile, or not ours to read
        rss += _kib(status, "VmRSS:")
        pss += _kib(rollup, "Pss:")
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
        count += 1
    return {
        "rss_kib": rss,
        "pss_kib": pss,
        "cpu_s": round(ticks / CLOCK_TICKS, 2),
        "processes": count,
        "load1": round(os.getloadavg()[0], 2),
    }


def _kib(text: str, label: str) -> int:
    for line in text.splitlines():
        if line.startswith(label):
            return int(line.split()[1])
    return 0


@contextlib.asynccontextmanager
async def database(url: str | None) -> AsyncIterator[str]:
    """A fresh database: a SQLite file in a temporary directory, or a new database on the
    PostgreSQL server of ``url`` (dropped afterwards, like the tests' databases)."""
    if url is None:
        with tempfile.TemporaryDirectory(prefix="segue-soak-") as tmp:
            yield f"sqlite+aiosqlite:///{tmp}/soak.db"
        return
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise BenchError(f"--db wants a PostgreSQL URL, got {parsed.drivername}")
    name = f"segue_soak_{uuid.uuid4().hex[:12]}"
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def bootstrap(db: str) -> str:
    done = subprocess.run(
        [*segue_cmd(), "bootstrap", "conversations", "--db", db],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"segue bootstrap failed: {done.stdout}\n{done.stderr}")
    key: str = json.loads(done.stdout.strip().splitlines()[-1])["api_key"]
    return key


def start(server: Process, db: str, workers: int) -> None:
    server.port = free_port()
    cmd = [*segue_cmd(), "serve", "conversations", "--host", HOST, "--port", str(server.port)]
    # v1's own sunset (2026-12-31) would turn every v1 request into a 410 from then on.
    cmd += ["--db", db, "--workers", str(workers), "--v1-sunset", "2031-12-31T23:59:59Z"]
    launch(server, cmd)


# --------------------------------------------------------------------------- the load


class Sample(NamedTuple):
    due: float  # seconds after the measured start (negative: warm-up)
    op: str
    latency_ms: float  # from the due time to the whole answer read
    service_ms: float  # from the request handed to the client to the answer read
    error: str | None


@dataclass
class Load:
    """Everything one run collects."""

    samples: list[Sample] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    error_examples: list[str] = field(default_factory=list)
    memory: list[dict[str, Any]] = field(default_factory=list)
    max_send_lag_ms: float = 0.0
    max_queued: int = 0

    def error(self, kind: str, detail: str) -> str:
        self.errors[kind] += 1
        if len(self.error_examples) < 10:
            self.error_examples.append(detail[:300])
        return kind


async def one(
    client: httpx.AsyncClient, load: Load, planned: Planned, due: float, origin: float
) -> None:
    sent = time.perf_counter()
    load.max_send_lag_ms = max(load.max_send_lag_ms, (sent - due) * 1000)
    error: str | None = None
    try:
        r = await client.request(planned.method, planned.path, json=planned.body)
        done = time.perf_counter()
        if r.status_code != planned.status:
            error = load.error(
                f"status {r.status_code}", f"{planned.op} {planned.path}: {r.status_code} {r.text}"
            )
        else:
            try:
                ok = planned.check(r.json())
            except (ValueError, KeyError, IndexError, TypeError):
                ok = False
            if not ok:
                error = load.error("shape", f"{planned.op} {planned.path}: {r.text}")
    except httpx.HTTPError as exc:
        done = time.perf_counter()
        error = load.error(type(exc).__name__, f"{planned.op} {planned.path}: {exc!r}")
    load.samples.append(
        Sample(due - origin, planned.op, (done - due) * 1000, (done - sent) * 1000, error)
    )


async def send(
    client: httpx.AsyncClient,
    load: Load,
    due_queue: asyncio.Queue[tuple[Planned, float]],
    origin: float,
) -> None:
    """One connection's sender: the next due request, as soon as the last is answered."""
    while True:
        planned, due = await due_queue.get()
        try:
            await one(client, load, planned, due, origin)
        finally:
            due_queue.task_done()


async def sample_memory(load: Load, sid: int, origin: float, stop_at: float) -> None:
    while time.perf_counter() < stop_at:
        mem = await asyncio.to_thread(session_usage, sid)
        t_s = round(time.perf_counter() - origin, 1)
        load.memory.append({"t_s": t_s, **mem, "client_cpu_s": round(time.process_time(), 2)})
        await asyncio.sleep(RSS_EVERY_S)


async def drive(args: argparse.Namespace, base: str, api_key: str, sid: int) -> Load:
    """Seed a few conversations, then the open-loop load: warm-up, then measured."""
    rng = random.Random(SEED)
    load = Load()
    limits = httpx.Limits(
        max_connections=args.connections, max_keepalive_connections=args.connections
    )
    async with httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {api_key}"},
        limits=limits,
        timeout=httpx.Timeout(args.timeout),
        trust_env=False,
    ) as client:
        ids: list[str] = []
        mix = Mix(rng, ids)
        for _ in range(args.conversations):
            body = {"title": "seed", "messages": [mix.message() for _ in range(10)]}
            r = await client.post("/api/v2/conversations", json=body)
            if r.status_code != 201:
                raise BenchError(f"seeding a conversation: {r.status_code} {r.text[:300]}")
            ids.append(r.json()["conversation_id"])

        total = int((args.warmup + args.minutes * 60) * args.rate)
        begin = time.perf_counter() + 0.5
        origin = begin + args.warmup  # the measured start
        stop_at = begin + total / args.rate
        sampler = asyncio.create_task(sample_memory(load, sid, origin, stop_at + 1))
        # Due requests wait here, not in httpx's pool: one sender per connection takes the
        # next one, so a backlog costs a queue slot (bounded), not a pool scan per answer.
        due_queue: asyncio.Queue[tuple[Planned, float]] = asyncio.Queue(args.max_queued)
        senders = [
            asyncio.create_task(send(client, load, due_queue, origin))
            for _ in range(args.connections)
        ]
        next_report = origin + args.slice_seconds
        for i in range(total):
            due = begin + i / args.rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if time.perf_counter() >= next_report:
                progress(load, due_queue.qsize(), origin, next_report)
                next_report += args.slice_seconds
            planned = mix.next()
            try:
                due_queue.put_nowait((planned, due))
            except asyncio.QueueFull:
                load.samples.append(Sample(due - origin, planned.op, 0.0, 0.0, "not sent"))
                load.error("not sent", f"{args.max_queued} requests already waiting")
            load.max_queued = max(load.max_queued, due_queue.qsize())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(due_queue.join(), args.timeout + 5)
        for task in senders:
            task.cancel()
        await asyncio.gather(*senders, return_exceptions=True)
        await sampler
        load.memory.append(
            {
                "t_s": round(time.perf_counter() - origin, 1),
                **session_usage(sid),
                "client_cpu_s": round(time.process_time(), 2),
                "end": True,
            }
        )
    return load


def progress(load: Load, queued: int, origin: float, now: float) -> None:
    mem = load.memory[-1]["rss_kib"] / 1024 if load.memory else 0.0
    console.print(
        f"  {now - origin:6.0f}s  {len(load.samples):,} answered, "
        f"{sum(load.errors.values())} errors, {queued} waiting, RSS {mem:,.1f} MiB"
    )


# --------------------------------------------------------------------------- the report


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return 0.0
    rank = max(1, int(-(-q * len(ordered) // 100)))  # ceil(q/100 * n)
    return ordered[min(rank, len(ordered)) - 1]


def stats(samples: list[Sample], seconds: float) -> dict[str, Any]:
    lat = sorted(s.latency_ms for s in samples if s.error is None)
    svc = sorted(s.service_ms for s in samples if s.error is None)
    return {
        "requests": len(samples),
        "errors": sum(1 for s in samples if s.error is not None),
        "rate": round(len(samples) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(lat, 50), 2),
        "p90_ms": round(percentile(lat, 90), 2),
        "p99_ms": round(percentile(lat, 99), 2),
        "max_ms": round(lat[-1], 2) if lat else 0.0,
        "service_p50_ms": round(percentile(svc, 50), 2),
        "service_p99_ms": round(percentile(svc, 99), 2),
    }


def cpu_per_request(
    load: Load, first: dict[str, Any], last: dict[str, Any]
) -> tuple[float | None, float | None]:
    """Server and generator CPU ms per request due between two usage samples."""
    n = sum(1 for s in load.samples if first["t_s"] <= s.due < last["t_s"])
    if not n:
        return None, None
    server = 1000 * (last["cpu_s"] - first["cpu_s"]) / n
    client = 1000 * (last["client_cpu_s"] - first["client_cpu_s"]) / n
    return round(server, 2), round(client, 2)


def summarise(args: argparse.Namespace, load: Load) -> dict[str, Any]:
    seconds = args.minutes * 60
    measured = [s for s in load.samples if 0 <= s.due < seconds]
    slices = []
    for n in range(int(-(-seconds // args.slice_seconds))):
        lo, hi = n * args.slice_seconds, min((n + 1) * args.slice_seconds, seconds)
        part = [s for s in measured if lo <= s.due < hi]
        mem = [m for m in load.memory if m["t_s"] <= hi]
        was = [m for m in load.memory if m["t_s"] <= lo] or mem
        server_ms, client_ms = cpu_per_request(load, was[-1], mem[-1])
        ops = {
            op: {k: v for k, v in stats(group, hi - lo).items() if k.endswith(("p50_ms", "p99_ms"))}
            for op in sorted({s.op for s in part})
            for group in [[s for s in part if s.op == op]]
        }
        slices.append(
            {
                "from_s": lo,
                "to_s": hi,
                **stats(part, hi - lo),
                "rss_kib": mem[-1]["rss_kib"],
                "server_cpu_ms_per_request": server_ms,
                "client_cpu_ms_per_request": client_ms,
                "load1": mem[-1]["load1"],
                "operations": ops,
            }
        )
    ops = sorted({s.op for s in measured})
    per_op = {op: stats([s for s in measured if s.op == op], seconds) for op in ops}
    idle = load.memory[0] if load.memory else {}
    started = next((m for m in load.memory if m["t_s"] >= 0), idle)
    end = load.memory[-1] if load.memory else {}
    growth = 100 * (end["rss_kib"] - started["rss_kib"]) / started["rss_kib"]
    pss_growth = 100 * (end["pss_kib"] - started["pss_kib"]) / started["pss_kib"]
    errors = sum(load.errors.values())
    overall = stats(measured, seconds)
    server_ms, client_ms = cpu_per_request(load, started, end)
    overall["server_cpu_ms_per_request"] = server_ms
    overall["client_cpu_ms_per_request"] = client_ms
    return {
        "errors": errors,
        "errors_by_kind": dict(load.errors),
        "error_examples": load.error_examples,
        "overall": overall,
        "slices": slices,
        "per_operation": per_op,
        "rss": {
            "warmup_start_kib": idle.get("rss_kib"),
            "start_kib": started["rss_kib"],
            "end_kib": end["rss_kib"],
            "growth_pct": round(growth, 2),
            "pss_start_kib": started["pss_kib"],
            "pss_end_kib": end["pss_kib"],
            "pss_growth_pct": round(pss_growth, 2),
            "processes": end["processes"],
            "target_growth_pct": RSS_GROWTH_TARGET_PCT,
            "timeline": load.memory,
        },
        "met": {"errors": errors == 0, "rss_growth": growth < RSS_GROWTH_TARGET_PCT},
        "generator": {
            "max_send_lag_ms": round(load.max_send_lag_ms, 2),
            "max_queued": load.max_queued,
            "warmup_requests": sum(1 for s in load.samples if s.due < 0),
        },
    }


def report(args: argparse.Namespace, out: dict[str, Any]) -> None:
    title = (
        f"soak: {args.rate:g} req/s for {args.minutes:g} min, {args.workers} worker(s), "
        f"{out['notes']['database']}"
    )
    table = Table(title=title)
    columns = (
        "slice",
        "requests",
        "errors",
        "req/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "RSS MiB",
        "CPU ms/req",
        "load",
    )
    for column in columns:
        table.add_column(column, justify="right")
    rows = [(f"{s['from_s']:g}-{s['to_s']:g}s", s) for s in out["slices"]]
    rows.append(("overall", {**out["overall"], "rss_kib": out["rss"]["end_kib"]}))
    na = "-"
    for label, s in rows:
        table.add_row(
            label,
            f"{s['requests']:,}",
            str(s["errors"]),
            f"{s['rate']:,.1f}",
            f"{s['p50_ms']:.1f}",
            f"{s['p99_ms']:.1f}",
            f"{s['max_ms']:.1f}",
            f"{s['rss_kib'] / 1024:,.1f}",
            na
            if s.get("server_cpu_ms_per_request") is None
            else f"{s['server_cpu_ms_per_request']:.2f}",
            na if s.get("load1") is None else f"{s['load1']:.2f}",
        )
    console.print(table)
    ops = Table(title="per operation (measured part; latency from the due time)")
    for column in ("operation", "requests", "errors", "p50 ms", "p99 ms", "service p99 ms"):
        ops.add_column(column, justify="left" if column == "operation" else "right")
    for op, s in out["per_operation"].items():
        ops.add_row(
            op,
            f"{s['requests']:,}",
            str(s["errors"]),
            f"{s['p50_ms']:.1f}",
            f"{s['p99_ms']:.1f}",
            f"{s['service_p99_ms']:.1f}",
        )
    console.print(ops)
    rss = out["rss"]
    targets = Table(title="targets")
    for column in ("figure", "value", "target", ""):
        targets.add_column(column)
    targets.add_row(
        "errors", str(out["errors"]), "0", "[green]met" if out["met"]["errors"] else "[red]MISSED"
    )
    targets.add_row(
        f"RSS growth ({rss['start_kib'] / 1024:,.1f} -> {rss['end_kib'] / 1024:,.1f} MiB)",
        f"{rss['growth_pct']:+.2f} %",
        f"< {RSS_GROWTH_TARGET_PCT:g} %",
        "[green]met" if out["met"]["rss_growth"] else "[red]MISSED",
    )
    console.print(targets)
    gen = out["generator"]
    console.print(
        f"server CPU {out['overall']['server_cpu_ms_per_request']:.2f} ms/request, "
        f"generator CPU {out['overall']['client_cpu_ms_per_request']:.2f} ms/request, "
        f"generator late by up to {gen['max_send_lag_ms']:.0f} ms, "
        f"at most {gen['max_queued']} requests waiting for a connection"
    )
    if out["errors_by_kind"]:
        console.print(f"errors: {out['errors_by_kind']}")
        for example in out["error_examples"]:
            console.print(f"  {example}")


def package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="measured minutes")
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second")
    parser.add_argument("--workers", type=int, default=1, help="segue serve --workers")
    parser.add_argument(
        "--db", default=None, help="a PostgreSQL URL (a throw-away database is made on its server)"
    )
    parser.add_argument("--warmup", type=float, default=20.0, help="unmeasured seconds first")
    parser.add_argument("--slice-seconds", type=float, default=60.0)
    parser.add_argument("--connections", type=int, default=32, help="client connection pool")
    parser.add_argument(
        "--max-queued", type=int, default=2000, help="due requests waiting before one is dropped"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("--conversations", type=int, default=100, help="created before the load")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.rate <= 0 or args.workers < 1 or args.slice_seconds <= 0:
        parser.error("--minutes, --rate, --slice-seconds must be positive, --workers >= 1")
    if args.rate * (args.minutes * 60 + args.warmup) > 1_000_000:
        parser.error("more than 1,000,000 requests: shorten the run or lower the rate")
    return args


def on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


async def run(args: argparse.Namespace) -> dict[str, Any]:
    server = Process("conversations")
    async with database(args.db) as db:
        try:
            api_key = await asyncio.to_thread(bootstrap, db)
            start(server, db, args.workers)
            assert server.proc is not None
            with httpx.Client(trust_env=False) as probe:
                await asyncio.to_thread(wait_ready, server, probe, "/_segue/versions")
            console.print(
                f"server on {server.base} (pid {server.proc.pid}, {args.workers} worker(s)); "
                f"{args.warmup:g}s warm-up, then {args.minutes:g} min at {args.rate:g} req/s"
            )
            load = await drive(args, server.base, api_key, server.proc.pid)
            if server.proc.poll() is not None:
                raise BenchError(f"the server exited during the run:\n{process_log(server)}")
        finally:
            stop(server)
    return summarise(args, load)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, on_sigterm)
    started = time.monotonic()
    try:
        # uvloop (a dependency of segue's server) keeps the generator's own overhead down.
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            out = runner.run(run(args))
    except BenchError as exc:
        console.print(f"[red]soak aborted:[/] {exc}")
        return 1
    except KeyboardInterrupt:
        console.print("[yellow]interrupted; the server is stopped[/]")
        return 130
    db = "SQLite" if args.db is None else "PostgreSQL"
    out["notes"] = {
        "command": " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
        "database": db,
        "minutes": args.minutes,
        "rate": args.rate,
        "workers": args.workers,
        "warmup_s": args.warmup,
        "slice_s": args.slice_seconds,
        "mix": {op: share / 100 for op, share in MIX} | {"v1_share": 0.5},
        "latency": (
            "from each request's due time (open loop: start + i / rate) to its answer read, "
            "so time queued behind a slow answer counts; service_* from when the client was "
            "handed the request; percentiles nearest-rank over answered requests"
        ),
        "rss": (
            "VmRSS summed over the server's session (start_new_session: uvicorn and its "
            f"workers), sampled every {RSS_EVERY_S:g}s; start = first sample after warm-up, "
            "end = after the last answer; PSS from smaps_rollup beside it"
        ),
        "client": (
            f"httpx.AsyncClient on uvloop in one process on the same machine; due requests "
            f"queue for {args.connections} senders, one per connection"
        ),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "speed_gauge_s": speed_gauge_s(),
        "load_average_after": os.getloadavg(),
        "versions": {n: package_version(n) for n in ("uvicorn", "fastapi", "sqlalchemy", "httpx")},
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    report(args, out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    console.print(f"wrote {args.out}")
    return 1 if args.check and not all(out["met"].values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
