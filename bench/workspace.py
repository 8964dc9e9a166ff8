"""The workspace service at size: upserts into, and pages out of, a 1,000,000-row table.

Seeds (once, cached under ``bench/.data/``) a SQLite database: ``segue bootstrap
workspace`` for the tenant, then a bulk load of a table with input columns ``email`` (the
match column, already indexed in ``ws_match_values``), ``name`` and ``company``. Each run
works on a fresh copy, starts ``segue serve workspace`` on 127.0.0.1 (always stopped),
checks every request below answers as expected, then drives it from ``wrk`` (Lua scripts
build the POST bodies; every case is bounded by ``--seconds``):

* v2 upsert matched on ``email``, batches of 1, 10 and 100 (= the cap, v1's and v2's):
  each batch is a run of consecutive keys at a random offset in [0, 2N), so about half
  the rows update an existing row and half insert one;
* v1 insert (``POST /api/v1/tables/{id}/rows``, cap-sized) vs v2 cap-sized upsert;
* row pages (50 rows, a random one of the first 200 pages): v2 typed, flat and CSV, and
  v1 flat and CSV — p50/p99 latency.

Writes ``bench/results/workspace.json``. See ``bench/README.md``.

    .venv/bin/python bench/workspace.py [--seconds 5] [--rows 1000000] [--reseed]
        [--cases v2_upsert_100,v1_insert_100]

``--cases`` runs only the named cases (to iterate on one path) and prints them without
writing the results file, which only a full run updates.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from _servers import (
    HOST,
    BenchError,
    Process,
    db_url,
    free_port,
    launch,
    process_log,
    segue_cmd,
    speed_gauge_s,
    stop,
)

BENCH = Path(__file__).resolve().parent
DATA = BENCH / ".data"
RESULTS = BENCH / "results" / "workspace.json"
CAP = 100  # rows per upsert / insert call, v1 and v2 alike
TARGET_ROWS_PER_S = 20_000
LIST_PAGES = 200
UPSERT_CASES = tuple(f"v2_upsert_{size}" for size in (1, 10, CAP))
LIST_CASES = ("v2_rows_typed", "v2_rows_flat", "v2_rows_csv", "v1_rows_flat", "v1_rows_csv")
CASES = (*UPSERT_CASES, f"v1_insert_{CAP}", *LIST_CASES)


def uvicorn_stack() -> str:
    """What ``segue serve`` runs on in this environment: uvicorn takes httptools and
    uvloop when they are installed, h11 and asyncio otherwise (the upsert figures differ)."""
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return f"{http}/{loop}"


# --------------------------------------------------------------------------- seeding


def _cells(i: int) -> str:
    return orjson.dumps(
        {
            "email": {"kind": "scalar", "value": f"u{i}@x.io"},
            "name": {"kind": "scalar", "value": f"Name {i}"},
            "company": {"kind": "scalar", "value": f"Company {i % 5000}"},
        }
    ).decode()


def seed(path: Path, rows: int) -> dict[str, Any]:
    """Bootstrap a tenant, then bulk-load a ``rows``-row table straight into SQLite."""
    path.unlink(missing_ok=True)
    boot = subprocess.run(
        [*segue_cmd(), "bootstrap", "workspace", "--db", db_url(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    meta: dict[str, Any] = json.loads(boot.stdout)
    now = int(time.time() * 1000)
    table_id = "benchtable00000000000"
    cols = [("benchcolemail00000000", "email"), ("benchcolname000000000", "name")]
    cols.append(("benchcolcompany000000", "company"))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO ws_tables (id, workspace_id, name, created_at, updated_at) "
        "VALUES (?, ?, 'Bench', ?, ?)",
        (table_id, meta["workspace_id"], now, now),
    )
    conn.executemany(
        "INSERT INTO ws_columns (id, table_id, position, name, slug, type, kind, auto_trigger,"
        " match_indexed) VALUES (?, ?, ?, ?, ?, 'static', 'input', 0, ?)",
        [(cid, table_id, i, slug.title(), slug, i == 0) for i, (cid, slug) in enumerate(cols)],
    )
    chunk = 50_000
    for start in range(0, rows, chunk):
        ids = [(f"r{i:020d}", i) for i in range(start, min(rows, start + chunk))]
        conn.executemany(
            "INSERT INTO ws_rows (id, table_id, cells, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            ((rid, table_id, _cells(i), now, now) for rid, i in ids),
        )
        conn.executemany(
            "INSERT INTO ws_match_values (row_id, column_id, value) VALUES (?, ?, ?)",
            ((rid, cols[0][0], f"u{i}@x.io") for rid, i in ids),
        )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    conn.close()
    meta.update({"bench_table_id": table_id, "rows": rows})
    return meta


def dataset(rows: int, reseed: bool) -> tuple[Path, dict[str, Any]]:
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"workspace-{rows}.db"
    meta_path = path.with_suffix(".json")
    if reseed or not path.exists() or not meta_path.exists():
        started = time.perf_counter()
        print(f"seeding {rows:,} rows into {path} …", flush=True)
        meta = seed(path, rows)
        meta_path.write_text(json.dumps(meta))
        print(f"  seeded in {time.perf_counter() - started:.1f}s", flush=True)
    meta = json.loads(meta_path.read_text())
    return path, meta


# --------------------------------------------------------------------------- server


@dataclass
class Server(Process):
    db: Path | None = None  # the SQLite file it serves


def start(server: Server, api_key: str) -> None:
    assert server.db is not None
    cmd = [*segue_cmd(), "serve", "workspace", "--db", db_url(server.db)]
    cmd += ["--host", HOST, "--port", str(server.port)]
    launch(server, cmd)
    assert server.proc is not None
    deadline = time.monotonic() + 60
    with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {api_key}"}) as c:
        while time.monotonic() < deadline:
            if server.proc.poll() is not None:
                raise BenchError(f"server exited:\n{process_log(server)}")
            try:
                if c.get("/api/v2/account/credits").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    raise BenchError(f"server not ready after 60s:\n{process_log(server)}")


# --------------------------------------------------------------------------- wrk

_UPSERT_LUA = """
math.randomseed(os.time() + {salt})
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer {key}"
wrk.headers["Content-Type"] = "application/json"
local counter = 0
request = function()
  counter = counter + 1
  local parts = {{}}
  local start = {start}
  for i = 0, {size} - 1 do
    local k = start + i
    parts[#parts + 1] = string.format(
      '{{"email":"{email}","name":"N%d-%d","company":"C"}}', k, counter, i)
  end
  local body = '{{"rows":[' .. table.concat(parts, ",") .. ']{extra},"enrich":false}}'
  return wrk.format("POST", "{path}", nil, body)
