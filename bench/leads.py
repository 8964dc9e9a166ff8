"""The leads service at size: classification throughput and lead polling under load.

Usage::

    .venv/bin/python bench/leads.py                    # ~1-2 min
    .venv/bin/python bench/leads.py --seconds 5 --leads 20000

1. **Classification.** One ``segue serve leads`` on a fresh SQLite file; a stream of
   ``--pairs`` (50) pairs, each a different handle of the built-in source (1,000 followers
   each) with the segment "Founders" (description, label); ``POST …/run`` and, once the run
   is ``completed``, profiles classified per second = ``profilesScanned`` / (``finishedAt`` -
   ``startedAt``). The first run of a handle also generates its corpus (``cold``); later runs
   find it cached and write no lead (``warm``). Target: ≥ 20,000/s.
2. **Polling.** ``--leads`` (100,000) leads of one user in one stream, bulk-inserted with
   the store's own ``insert_leads`` before the server starts; then ``wrk -t2 -c8`` on
   ``GET /api/v2/leads?limit=50`` (the first page of new leads, newest first, with its
   total) and on v1's ``GET /api/v1/people-of-interest?limit=50`` (every lead, in v1's
   words: the same query with ``lifecycle=all``, translated by segue). Targets: v2 p99 <
   50 ms at 8 connections; v1/v2 req/s ≥ 0.9.

Writes ``bench/results/leads.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from _servers import BenchError, Process, db_url, free_port, launch, segue_cmd, stop, wait_ready
from segue.tooling import ServiceOptions
from segue_apps.common.db import create_database
from segue_apps.leads.profiles import Profile
from segue_apps.leads.service import bootstrap
from segue_apps.leads.store import catalog
from segue_apps.leads.store.leads import insert_leads

RESULTS = Path(__file__).resolve().parent / "results" / "leads.json"
SEGMENT = {"name": "Founders", "description": "Founders", "labels": ["founders"]}

WRK_SCRIPT = """
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer {key}"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors":%d,"status":%d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def _iso_ms(text: str) -> float:
    return datetime.fromisoformat(text).timestamp() * 1000


def serve(name: str, url: str) -> Process:
    process = Process(name=name, port=free_port())
    launch(process, [*segue_cmd(), "serve", "leads", "--db", url, "--port", str(process.port),
                     "--poll-ms", "20"])  # fmt: skip
    with httpx.Client() as client:
        wait_ready(process, client, "/_segue/versions")
    return process


def classification(folder: Path, pairs: int, rounds: int) -> dict[str, Any]:
    url = db_url(folder / "classify.db")
    made = asyncio.run(bootstrap(ServiceOptions(db_url=url, extra={"plan": "pro"})))
    server = serve("classify", url)
    auth = {"Authorization": f"Bearer {made['api_key']}"}
    runs: list[dict[str, Any]] = []
    try:
        with httpx.Client(base_url=server.base, headers=auth, timeout=60) as client:
            tag = random.Random().randrange(10**6)
            segment = client.post("/api/v2/segments", json=SEGMENT).json()["id"]
            body = {"pairs": [{"handle": f"b{tag}h{i}", "tier": "pro", "segmentId": segment}
                              for i in range(pairs)]}  # fmt: skip
            stream = client.post("/api/v2/streams", json=body)
            if stream.status_code != 201:
                raise BenchError(f"stream create: {stream.text}")
            stream_id = stream.json()["id"]
            for _ in range(rounds):
                run = client.post(f"/api/v2/streams/{stream_id}/run").json()
                if "id" not in run:
                    raise BenchError(f"run: {run}")
                while True:
                    done = client.get(f"/api/v2/streams/{stream_id}/runs/{run['id']}").json()
                    if done["status"] in ("completed", "failed"):
                        break
                    time.sleep(0.01)
                if done["status"] != "completed":
                    raise BenchError(f"run failed: {done}")
                seconds = (_iso_ms(done["finishedAt"]) - _iso_ms(done["startedAt"])) / 1000
                runs.append({"profiles": done["profilesScanned"], "leads": done["leadsCreated"],
                             "seconds": round(seconds, 3),
                             "per_second": round(done["profilesScanned"] / seconds)})  # fmt: skip
    finally:
        stop(server)
    warm = [r["per_second"] for r in runs[1:]]
    return {"cold": runs[0]["per_second"], "warm_median": sorted(warm)[len(warm) // 2] if warm
            else None, "runs": runs, "pairs": pairs}  # fmt: skip


async def _seed(url: str, count: int) -> str:
    made = await bootstrap(ServiceOptions(db_url=url))
    db = create_database(url)
    now = int(time.time() * 1000) - count

    def setup(conn: Any) -> tuple[str, str, str]:
        segment = catalog.create_segment(conn, made["user_id"], SEGMENT | {"gender": "any",
                                                                          "followerTiers": []},
                                         now)  # fmt: skip
        account = catalog.insert_account(conn, made["user_id"], "jack", "1", "Jack", "growth", now)
        stream_id = catalog.insert_stream(conn, made["user_id"], {
            "name": "bench", "sync_times": "[]", "timezone": "UTC", "email_mode": "off",
            "delivery": "api", "enrich": "{}"}, now)  # fmt: skip
        catalog.set_pairs(conn, stream_id, [(account.id, segment.id)])
        return stream_id, account.id, segment.id

    try:
        stream_id, account_id, segment_id = await db.run(setup, write=True)
        batch = 10_000
        for start in range(0, count, batch):
            found = [
                (account_id, segment_id,
                 Profile(str(10**12 + i), f"p{i}", f"Person {i}", "https://pbs.example.com/p.jpg",
                         i % 50_000, "Founders · coffee lover", frozenset({"founders"}), "female",
                         False, ""), "high" if i % 3 else "medium")
                for i in range(start, min(start + batch, count))
            ]  # fmt: skip
            await db.run(insert_leads, made["user_id"], stream_id, "bench", found, now + start,
                         write=True)  # fmt: skip
    finally:
        await db.dispose()
    return str(made["api_key"])


def _wrk(base: str, path: str, key: str, seconds: int, connections: int, script: Path) -> Any:
    script.write_text(WRK_SCRIPT.format(key=key))
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
           "-s", str(script), base + path]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed: {done.stdout}\n{done.stderr}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    if raw["errors"] or raw["status"]:
        raise BenchError(f"wrk saw errors: {raw}")
    return {"rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
            "p50_ms": round(raw["p50_us"] / 1000, 2), "p99_ms": round(raw["p99_us"] / 1000, 2),
            "requests": raw["requests"]}  # fmt: skip


