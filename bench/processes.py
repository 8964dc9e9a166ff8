"""The processes service's run queue on PostgreSQL: runs completed per second, v1 vs v2.

For each worker count (1 and 4 by default) a fresh PostgreSQL database is made on the
server of ``--pg-url`` (dropped afterwards), a tenant is bootstrapped with ``segue
bootstrap processes``, and ``segue serve processes --workers N`` runs on 127.0.0.1 (always
stopped). The demo process (the built-in echo executor) runs every run.

* **drain**: ``--runs`` runs are submitted by ``wrk`` (``POST /v2/runs``,
  ``--concurrency`` connections), then the bench waits, reading the jobs table directly,
  until every run has succeeded. Runs completed per second = runs ÷ (last job finished -
  first run submitted), both from the same clock; the median of ``--repeats`` drains. The
  submit rate alone is shown too.
* **v1 vs v2** (on the 4-worker server): ``--clients`` clients each start a run and poll
  it every ``--poll-ms`` until it has finished, then start the next: v2 ``POST /v2/runs``
  + ``GET /v2/runs/{id}``, v1 ``POST /v1/invoke/{share_id}`` + ``GET /v1/run/{id}``;
  ``--seconds`` per round, rounds interleaved (v2, v1, v1, v2, …) so drift falls on both.
  The ratio is v1 ÷ v2 cycles per second, measured in the same run.

Writes ``bench/results/processes.json``. See ``bench/README.md``.

    .venv/bin/python bench/processes.py [--workers 1,4] [--runs 2000] [--repeats 3]
        [--seconds 5] [--rounds 2] [--pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
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
)
from _servers import wait_ready as wait_answering

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results" / "processes.json"
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TARGET_RUNS_PER_S = 300
TARGET_RATIO = 0.9
FINAL = ("succeeded", "failed", "cancelled")


# --------------------------------------------------------------------------- database


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def fresh_database(pg_url: str) -> AsyncIterator[str]:
    """A new database on ``pg_url``'s server, dropped afterwards."""
    name = f"segue_bench_processes_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_dsn(pg_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def bootstrap(url: str) -> dict[str, str]:
    done = subprocess.run(
        [*segue_cmd(), "bootstrap", "processes", "--db", url],
        capture_output=True,
        text=True,
        check=True,
    )
    made: dict[str, str] = json.loads(done.stdout)
    return made


# --------------------------------------------------------------------------- server


@dataclass
class Server(Process):
    workers: int = 1


def start(server: Server, url: str, key: str) -> None:
    cmd = [*segue_cmd(), "serve", "processes", "--db", url, "--host", HOST]
    cmd += ["--port", str(server.port), "--workers", str(server.workers)]
    launch(server, cmd)
    with httpx.Client(headers={"x-api-key": key}) as client:
        wait_answering(server, client, "/v2/health")
        deadline = time.monotonic() + 60
        while client.get(server.base + "/v2/health").status_code != 200:
            if time.monotonic() > deadline:
                raise BenchError(f"not healthy after 60 s:\n{process_log(server)}")
            time.sleep(0.2)


def session_cpu_s(leader: int) -> float:
    """CPU seconds (user + system) used so far by the processes of ``leader``'s session:
    the server and its ``--workers`` children."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[3]) == leader:  # the session id
            total += int(fields[11]) + int(fields[12])
    return total / tick


def client_cpu_s() -> float:
    """CPU seconds used so far by the bench and the wrk processes it waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def postgres_cpu_s() -> float:
    """CPU seconds used so far by every PostgreSQL process (other clients' included)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, rest = text.split(" (", 1)[1].rsplit(")", 1)
        if name.startswith("postgres"):
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])
    return total / tick


# --------------------------------------------------------------------------- drain


def _run_body(tenant: dict[str, str], i: int) -> dict[str, Any]:
    return {"agent_id": tenant["agent_id"], "process_id": tenant["process_id"],
            "stage": "Published", "name": f"bench {i}", "inputs": {"i": i}}  # fmt: skip


# wrk submits the runs: a client in C costs a small fraction of the CPU per request that
# an httpx loop does (~3 ms here), which would otherwise take a third of the two cores the
# server and PostgreSQL share with it. Each thread stops itself after its share of runs.
SUBMIT_SCRIPT = """
local made, failed, wanted = 0, 0, {per_thread}
local count = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-api-key"] = "{key}"
request = function()
  count = count + 1
  local body = string.format(
    '{{"agent_id":"{agent}","process_id":"{process}","stage":"Published","name":"bench %d",'
    .. '"inputs":{{"i":%d}}}}', count, count)
  return wrk.format(nil, "/v2/runs", nil, body)
