"""Real ``segue serve`` processes on 127.0.0.1 for tests that need more than one process,
or a process to kill.

Each server runs in a session (process group) of its own, so a signal reaches every
process it started (``--workers`` children included).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

SEGUE = str(Path(sys.executable).parent / "segue")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    """A running ``segue serve``: its base URL and its process (the group's leader)."""

    url: str
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL the whole process group (a crash: no shutdown code runs) and reap it."""
        _signal_group(self.process, signal.SIGKILL)
        self.process.wait()


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    # The group outlives its leader while a child runs; gone entirely, there is no one left.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


@contextmanager
def server(
    service: str, db_url: str, *flags: str, env: Mapping[str, str] | None = None
) -> Iterator[Server]:
    """``segue serve SERVICE`` on a free loopback port until the block ends, with ``env``
    added to this process's environment.

    Stopped with SIGTERM (so it flushes its usage counts), killed if it has not left in
    15 s; a server already killed (:meth:`Server.kill`) is only reaped.
    """
    port = free_port()
    command = [SEGUE, "serve", service, "--db", db_url, "--port", str(port), *flags]
    environment = {**os.environ, **(env or {})}
    process = subprocess.Popen(
        command, start_new_session=True, stderr=subprocess.DEVNULL, env=environment
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/_segue/versions", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "the server exited while starting"
            assert time.monotonic() < deadline, "the server did not answer within 30 s"
            time.sleep(0.1)
        yield Server(base, process)
    finally:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