end
"""

_LIST_LUA = """
math.randomseed(os.time())
wrk.headers["Authorization"] = "Bearer {key}"
request = function()
  local page = math.random(0, {pages} - 1)
  return wrk.format("GET", "{path}?pageSize=50&page=" .. page .. "{extra}")
end
"""

_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * _UNIT[unit]


def run_wrk(server: Server, script: str, seconds: int, connections: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        path = handle.name
    try:
        cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
        cmd += ["--timeout", "10s", "-s", path, server.base]
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    finally:
        os.unlink(path)
    out = done.stdout
    if done.returncode != 0 or "Requests/sec" not in out:
        raise BenchError(f"wrk failed: {out}\n{done.stderr}\n{process_log(server)}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if bad or errors:
        raise BenchError(f"wrk saw errors; not a clean measurement:\n{out}")
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", out, re.M))
    if "99" not in lat:
        raise BenchError(f"no latency distribution in wrk output:\n{out}")
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(lat["50"]),
        "p99_ms": _ms(lat["99"]),
    }


# --------------------------------------------------------------------------- cases


def upsert_script(key: str, table: str, size: int, rows: int, v1: bool, salt: int) -> str:
    if v1:  # insert: new keys only, beyond the seeded range
        start = f"{rows * 4} + math.random(0, 1000000000)"
        path, extra = f"/api/v1/tables/{table}/rows", ""
    else:
        start = f"math.random(0, {2 * rows - size})"
        path, extra = f"/api/v2/tables/{table}/rows/upsert", ',"matchColumns":["email"]'
    return _UPSERT_LUA.format(
        key=key, start=start, size=size, email="u%d@x.io", path=path, extra=extra, salt=salt
    )


def verify(server: Server, meta: dict[str, Any]) -> None:
    """Every benchmarked request answers as the benchmark assumes."""
    table = meta["bench_table_id"]
    headers = {"Authorization": f"Bearer {meta['api_key']}"}
    with httpx.Client(base_url=server.base, headers=headers, timeout=30) as c:
        rows = [{"email": "u0@x.io", "name": "changed", "company": "C"}, {"email": "new@x.io"}]
        up = c.post(
            f"/api/v2/tables/{table}/rows/upsert",
            json={"rows": rows, "matchColumns": ["email"], "enrich": False},
        )
        if up.status_code != 201 or up.json()["counts"] != {
            "inserted": 1,
            "updated": 1,
            "skipped": 0,
        }:
            raise BenchError(f"upsert: {up.status_code} {up.text}")
        ins = c.post(f"/api/v1/tables/{table}/rows", json={"rows": [{"email": "v1@x.io"}]})
        if ins.status_code != 201 or set(ins.json()) != {"batchId"}:
            raise BenchError(f"v1 insert: {ins.status_code} {ins.text}")
        typed = c.get(f"/api/v2/tables/{table}/rows?pageSize=50&page=3").json()
        if len(typed["rows"]) != 50 or typed["pagination"]["total"] < meta["rows"]:
            raise BenchError(f"typed rows: {typed}")
        flat = c.get(f"/api/v1/tables/{table}/rows?pageSize=50&page=3").json()
        if set(flat) != {"columns", "rows", "total", "page", "pageSize"} or len(flat["rows"]) != 50:
            raise BenchError(f"v1 rows: {flat}")
        csv = c.get(f"/api/v2/tables/{table}/rows?pageSize=50&page=3&format=csv")
        if not csv.headers["content-type"].startswith("text/csv") or csv.text.count("\n") != 51:
            raise BenchError(f"csv: {csv.text[:200]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk seconds per case")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the bench table")
    parser.add_argument("--write-connections", type=int, default=4)
    parser.add_argument("--read-connections", type=int, default=8)
    parser.add_argument("--reseed", action="store_true", help="rebuild the cached database")
    parser.add_argument(
        "--cases",
        default=",".join(CASES),
        help="comma-separated cases to run (default: all); a partial run writes no results",
    )
    args = parser.parse_args(argv)
    cases = [c for c in args.cases.split(",") if c]
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f"unknown cases {unknown}; choose from {', '.join(CASES)}")
    partial = set(cases) != set(CASES)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    source, meta = dataset(args.rows, args.reseed)
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="segue-bench-ws-"))
    server = Server("workspace", port=free_port(), db=work / "workspace.db")
    key, table = meta["api_key"], meta["bench_table_id"]
    results: dict[str, Any] = {}
    try:
        shutil.copyfile(source, server.db)
        start(server, key)
        verify(server, meta)
        wc, rc, secs = args.write_connections, args.read_connections, args.seconds
        for size in (1, 10, CAP):
            if f"v2_upsert_{size}" not in cases:
                continue
            script = upsert_script(key, table, size, args.rows, v1=False, salt=size)
            run_wrk(server, script, 1, wc)  # warm-up
            found = run_wrk(server, script, secs, wc)
            found["rows_per_s"] = found["requests_per_s"] * size
            results[f"v2_upsert_{size}"] = found
            print(f"v2 upsert x{size:<3}: {found['rows_per_s']:>9,.0f} rows/s", flush=True)
        if f"v1_insert_{CAP}" in cases:
            script = upsert_script(key, table, CAP, args.rows, v1=True, salt=7)
            run_wrk(server, script, 1, wc)
            found = run_wrk(server, script, secs, wc)
            found["rows_per_s"] = found["requests_per_s"] * CAP
            results[f"v1_insert_{CAP}"] = found
            print(f"v1 insert x{CAP}: {found['rows_per_s']:>9,.0f} rows/s", flush=True)
        for name, path, extra in (
            ("v2_rows_typed", f"/api/v2/tables/{table}/rows", ""),
            ("v2_rows_flat", f"/api/v2/tables/{table}/rows", "&cells=flat"),
            ("v2_rows_csv", f"/api/v2/tables/{table}/rows", "&format=csv"),
            ("v1_rows_flat", f"/api/v1/tables/{table}/rows", ""),
            ("v1_rows_csv", f"/api/v1/tables/{table}/rows", "&format=csv"),
        ):
            if name not in cases:
                continue
            script = _LIST_LUA.format(key=key, pages=LIST_PAGES, path=path, extra=extra)
            run_wrk(server, script, 1, rc)
            results[name] = run_wrk(server, script, secs, rc)
            r = results[name]
            print(f"{name:<14}: p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms", flush=True)
        with sqlite3.connect(server.db) as conn:
            final_rows = conn.execute(
                "SELECT count(*) FROM ws_rows WHERE table_id = ?", (table,)
            ).fetchone()[0]
    finally:
        stop(server)
        shutil.rmtree(work, ignore_errors=True)
    if partial:
        upserts = results.get(f"v2_upsert_{CAP}"), results.get(f"v1_insert_{CAP}")
        if upserts[0] and upserts[1]:
            ratio = upserts[1]["rows_per_s"] / upserts[0]["rows_per_s"]
            print(f"v1 insert vs v2 upsert: {ratio:.3f}")
        print("partial run (--cases): results file not written")
        return 0
    cap_rate = results[f"v2_upsert_{CAP}"]["rows_per_s"]
    summary = {
        "upsert_rows_per_s_cap": round(cap_rate),
        "target_rows_per_s": TARGET_ROWS_PER_S,
        "target_met": cap_rate >= TARGET_ROWS_PER_S,
        "v1_insert_vs_v2_upsert": round(results["v1_insert_100"]["rows_per_s"] / cap_rate, 3),
    }
    out = {
        "benchmark": "workspace",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "speed_gauge_s": speed_gauge_s(),
        },
        "setup": {
            "rows_seeded": args.rows,
            "rows_after": final_rows,
            "cap": CAP,
            "wrk_write": f"wrk -t1 -c{args.write_connections} -d{args.seconds}s (Lua bodies)",
            "wrk_read": f"wrk -t1 -c{args.read_connections} -d{args.seconds}s",
            "list_pages": f"pageSize=50, random page of the first {LIST_PAGES}",
            "server": "segue serve workspace (uvicorn, 1 process) on 127.0.0.1, SQLite",
            "uvicorn_http_loop": uvicorn_stack(),
            "loadavg_1m_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        },
        "summary": summary,
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