def polling(folder: Path, count: int, seconds: int, rounds: int, connections: int) -> Any:
    url = db_url(folder / "poll.db")
    started = time.monotonic()
    key = asyncio.run(_seed(url, count))
    seeded = round(time.monotonic() - started, 1)
    server = serve("poll", url)
    paths = {"v2": "/api/v2/leads?limit=50", "v1": "/api/v1/people-of-interest?limit=50"}
    try:
        with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {key}"}) as c:
            v2 = c.get(paths["v2"]).json()
            v1 = c.get(paths["v1"]).json()
            if v2["total"] != count or v1["total"] != count or len(v1["peopleOfInterest"]) != 50:
                raise BenchError(f"not {count} leads: v2 {v2['total']}, v1 {v1['total']}")
        script = folder / "poll.lua"
        for name in ("v2", "v1"):  # warm-up
            _wrk(server.base, paths[name], key, 2, connections, script)
        measured: dict[str, list[Any]] = {"v2": [], "v1": []}
        for round_ in range(rounds):
            order = ("v2", "v1") if round_ % 2 == 0 else ("v1", "v2")
            for name in order:
                measured[name].append(
                    _wrk(server.base, paths[name], key, seconds, connections, script)
                )
    finally:
        stop(server)

    def median(name: str, field: str) -> float:
        values = sorted(r[field] for r in measured[name])
        return float(values[len(values) // 2])

    return {
        "leads": count,
        "seed_seconds": seeded,
        "connections": connections,
        "v2": {f: median("v2", f) for f in ("rps", "p50_ms", "p99_ms")},
        "v1": {f: median("v1", f) for f in ("rps", "p50_ms", "p99_ms")},
        "v1_v2_ratio": round(median("v1", "rps") / median("v2", "rps"), 3),
        "rounds": measured,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--runs", type=int, default=4, help="classification runs (1 cold)")
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=8, help="wrk seconds per case per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-leads-") as tmp:
        folder = Path(tmp)
        classified = classification(folder, args.pairs, args.runs)
        print(f"classified/s: cold {classified['cold']:,}, warm {classified['warm_median']:,}")
        polled = polling(folder, args.leads, args.seconds, args.rounds, args.connections)
        print(f"poll v2: {polled['v2']}  v1: {polled['v1']}  v1/v2 {polled['v1_v2_ratio']}")
    result = {
        "classified_per_second": classified,
        "polling": polled,
        "targets": {"classified_per_second": 20_000, "v2_poll_p99_ms": 50, "v1_v2_ratio": 0.9},
        "met": {
            "classified_per_second": classified["cold"] >= 20_000,
            "v2_poll_p99_ms": polled["v2"]["p99_ms"] < 50,
            "v1_v2_ratio": polled["v1_v2_ratio"] >= 0.9,
        },
        "notes": {
            "python": platform.python_version(),
            "machine": f"{os.cpu_count()} CPUs, shared; load average {load_before:.2f} before, "
            f"{os.getloadavg()[0]:.2f} at the end",
            "database": "SQLite file (WAL), one segue serve process",
            "wrk": f"-t2 -c{args.connections} -d{args.seconds}s, {args.rounds} rounds, medians",
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
