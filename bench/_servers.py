"""Server processes for the benchmarks: started on 127.0.0.1, waited for, always stopped.

Each benchmark script describes its own servers (an app factory, a database) by
subclassing :class:`Process`; starting, waiting, reading the log and stopping are here.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"


def speed_gauge_s() -> float:
    """CPU seconds this machine takes for a fixed Python loop (5 M additions), best of 3.

    The shared VMs these figures come from ran such a loop (at module level) in 0.45 s on
    one day and 1.47 s on another, and the benchmarks' figures moved with it: recorded
    beside every figure so runs on different days can be compared.
    """

    def once() -> float:
        started = time.process_time()
        total = 0
        for i in range(5_000_000):
            total += i
        return time.process_time() - started

    return round(min(once() for _ in range(3)), 3)


class BenchError(RuntimeError):
    """A precondition failed: nothing worth measuring."""


@dataclass
class Process:
    """One server process, once launched: its port, its process and its captured output."""

    name: str = "server"
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    log: Any = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def segue_cmd() -> list[str]:
    """The ``segue`` command of this environment."""
    exe = Path(sys.executable).with_name("segue")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "segue.tooling.cli"]


def db_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def launch(process: Process, cmd: list[str]) -> None:
    """Start ``cmd`` with its output captured, in a session of its own: a Ctrl-C reaches
    only the benchmark script, which then stops its servers itself."""
    process.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
    process.proc = subprocess.Popen(
        cmd, stdout=process.log, stderr=subprocess.STDOUT, start_new_session=True
    )


def process_log(process: Process, tail: int = 4000) -> str:
    """The last ``tail`` characters the process wrote."""
    if process.log is None:
        return ""
    process.log.seek(0)
    text: str = process.log.read().decode(errors="replace")
    return text[-tail:]


def wait_ready(process: Process, client: httpx.Client, probe: str, timeout: float = 60.0) -> None:
    """Return once ``GET probe`` gets any answer; raise if the process exits or is slow."""
    assert process.proc is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.proc.poll() is not None:
            raise BenchError(f"{process.name} exited:\n{process_log(process)}")
        with contextlib.suppress(httpx.TransportError):
            client.get(process.base + probe, timeout=1.0)
            return
        time.sleep(0.1)
    raise BenchError(f"{process.name} did not answer within {timeout:.0f}s")


def stop(process: Process, timeout: float = 15.0) -> None:
    """Stop the process and anything it started (its session), killing what lingers."""
    proc = process.proc
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)
    if process.log is not None:
        process.log.close()
        process.log = None
