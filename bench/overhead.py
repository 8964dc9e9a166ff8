"""What segue costs per request, next to the bare app and to Cadwyn.

Starts four uvicorn servers on 127.0.0.1 (bare demo v2 app, the segue-wrapped demo, the same
API written with Cadwyn, the v1 request translated by hand), checks every benchmarked request
answers 200 with the right body, then drives them with ``wrk`` in short interleaved rounds (a,
b, c, d, e, m, then again, the order rotated each round) so machine noise falls on every case
alike. Prints a table and writes ``bench/results/overhead.json``. See ``bench/README.md``.

    .venv/bin/python bench/overhead.py [--rounds 5] [--seconds 3] [--connections 32]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from _servers import (
    HOST,
    BenchError,
    Process,
    free_port,
    launch,
    process_log,
    stop,
    wait_ready,
)

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results" / "overhead.json"
CADWYN_V1 = "2024-01-01"
CADWYN_V2 = "2025-06-01"
SEED = {"name": "Sprocket", "grade": "high", "color": "red", "parts": ["a", "b"]}
TARGETS = {"b_a": 0.97, "c_a": 0.90, "c_d": 2.5}
# Not targets: how close a hand-written translation (case m) gets, and segue (c) to it.
FLOOR_RATIOS = (("m_a", "m", "a"), ("c_m", "c", "m"))
LIFECYCLE = ("deprecation", "sunset", "link")

# wrk prints this line from the Lua `done` hook: exact percentiles in µs, error counts.
WRK_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
"""

console = Console(width=None if sys.stdout.isatty() else 110)


# --------------------------------------------------------------------------- servers


@dataclass
class Server(Process):
    factory: str = ""  # module:function giving the ASGI app
    app_dir: Path | None = None


def pinned(cmd: list[str], cpu: int | None) -> list[str]:
    return ["taskset", "-c", str(cpu), *cmd] if cpu is not None else cmd


def uvicorn_command(server: Server) -> list[str]:
    """One uvicorn process serving ``server``'s app on a fresh loopback port."""
    server.port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        server.factory,
        "--host",
        HOST,
        "--port",
        str(server.port),
        "--workers",
        "1",
        "--loop",
        "auto",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if server.app_dir is not None:
        cmd += ["--app-dir", str(server.app_dir)]
    return cmd


def start(server: Server, cpu: int | None) -> None:
    launch(server, pinned(uvicorn_command(server), cpu))


# --------------------------------------------------------------------------- cases


