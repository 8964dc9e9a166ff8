"""Agent runs through the durable queue (workspace service, PostgreSQL).

Two figures, each on a fresh database on the PostgreSQL server ``--db`` names:

- **Throughput**: ``--runs`` runs (prompt ``hello``: two steps of the built-in runner,
  step time 0) are admitted straight into the database (``store.runs.admit``, one
  transaction per 500) while no server runs; then ``segue serve workspace --workers N``
  starts and drains the queue. Runs completed per second = (runs - 1) / (last
  ``completed_at`` - first ``completed_at``), the rate at which workers claim, step,
  record and finish runs, for N = 1 and 4 server processes.
- **Poll latency**: 1,000 runs in flight (prompt ``loop``, served with the default 300 ms
  step and 32 concurrent runs per process: 32 step away, the rest wait in the queue; all
  are ``running``), then ``--pollers`` clients poll ``GET /agents/{id}/runs/{runId}`` of
  random runs for ``--seconds``; p50/p99 of the answers (every one checked: 200,
  ``running``, ``Retry-After: 15``).

Writes ``bench/results/runs.json``. See ``bench/README.md``.

    .venv/bin/python bench/runs.py [--db postgresql+asyncpg://postgres@127.0.0.1:5432/test]
        [--runs 3000] [--in-flight 1000] [--seconds 10] [--pollers 4]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import platform
import random
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from _servers import (
    HOST,
    BenchError,
    Process,
    free_port,
    launch,
    segue_cmd,
    speed_gauge_s,
    stop,
    wait_ready,
)
from segue.tooling import ServiceOptions
from segue_apps.common.clock import now_ms
from segue_apps.common.db import create_database
from segue_apps.workspace.service import bootstrap
from segue_apps.workspace.store import runs as run_store
from segue_apps.workspace.store.agent_tables import runs
from segue_apps.workspace.store.agents import insert_agent

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results" / "runs.json"
DEFAULT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TARGET_RUNS_PER_S = 300
TARGET_POLL_P99_MS = 25.0
BATCH = 500


@contextlib.asynccontextmanager
async def fresh_database(server_url: str) -> AsyncIterator[str]:
    """A new database on ``server_url``'s server, dropped afterwards."""
    url = make_url(server_url)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"segue_bench_runs_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def admit_many(db_url: str, made: dict[str, Any], prompt: str, count: int) -> list[Any]:
    """Admit ``count`` runs, one agent each, straight into the database: ``(agent, run)``."""
    db = create_database(db_url)

    def admit_batch(conn: sa.Connection, n: int) -> list[tuple[str, str]]:
        out = []
        for _ in range(n):
            now = now_ms()
            agent = insert_agent(conn, made["org_id"], made["workspace_id"], "Bench", now)
            admission = run_store.Admission(
                org_id=made["org_id"],
                workspace_id=made["workspace_id"],
                agent_id=agent["id"],
                prompt=prompt,
                model=None,
                focus_table_ids=[],
                attachments=[],
                now=now,
                wall_ms=now,
                timeout_ms=20 * 60 * 1000,
                app_url="https://app.segue.dev",
            )
            out.append((agent["id"], run_store.admit(conn, admission)["id"]))
        return out

    try:
        pairs: list[Any] = []
        while len(pairs) < count:
            n = min(BATCH, count - len(pairs))
            pairs += await db.run(admit_batch, n, write=True)
        return pairs
    finally:
        await db.dispose()


async def completed(db_url: str) -> tuple[int, int, int]:
    """``(ended runs, first completed_at, last completed_at)``."""
    db = create_database(db_url)
    try:
        query = sa.select(
            sa.func.count(), sa.func.min(runs.c.completed_at), sa.func.max(runs.c.completed_at)
        ).where(runs.c.status != "running")
        row = await db.run(lambda conn: conn.execute(query).one())
        return int(row[0]), int(row[1] or 0), int(row[2] or 0)
    finally:
        await db.dispose()


def serve(db_url: str, workers: int, *flags: str) -> Process:
    process = Process(name=f"workspace x{workers}", port=free_port())
    launch(process, [*segue_cmd(), "serve", "workspace", "--db", db_url, "--host", HOST,
                     "--port", str(process.port), "--workers", str(workers), *flags])  # fmt: skip
    with httpx.Client() as client:
        wait_ready(process, client, "/_segue/versions")
    return process


