"""The overhead benchmark's cases counted in CPU instructions instead of timed.

Wall-clock req/s on a shared two-core machine moves by ±20% from one round to the next;
instructions executed per request do not. This starts the same servers as ``overhead.py``
(bare demo v2 app, the segue-wrapped demo, the Cadwyn version, the hand-written v1) under
valgrind's callgrind with counting off, sends each case a warm-up, then counts the server's
instructions over exactly ``--requests`` keep-alive requests from one client on 127.0.0.1.
Ratios are of requests per instruction (``b_a`` = Ir(a) / Ir(b)), the same direction as the
timed ones. Counts are the server process's user-space instructions: the kernel's share of
each request (socket reads and writes, about the same for every case) is not in them.

    .venv/bin/python bench/instructions.py [--requests 2000] [--no-cadwyn]

Needs valgrind (``apt-get install -y valgrind``). Writes ``bench/results/instructions.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
from rich.table import Table

from _servers import HOST, BenchError, launch, stop, wait_ready
from overhead import (
    BENCH,
    CADWYN_V1,
    CADWYN_V2,
    FLOOR_RATIOS,
    SEED,
    TARGETS,
    Case,
    Server,
    console,
    expect,
    software,
    uvicorn_command,
    verify,
)

RESULTS = BENCH / "results" / "instructions.json"


def start_counted(server: Server, out: Path) -> None:
    """``server`` under callgrind, counting nothing until told to (``callgrind_control``)."""
    valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
    launch(server, [*valgrind, f"--callgrind-out-file={out}", *uvicorn_command(server)])


def send_requests(case: Case, count: int) -> None:
    """``count`` GETs on one keep-alive connection, each read whole and checked for 200."""
    lines = [f"GET {case.path} HTTP/1.1", f"Host: {HOST}", *map(": ".join, case.headers.items())]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    with socket.create_connection((HOST, case.server.port), timeout=60) as sock:
        pending = b""
        for _ in range(count):
            sock.sendall(request)
            while b"\r\n\r\n" not in pending:
                pending += sock.recv(65536)
            head, _, pending = pending.partition(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise BenchError(f"{case.key}: {head.decode(errors='replace')}")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            while len(pending) < length:
                pending += sock.recv(65536)
            pending = pending[length:]


def counting(server: Server, on: bool) -> None:
    assert server.proc is not None
    subprocess.run(
        ["callgrind_control", "-i", "on" if on else "off", str(server.proc.pid)],
        check=True,
        capture_output=True,
        timeout=120,
    )


def instructions(out: Path) -> int:
    """The ``totals:`` line callgrind writes when the process ends."""
    for line in out.read_text().splitlines():
        if line.startswith(("totals:", "summary:")) and int(line.split()[1]):
            return int(line.split()[1])
    raise BenchError(f"no instruction total in {out}")


def described(case: Case) -> str:
    return " ".join(["GET", case.path, *(f"[{k}: {v}]" for k, v in case.headers.items())])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="counted requests per case")
    parser.add_argument("--warmup", type=int, default=100, help="uncounted requests first")
    parser.add_argument("--no-cadwyn", action="store_true", help="skip cases d and e")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.requests < 1:
        parser.error("--requests must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for tool in ("valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            console.print(f"[red]{tool} is not installed.[/] apt-get install -y valgrind")
            return 2
    item = "/widgets/w1"
    v1, v2 = {"x-api-version": CADWYN_V1}, {"x-api-version": CADWYN_V2}
    wanted = [
        ("a", "bare FastAPI v2", "segue_apps.demo.app:create_app", "/api/v2" + item, {}),
        ("b", "segue v2 (pass-through)", "segue_apps.demo.versions:build", "/api/v2" + item, {}),
        ("c", "segue v1 (translated)", "segue_apps.demo.versions:build", "/v1" + item, {}),
        ("d", "Cadwyn v1 (migrated)", "cadwyn_widgets:create_app", item, v1),
        ("e", "Cadwyn v2 (head)", "cadwyn_widgets:create_app", item, v2),
        ("m", "hand-written v1 (floor)", "handwritten_widgets:create_app", "/v1" + item, {}),
    ]
    # One server per case, so each server's count is one case's requests alone.
    cases: dict[str, Case] = {}
    for key, label, factory, path, headers in wanted:
        if args.no_cadwyn and key in ("d", "e"):
            continue
        app_dir = None if factory.startswith("segue_apps.") else BENCH
        query = "?fields=!parts" if key in ("c", "d", "m") else ""
        server = Server(key, factory=factory, app_dir=app_dir)
        cases[key] = Case(key, label, server, path + query, headers)
    started = time.monotonic()
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        outs = {key: Path(tmp) / f"{key}.out" for key in cases}
        try:
            with httpx.Client(trust_env=False, timeout=60.0) as client:
                for key, case in cases.items():  # all at once: each starts slowly under valgrind
                    start_counted(case.server, outs[key])
                for case in cases.values():
                    wait_ready(case.server, client, "/api/v2/openapi.json", timeout=600)
                    path = "/widgets" if case.headers else "/api/v2/widgets"
                    seeded = client.post(case.server.base + path, json=SEED, headers=v2)
                    expect(seeded.status_code == 201, f"seeding {case.key}", seeded)
                verify(client, cases)
            for key, case in cases.items():
                send_requests(case, args.warmup)
                counting(case.server, True)
                send_requests(case, args.requests)
                counting(case.server, False)
                stop(case.server)  # callgrind writes its totals as the process ends
                counts[key] = instructions(outs[key])
                console.print(f"{key}: {counts[key] / args.requests:,.0f} instructions/request")
        except BenchError as exc:
            console.print(f"[red]benchmark aborted:[/] {exc}")
            return 1
        finally:
            for case in cases.values():
                stop(case.server)
    per_request = {key: count / args.requests for key, count in counts.items()}
    ratios = {
        name: round(per_request[bottom] / per_request[top], 3)
        for name, top, bottom in (("b_a", "b", "a"), ("c_a", "c", "a"), ("c_d", "c", "d"))
        if top in per_request and bottom in per_request
    }
    floor = {
        name: round(per_request[bottom] / per_request[top], 3) for name, top, bottom in FLOOR_RATIOS
    }
    table = Table(title="instructions per request (server process, user space)")
    for column in ("case", "what", "request", "instructions", "vs a"):
        table.add_column(column, justify="right" if column in ("instructions", "vs a") else "left")
    for key, case in cases.items():
        share = per_request["a"] / per_request[key]
        table.add_row(key, case.label, described(case), f"{per_request[key]:,.0f}", f"{share:.3f}x")
    console.print(table)
    console.print(
        "ratios (requests per instruction): "
        + "  ".join(
            f"{k.replace('_', '/')} {v:.3f} (target {TARGETS[k]})" for k, v in ratios.items()
        )
    )
    console.print(
        "against the hand-written floor (not targets): "
        + "  ".join(f"{k.replace('_', '/')} {v:.3f}" for k, v in floor.items())
    )
    result = {
        **ratios,
        "targets": TARGETS,
        "met": {k: v >= TARGETS[k] for k, v in ratios.items()},
        "floor_ratios": floor,
        "instructions_per_request": {k: round(v) for k, v in per_request.items()},
        "cases": {k: {"label": c.label, "request": described(c)} for k, c in cases.items()},
        "notes": {
            "method": "valgrind callgrind, counting only around the requests; "
            "one uvicorn process per case; one keep-alive client on 127.0.0.1",
            "requests": args.requests,
            "warmup": args.warmup,
            "python": platform.python_version(),
            **software(),
            "elapsed_s": round(time.monotonic() - started, 1),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    console.print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