@dataclass
class Case:
    key: str
    label: str
    server: Server
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    rounds: list[dict[str, Any]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.base + self.path

    def summary(self) -> dict[str, Any]:
        rps = [r["rps"] for r in self.rounds]
        return {
            "label": self.label,
            "request": " ".join(
                ["GET", self.path, *(f"[{k}: {v}]" for k, v in self.headers.items())]
            ),
            "rps": round(statistics.median(rps), 1),
            "rps_min": round(min(rps), 1),
            "rps_max": round(max(rps), 1),
            "p50_ms": round(statistics.median(r["p50_us"] for r in self.rounds) / 1000, 3),
            "p99_ms": round(statistics.median(r["p99_us"] for r in self.rounds) / 1000, 3),
            "rounds": self.rounds,
        }


def expect(cond: bool, what: str, response: httpx.Response) -> None:
    if not cond:
        raise BenchError(f"{what}: {response.status_code} {dict(response.headers)} {response.text}")


def fetch(client: httpx.Client, case: Case) -> tuple[httpx.Response, dict[str, Any]]:
    response = client.get(case.url, headers=case.headers)
    expect(response.status_code == 200, f"{case.key}: GET {case.path} is not 200", response)
    body: dict[str, Any] = response.json()
    return response, body


def verify(client: httpx.Client, cases: dict[str, Case]) -> None:
    """Every benchmarked request answers 200 with the body its case is about."""
    a, a_body = fetch(client, cases["a"])
    expect(
        a_body.get("widget_id") == "w1" and a_body.get("grade") == "high" and "color" in a_body,
        "a: not a v2 widget",
        a,
    )
    b, b_body = fetch(client, cases["b"])
    expect(b_body == a_body, "b: segue newest differs from the bare app", b)
    c, c_body = fetch(client, cases["c"])
    expect(
        c_body.get("id") == "w1"
        and "widget_id" not in c_body
        and c_body.get("grade") == "full"
        and "color" not in c_body
        and c_body.get("legacy_code") == "L-w1"
        and c_body.get("parts") is None
        and all(h in c.headers for h in LIFECYCLE),
        "c: segue v1 is not a translated v1 widget",
        c,
    )
    if "d" in cases:
        d, d_body = fetch(client, cases["d"])
        expect(d_body == c_body, "d: Cadwyn v1 body differs from segue v1", d)
        expect(all(h in d.headers for h in LIFECYCLE), "d: Cadwyn v1 lacks lifecycle headers", d)
    if "e" in cases:
        e, e_body = fetch(client, cases["e"])
        expect(e_body == a_body, "e: Cadwyn newest differs from the bare app", e)
    if "m" in cases:
        m, m_body = fetch(client, cases["m"])
        expect(m_body == c_body, "m: hand-written v1 body differs from segue v1", m)
        expect(
            all(m.headers.get(h) == c.headers[h] for h in LIFECYCLE),
            "m: hand-written v1 lifecycle headers differ from segue v1",
            m,
        )


# --------------------------------------------------------------------------- wrk


def run_wrk(
    case: Case, args: argparse.Namespace, script: Path, seconds: int, cpu: int | None
) -> dict[str, Any]:
    cmd = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "5s",
        "-s",
        str(script),
    ]
    for name, value in case.headers.items():
        cmd += ["-H", f"{name}: {value}"]
    cmd.append(case.url)
    done = subprocess.run(
        pinned(cmd, cpu), capture_output=True, text=True, timeout=seconds + 30, check=False
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed for {case.key}: {done.stdout}\n{done.stderr}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    errors = {k: raw[k] for k in ("connect", "read", "write", "status", "timeout")}
    if any(errors.values()):
        raise BenchError(f"{case.key}: wrk saw errors {errors}; not a clean measurement")
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "requests": raw["requests"],
        "p50_us": raw["p50_us"],
        "p99_us": raw["p99_us"],
        "mean_us": raw["mean_us"],
    }


def rotations(keys: list[str], rounds: int) -> Iterator[list[str]]:
    for i in range(rounds):
        shift = i % len(keys)
        yield keys[shift:] + keys[:shift]


# --------------------------------------------------------------------------- report


def ratio(results: dict[str, dict[str, Any]], top: str, bottom: str) -> float | None:
    if top not in results or bottom not in results:
        return None
    return round(results[top]["rps"] / results[bottom]["rps"], 3)


def paired(cases: dict[str, Case], top: str, bottom: str) -> list[float]:
    """Per-round ratios: each round ran both cases back to back under the same noise."""
    if top not in cases or bottom not in cases:
        return []
    return [
        round(t["rps"] / b["rps"], 3)
        for t, b in zip(cases[top].rounds, cases[bottom].rounds, strict=True)
    ]


def report(
    cases: dict[str, Case], ratios: dict[str, float | None], pairs: dict[str, list[float]]
) -> None:
    table = Table(title="segue overhead (median of rounds)")
    for column in ("case", "what", "req/s", "min-max", "p50 ms", "p99 ms", "vs a"):
        table.add_column(column, justify="left" if column in ("case", "what") else "right")
    base = statistics.median(r["rps"] for r in cases["a"].rounds)
    for key, case in cases.items():
        s = case.summary()
        table.add_row(
            key,
            case.label,
            f"{s['rps']:,.0f}",
            f"{s['rps_min']:,.0f}-{s['rps_max']:,.0f}",
            f"{s['p50_ms']:.2f}",
            f"{s['p99_ms']:.2f}",
            f"{s['rps'] / base:.2f}x",
        )
    console.print(table)
    targets = Table(title="targets (ratios of req/s)")
    for column in ("ratio", "of medians", "paired median", "per round", "target", ""):
        targets.add_column(column)
    for name, goal in TARGETS.items():
        value, each = ratios.get(name), pairs.get(name) or []
        mark = "n/a" if value is None else "[green]met" if value >= goal else "[red]MISSED"
        targets.add_row(
            name.replace("_", "/"),
            "-" if value is None else f"{value:.3f}",
            f"{statistics.median(each):.3f}" if each else "-",
            " ".join(f"{r:.2f}" for r in each),
            f">= {goal}",
            mark,
        )
    console.print(targets)


