"""The shell sessions on the docs pages, run as written: each `$` command with its output.

A page's ``console`` blocks form one session, run in order in a scratch directory that
holds a copy of ``docs/examples/tutorial.py`` at the same path, with ``.venv/bin`` on the
``PATH`` (as ``. .venv/bin/activate`` leaves it). ``uvicorn …`` starts a server on a free
port in the background (``8000`` on the page becomes that port), stopped at the end.
Setting up (clone, ``make install``) is what the suite already stands on and is not rerun;
a benchmark command is checked against its ``--help`` only.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
BIN = Path(sys.executable).parent
# What a reader does once and the suite has already done (or is doing): not rerun here.
SETUP = ("git clone ", "cd segue", "make install", "make test", "make docs", "make bench")
ACTIVATE = ". .venv/bin/activate"
# Benchmarks take minutes (and valgrind): only their flags are checked, against --help.
BENCH = ".venv/bin/python bench/"


@dataclass
class Command:
    """One ``$`` line (joined with its ``\\`` continuations) and the output shown under it."""

    line: str
    output: str


def commands(page: Path) -> list[Command]:
    """The ``$`` commands of every ``console`` block of ``page``, in order."""
    found: list[Command] = []
    for block in re.findall(r"^```console\n(.*?)^```", page.read_text(), re.M | re.S):
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            assert line.startswith("$ "), f"{page.name}: output with no command: {line!r}"
            text = line[2:]
            while text.endswith("\\"):
                i += 1
                text = text[:-1] + " " + lines[i].strip()
            i += 1
            output = []
            while i < len(lines) and not lines[i].startswith("$ "):
                output.append(lines[i])
                i += 1
            found.append(Command(text, "\n".join(output)))
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing answered on port {port} within 30 s")


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r", "").splitlines()).strip()


class Session:
    """A shell whose directory and servers the page's commands change."""

    def __init__(self, root: Path) -> None:
        self.cwd = root
        self.port = _free_port()
        self.env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
        self.env.pop("VIRTUAL_ENV", None)
        self.servers: list[subprocess.Popen[bytes]] = []

    def run(self, command: Command) -> None:
        line = command.line.replace("8000", str(self.port))
        if line.startswith(SETUP) or line == ACTIVATE:
            assert not command.output, f"{line}: output shown for a command not run"
            return
        if line.startswith(BENCH):
            self._check_flags(line)
            assert not command.output, f"{line}: output shown for a command not run"
            return
        if line.startswith("cd "):
            self.cwd = (self.cwd / line[3:].strip()).resolve()
            return
        if line.startswith("uvicorn "):
            self._serve(line)
            return
        done = subprocess.run(
            ["bash", "-c", line],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=120,
            check=False,
        )
        got = done.stdout.decode()
        assert _normal(got) == _normal(command.output), (
            f"$ {command.line}\n--- the page shows:\n{command.output}\n--- it printed:\n{got}"
        )

    def _check_flags(self, line: str) -> None:
        script, *args = line.removeprefix(".venv/bin/python ").split()
        done = subprocess.run(
            [sys.executable, str(ROOT / script), "--help"],
            capture_output=True,
            timeout=60,
            check=True,
        )
        for flag in (a for a in args if a.startswith("--")):
            assert flag in done.stdout.decode(), f"{script} has no {flag}"

    def _serve(self, line: str) -> None:
        server = subprocess.Popen(
            ["bash", "-c", f"exec {line} --host 127.0.0.1"],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.servers.append(server)
        _wait_for(self.port, server)

    def close(self) -> None:
        for server in self.servers:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    """A scratch directory laid out like a clone, as far as the pages' commands reach."""
    examples = tmp_path / "docs" / "examples"
    examples.mkdir(parents=True)
    shutil.copy(DOCS / "examples" / "tutorial.py", examples / "tutorial.py")
    shell = Session(tmp_path)
    try:
        yield shell
    finally:
        shell.close()


PAGES = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md") if commands(p))


@pytest.mark.parametrize("page", PAGES)
def test_page_sessions_print_what_the_page_shows(session: Session, page: str) -> None:
    """Every command of the page's shell session prints exactly the output shown under it."""
    for command in commands(DOCS / page):
        session.run(command)


def test_the_tutorial_has_a_session() -> None:
    """The tutorial is among the pages whose sessions run (it has not lost its blocks)."""
    assert "tutorial.md" in PAGES