async def throughput(server_url: str, workers: int, count: int, concurrency: int) -> dict[str, Any]:
    async with fresh_database(server_url) as db_url:
        made = await bootstrap(
            ServiceOptions(db_url=db_url, extra={"plan": "enterprise", "credits": 10**9})
        )
        await admit_many(db_url, made, "hello", count)
        process = serve(db_url, workers, "--runner-step-ms", "0", "--poll-ms", "20",
                        "--concurrency", str(concurrency))  # fmt: skip
        try:
            deadline = time.monotonic() + 600
            while (done := await completed(db_url))[0] < count:
                if time.monotonic() > deadline:
                    raise BenchError(f"only {done[0]} of {count} runs ended in 600 s")
                await asyncio.sleep(0.2)
        finally:
            stop(process)
        _, first, last = done
        rate = (count - 1) / max((last - first) / 1000, 1e-3)
        print(f"  {workers} worker(s): {count} runs, {rate:.0f} runs/s")
        return {"workers": workers, "concurrency": concurrency, "runs": count,
                "seconds": (last - first) / 1000, "runs_per_s": round(rate, 1)}  # fmt: skip


async def poll_latency(
    server_url: str, in_flight: int, seconds: float, pollers: int
) -> dict[str, Any]:
    async with fresh_database(server_url) as db_url:
        made = await bootstrap(
            ServiceOptions(db_url=db_url, extra={"plan": "enterprise", "credits": 10**9})
        )
        pairs = await admit_many(db_url, made, "loop", in_flight)
        process = serve(db_url, 1)
        headers = {"Authorization": f"Bearer {made['api_key']}"}
        latencies: list[float] = []
        errors = 0
        rng = random.Random(20261205)
        try:
            async with httpx.AsyncClient(base_url=process.base, headers=headers) as client:

                async def poller(until: float) -> None:
                    nonlocal errors
                    while time.monotonic() < until:
                        agent_id, run_id = rng.choice(pairs)
                        start = time.perf_counter()
                        response = await client.get(f"/api/v2/agents/{agent_id}/runs/{run_id}")
                        latencies.append((time.perf_counter() - start) * 1000)
                        ok = response.status_code == 200 and response.json()["status"] == "running"
                        if not ok or response.headers.get("retry-after") != "15":
                            errors += 1

                await asyncio.gather(*(poller(time.monotonic() + 1) for _ in range(pollers)))
                latencies.clear()  # warm-up
                until = time.monotonic() + seconds
                await asyncio.gather(*(poller(until) for _ in range(pollers)))
                still = (await completed(db_url))[0]
        finally:
            stop(process)
        latencies.sort()
        p50 = statistics.median(latencies)
        p99 = latencies[int(len(latencies) * 0.99)]
        left = in_flight - still
        print(f"  poll: {len(latencies)} polls, p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
              f"{errors} errors, {left} of {in_flight} runs still in flight")  # fmt: skip
        return {
            "in_flight": in_flight,
            "still_in_flight_at_end": in_flight - still,
            "pollers": pollers,
            "polls": len(latencies),
            "errors": errors,
            "p50_ms": round(p50, 2),
            "p99_ms": round(p99, 2),
        }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=DEFAULT_DB, help="a PostgreSQL server (any database)")
    parser.add_argument("--runs", type=int, default=3000, help="runs per throughput pass")
    parser.add_argument("--in-flight", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10, help="polling time")
    parser.add_argument("--pollers", type=int, default=4, help="concurrent pollers")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=12,
        help="runs per server process at once (4 x 12 keeps under PostgreSQL's 100 clients)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    print("throughput (step time 0):")
    passes = [await throughput(args.db, n, args.runs, args.concurrency) for n in (1, 4)]
    print("poll latency:")
    poll = await poll_latency(args.db, args.in_flight, args.seconds, args.pollers)
    results = {
        "command": "bench/runs.py " + " ".join(sys.argv[1:]),
        "machine": {
            "python": platform.python_version(),
            "cpus": __import__("os").cpu_count(),
            "speed_gauge_s": speed_gauge_s(),
        },
        "throughput": passes,
        "poll": poll,
        "targets": {"runs_per_s_4_workers": TARGET_RUNS_PER_S, "poll_p99_ms": TARGET_POLL_P99_MS},
        "met": {
            "throughput": passes[-1]["runs_per_s"] >= TARGET_RUNS_PER_S,
            "poll_p99": poll["p99_ms"] < TARGET_POLL_P99_MS,
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}: {results['met']}")
    return 0 if all(results["met"].values()) or not args.check else 1


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