def source_digest() -> str:
    """sha256 of segue's sources (src/ is not always committed): which code was measured."""
    digest = hashlib.sha256()
    for path in sorted((BENCH.parent / "src" / "segue").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def software() -> dict[str, Any]:
    """What was measured: uvicorn's loop and HTTP parser, segue's sources, package versions."""
    return {
        "uvicorn_loop": "uvloop" if package_version("uvloop") else "asyncio",
        "uvicorn_http": "httptools" if package_version("httptools") else "h11",
        "segue_src_sha256": source_digest(),
        "versions": {
            name: package_version(name)
            for name in ("fastapi", "starlette", "pydantic", "uvicorn", "orjson", "cadwyn")
        },
    }


def package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds per case")
    parser.add_argument("--seconds", type=int, default=3, help="wrk seconds per round")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured wrk seconds per case")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-pin", action="store_true", help="don't taskset servers vs wrk")
    parser.add_argument("--no-cadwyn", action="store_true", help="skip cases d and e")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.seconds <= 0:
        parser.error("--rounds and --seconds must be positive")
    return args


def preflight(args: argparse.Namespace) -> None:
    if shutil.which("wrk") is None:
        console.print("[red]wrk is not installed.[/] Install it with:  apt-get install -y wrk")
        raise SystemExit(2)
    if not args.no_cadwyn and package_version("cadwyn") is None:
        console.print(
            "[red]cadwyn is not installed.[/] Install the bench extra:  "
            ".venv/bin/pip install -e '.[dev,bench]'   (or run with --no-cadwyn)"
        )
        raise SystemExit(2)