end
response = function(status, headers, body)
  if status == 201 then made = made + 1 else failed = failed + 1 end
  if made + failed >= wanted then wrk.thread:stop() end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {{"requests":%d,"duration_us":%d,"errors":%d,"status":%d}}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status))
end
"""


async def submit(
    server: Server, conn: asyncpg.Connection, tenant: dict[str, str], runs: int,
    concurrency: int, since_ms: int,
) -> dict[str, Any]:  # fmt: skip
    """``POST /v2/runs`` ``runs`` times with wrk (one thread, ``concurrency`` connections);
    wrk's summary: requests, errors (transport) and status (answers other than 201).

    wrk's thread stops sending after its ``runs`` answers, but wrk itself waits out its
    ``-d``: once the table holds the runs, a SIGINT ends it (and it prints its summary).
    """
    script = Path(tempfile.mkstemp(suffix=".lua", prefix="processes-submit-")[1])
    text = SUBMIT_SCRIPT.format(per_thread=runs, key=tenant["api_key"],
                                agent=tenant["agent_id"], process=tenant["process_id"])  # fmt: skip
    await asyncio.to_thread(script.write_text, text)
    cmd = ["wrk", "-t1", f"-c{concurrency}", "-d300s", "--timeout", "30s",
           "-s", str(script), server.base + "/v2/runs"]  # fmt: skip
    wrk = await asyncio.create_subprocess_exec(
        *cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        query = "SELECT count(*) FROM processes_jobs WHERE created_at >= $1"
        while wrk.returncode is None and await conn.fetchval(query, since_ms) < runs:  # noqa: ASYNC110 - polls the database
            await asyncio.sleep(0.05)
    finally:
        if wrk.returncode is None:
            wrk.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(wrk.communicate(), timeout=30)
        await asyncio.to_thread(script.unlink)
    line = next((x for x in out.decode().splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise BenchError(f"wrk failed: {out.decode()}\n{err.decode()}")
    found: dict[str, Any] = json.loads(line.removeprefix("WRKJSON "))
    return found


async def drain(
    server: Server, url: str, tenant: dict[str, str], runs: int, concurrency: int
) -> dict[str, Any]:
    """Submit ``runs`` runs, wait until all have finished; the rates from the jobs table."""
    assert server.proc is not None
    conn = await asyncpg.connect(_dsn(url))
    try:
        cpu_before = session_cpu_s(server.proc.pid), postgres_cpu_s(), client_cpu_s()
        started_ms = int(time.time() * 1000)
        summary = await submit(server, conn, tenant, runs, concurrency, started_ms)
        submitted_ms = time.time() * 1000
    finally:
        await conn.close()
    failures = summary["errors"] + summary["status"]
    if failures > runs // 100:
        raise BenchError(f"{failures} of {summary['requests']} submissions failed:\n"
                         f"{process_log(server)}")  # fmt: skip
    conn = await asyncpg.connect(_dsn(url))
    try:
        deadline = time.monotonic() + 300
        while True:  # every run made since the start (a lost answer's run too) has ended
            row = await conn.fetchrow(
                "SELECT count(*) AS made, "
                "count(*) FILTER (WHERE status = ANY($1::text[])) AS final, "
                "count(*) FILTER (WHERE status = 'succeeded') AS ok, "
                "max(updated_at) AS last FROM processes_jobs WHERE created_at >= $2",
                list(FINAL),
                started_ms,
            )
            assert row is not None
            if row["final"] == row["made"]:
                break
            if time.monotonic() > deadline:
                raise BenchError(f"only {row['final']} of {row['made']} runs ended in 300 s")
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
    made = int(row["made"])
    cpu_after = session_cpu_s(server.proc.pid), postgres_cpu_s(), client_cpu_s()
    server_ms, postgres_ms, client_ms = (
        (after - before) * 1000 / made for before, after in zip(cpu_before, cpu_after, strict=True)
    )
    if row["ok"] != made:
        raise BenchError(f"{made - row['ok']} runs did not succeed")
    elapsed_s = (row["last"] - started_ms) / 1000
    return {
        "runs": made,
        "submit_errors": failures,
        "submit_concurrency": concurrency,
        "submit_runs_per_s": round(made / ((submitted_ms - started_ms) / 1000), 1),
        "seconds": round(elapsed_s, 3),
        "runs_completed_per_s": round(made / elapsed_s, 1),
        "cpu_ms_per_run": {
            "server": round(server_ms, 2),
            "postgres_all_clients": round(postgres_ms, 2),
            "bench_client": round(client_ms, 2),
        },
    }


# --------------------------------------------------------------------------- v1 vs v2


async def cycles(
    server: Server, tenant: dict[str, str], version: str, clients: int, seconds: float,
    poll_ms: int,
) -> dict[str, Any]:  # fmt: skip
    """``clients`` loops of start-a-run-then-poll-it for ``seconds``: cycles per second."""
    headers = {"x-api-key": tenant["api_key"]}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    done: list[float] = []
    polls = 0
    async with httpx.AsyncClient(
        base_url=server.base, headers=headers, limits=limits, timeout=30
    ) as client:

        async def one(i: int) -> None:
            nonlocal polls
            if version == "v2":
                made = await client.post("/v2/runs", json=_run_body(tenant, i))
                if made.status_code != 201:
                    raise BenchError(f"v2 POST /runs: {made.status_code} {made.text[:200]}")
                path, key, waiting = (
                    f"/v2/runs/{made.json()['id']}",
                    "status",
                    ("Created", "Running"),
                )
            else:
                made = await client.post(f"/v1/invoke/{tenant['share_id']}", json={"i": i})
                if made.status_code != 201:
                    raise BenchError(f"v1 POST /invoke: {made.status_code} {made.text[:200]}")
                path, key, waiting = (
                    f"/v1/run/{made.json()['worker_id']}",
                    "state",
                    ("pending", "running"),
                )
            while True:
                await asyncio.sleep(poll_ms / 1000)
                polled = await client.get(path)
                polls += 1
                if polled.status_code != 200:
                    raise BenchError(f"{version} GET {path}: {polled.status_code}")
                state = polled.json()[key]
                if state not in waiting:
                    if state not in ("Succeeded", "done"):
                        raise BenchError(f"{version} run ended {state}")
                    return

        async def loop(offset: int) -> None:
            i = offset
            while time.monotonic() < stop_at:
                await one(i)
                done.append(time.monotonic())
                i += clients

        begin = time.monotonic()
        stop_at = begin + seconds
        await asyncio.gather(*(loop(c) for c in range(clients)))
        elapsed = max(done[-1] if done else stop_at, stop_at) - begin
    return {"cycles": len(done), "seconds": round(elapsed, 3),
            "cycles_per_s": round(len(done) / elapsed, 1),
            "polls_per_cycle": round(polls / max(1, len(done)), 2)}  # fmt: skip


async def compare(
    server: Server, tenant: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    order = [v for r in range(args.rounds) for v in (("v2", "v1") if r % 2 == 0 else ("v1", "v2"))]
    rounds: dict[str, list[dict[str, Any]]] = {"v1": [], "v2": []}
    await cycles(server, tenant, "v2", args.clients, 1.0, args.poll_ms)  # warm-up
    for version in order:
        found = await cycles(server, tenant, version, args.clients, args.seconds, args.poll_ms)
        rounds[version].append(found)
        print(f"  {version}: {found['cycles_per_s']:.1f} cycles/s "
              f"({found['polls_per_cycle']} polls each)", flush=True)  # fmt: skip
    rates = {v: sum(r["cycles"] for r in rs) / sum(r["seconds"] for r in rs)
             for v, rs in rounds.items()}  # fmt: skip
    return {
        "clients": args.clients,
        "poll_ms": args.poll_ms,
        "seconds_per_round": args.seconds,
        "order": order,
        "v1_cycles_per_s": round(rates["v1"], 1),
        "v2_cycles_per_s": round(rates["v2"], 1),
        "v1_over_v2": round(rates["v1"] / rates["v2"], 3),
        "rounds": rounds,
    }


# --------------------------------------------------------------------------- main


async def bench_workers(workers: int, args: argparse.Namespace) -> dict[str, Any]:
    async with fresh_database(args.pg_url) as url:
        tenant = bootstrap(url)
        server = Server(name=f"processes x{workers}", port=free_port(), workers=workers)
        try:
            start(server, url, tenant["api_key"])
            print(f"workers={workers}: draining {args.runs} runs …", flush=True)
            await drain(server, url, tenant, min(200, args.runs), args.concurrency)  # warm-up
            drains = []
            for _ in range(args.repeats):
                found = await drain(server, url, tenant, args.runs, args.concurrency)
                print(f"  {found['runs_completed_per_s']:.1f} runs/s completed "
                      f"(submitted at {found['submit_runs_per_s']:.1f}/s)", flush=True)  # fmt: skip
                drains.append(found)
            rates = [d["runs_completed_per_s"] for d in drains]
            result: dict[str, Any] = {
                "runs_completed_per_s_median": statistics.median(rates),
                "drains": drains,
            }
            if workers == max(args.workers):
                print(f"workers={workers}: v1 invoke+poll vs v2 runs+poll …", flush=True)
                result["v1_vs_v2"] = await compare(server, tenant, args)
            return result
        finally:
            stop(server)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,4", help="server worker counts (1,4)")
    parser.add_argument("--runs", type=int, default=2000, help="runs per drain (2000)")
    parser.add_argument("--repeats", type=int, default=3, help="drains per worker count, "
                        "the median reported (3)")  # fmt: skip
    parser.add_argument("--concurrency", type=int, default=8, help="submissions in flight (8)")
    parser.add_argument("--clients", type=int, default=8, help="v1/v2 clients (8)")
    parser.add_argument("--poll-ms", type=int, default=20, help="client poll interval (20)")
    parser.add_argument("--seconds", type=float, default=5.0, help="per v1/v2 round (5)")
    parser.add_argument("--rounds", type=int, default=2, help="v1/v2 round pairs (2)")
    parser.add_argument("--pg-url", default=os.environ.get("SEGUE_TEST_PG_URL") or DEFAULT_PG)
    parser.add_argument("--out", default=str(RESULTS), help="results file")
    args = parser.parse_args(argv)
    args.workers = [int(w) for w in args.workers.split(",")]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (it submits the runs): apt-get install -y wrk")
        return 2
    load_before = os.getloadavg()[0]
    results = {w: asyncio.run(bench_workers(w, args)) for w in args.workers}
    load_after = os.getloadavg()[0]
    most = max(args.workers)
    ratio = results[most].get("v1_vs_v2", {}).get("v1_over_v2")
    at_most = results[most]["runs_completed_per_s_median"]
    report = {
        "benchmark": "processes",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "speed_gauge_s": speed_gauge_s(),
        },
        "setup": {
            "server": "segue serve processes --workers N on 127.0.0.1, PostgreSQL, "
            "the built-in echo executor",
            "command": "bench/processes.py " + " ".join(argv or sys.argv[1:]),
            "loadavg_1m_before_after": [round(load_before, 2), round(load_after, 2)],
        },
        "summary": {
            f"runs_per_s_{w}_workers": results[w]["runs_completed_per_s_median"]
            for w in args.workers
        }
        | {
            "target_runs_per_s": TARGET_RUNS_PER_S,
            "target_met": at_most >= TARGET_RUNS_PER_S,
            "v1_over_v2": ratio,
            "target_ratio": TARGET_RATIO,
            "ratio_met": ratio is not None and ratio >= TARGET_RATIO,
        },
        "results": {f"workers_{w}": found for w, found in results.items()},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["summary"], indent=2))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