def on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    preflight(args)
    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    can_pin = not args.no_pin and shutil.which("taskset") and (os.cpu_count() or 1) >= 2
    server_cpu, wrk_cpu = (0, 1) if can_pin else (None, None)

    bare = Server("bare", factory="segue_apps.demo.app:create_app")
    segue = Server("segue", factory="segue_apps.demo.versions:build")
    servers = [bare, segue]
    if not args.no_cadwyn:
        cadwyn = Server("cadwyn", factory="cadwyn_widgets:create_app", app_dir=BENCH)
        servers.append(cadwyn)
    handwritten = Server("handwritten", factory="handwritten_widgets:create_app", app_dir=BENCH)
    servers.append(handwritten)
    item = "/widgets/w1"
    cases = {
        "a": Case("a", "bare FastAPI v2", bare, "/api/v2" + item),
        "b": Case("b", "segue v2 (pass-through)", segue, "/api/v2" + item),
        "c": Case("c", "segue v1 (translated)", segue, "/v1" + item + "?fields=!parts"),
    }
    if not args.no_cadwyn:
        v1, v2 = {"x-api-version": CADWYN_V1}, {"x-api-version": CADWYN_V2}
        cases["d"] = Case("d", "Cadwyn v1 (migrated)", cadwyn, item + "?fields=!parts", v1)
        cases["e"] = Case("e", "Cadwyn v2 (head)", cadwyn, item, v2)
    cases["m"] = Case("m", "hand-written v1 (floor)", handwritten, "/v1" + item + "?fields=!parts")

    started = time.monotonic()
    load_before = os.getloadavg()
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    try:
        script.write_text(WRK_LUA)
        with httpx.Client(trust_env=False, timeout=10.0) as client:
            for server in servers:
                start(server, server_cpu)
            seeders: dict[str, Callable[[], httpx.Response]] = {
                "bare": lambda: client.post(bare.base + "/api/v2/widgets", json=SEED),
                "segue": lambda: client.post(segue.base + "/api/v2/widgets", json=SEED),
                "handwritten": lambda: client.post(handwritten.base + "/api/v2/widgets", json=SEED),
                "cadwyn": lambda: client.post(
                    cadwyn.base + "/widgets", json=SEED, headers={"x-api-version": CADWYN_V2}
                ),
            }
            for server in servers:
                wait_ready(server, client, "/api/v2/openapi.json")
                seeded = seeders[server.name]()
                expect(seeded.status_code == 201, f"seeding {server.name}", seeded)
            verify(client, cases)
        console.print(
            f"servers up ({', '.join(f'{s.name}:{s.port}' for s in servers)}); "
            f"{len(cases)} cases x {args.rounds} rounds x {args.seconds}s, "
            f"wrk -t{args.threads} -c{args.connections}"
            + (f"; servers on cpu {server_cpu}, wrk on cpu {wrk_cpu}" if can_pin else "")
        )
        if args.warmup > 0:
            for case in cases.values():
                run_wrk(case, args, script, args.warmup, wrk_cpu)
        for number, order in enumerate(rotations(list(cases), args.rounds), 1):
            for key in order:
                cases[key].rounds.append(run_wrk(cases[key], args, script, args.seconds, wrk_cpu))
            line = "  ".join(f"{k}={cases[k].rounds[-1]['rps']:,.0f}" for k in cases)
            console.print(f"round {number}/{args.rounds}: {line}")
        with httpx.Client(trust_env=False, timeout=10.0) as client:
            verify(client, cases)  # still the same answers after the load
    except BenchError as exc:
        console.print(f"[red]benchmark aborted:[/] {exc}")
        for server in servers:
            if server.proc is not None and server.proc.poll() is not None:
                console.print(f"{server.name} log:\n{process_log(server)}")
        return 1
    except KeyboardInterrupt:
        console.print("[yellow]interrupted; stopping servers[/]")
        return 130
    finally:
        for server in servers:
            stop(server)
        script.unlink(missing_ok=True)

    results = {key: case.summary() for key, case in cases.items()}
    ratios = {
        "b_a": ratio(results, "b", "a"),
        "c_a": ratio(results, "c", "a"),
        "c_d": ratio(results, "c", "d"),
    }
    pairs = {"b_a": paired(cases, "b", "a"), "c_a": paired(cases, "c", "a")}
    pairs["c_d"] = paired(cases, "c", "d")
    floor = {name: ratio(results, top, bottom) for name, top, bottom in FLOOR_RATIOS}
    floor_pairs = {name: paired(cases, top, bottom) for name, top, bottom in FLOOR_RATIOS}
    report(cases, ratios, pairs)
    console.print(
        "against the hand-written floor (not targets): "
        + "  ".join(
            f"{name.replace('_', '/')} {floor[name]:.3f} "
            f"(paired median {statistics.median(floor_pairs[name]):.3f})"
            for name in floor
        )
    )
    out = {
        **ratios,
        "targets": TARGETS,
        "met": {k: v is not None and v >= TARGETS[k] for k, v in ratios.items()},
        "paired_ratios_per_round": pairs,
        "paired_ratio_medians": {k: round(statistics.median(v), 3) for k, v in pairs.items() if v},
        "floor_ratios": floor,
        "floor_paired_ratio_medians": {
            k: round(statistics.median(v), 3) for k, v in floor_pairs.items()
        },
        "cases": results,
        "notes": {
            "summary": "rps and latencies are medians over rounds; ratios are of median rps",
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "pinning": {"servers_cpu": server_cpu, "wrk_cpu": wrk_cpu} if can_pin else None,
            "wrk": f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s --latency",
            "rounds": args.rounds,
            "warmup_s": args.warmup,
            "interleaving": "round-robin, order rotated each round",
            "uvicorn": "--workers 1 --loop auto --no-access-log",
            **software(),
            "cadwyn_version_selection": "X-API-VERSION header (dates), paths without prefix",
            "elapsed_s": round(time.monotonic() - started, 1),
            "loadavg_1m_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    console.print(f"wrote {args.out}")
    missed = [k for k, v in out["met"].items() if not v and ratios[k] is not None]
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
