"""An executor for tests, plugged in by name (``tests.apps.processes.executors:EXECUTORS``).

It replaces ``echo`` (what the demo process runs) with one steered by the run's inputs:
an input ``raise`` makes it raise ``RuntimeError(value)``; ``sleep`` makes it sleep that
many seconds first. Otherwise it echoes, like the built-in one. With the environment
variable ``SEGUE_TEST_EXECUTIONS`` set to a file, every execution appends one line to it
(the JSON of its inputs), so a test can count executions across processes.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import orjson

from segue_apps.processes.executor import Executor, echo

LOG = "SEGUE_TEST_EXECUTIONS"


async def scripted(
    inputs: list[dict[str, Any]], files: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Echo the inputs, after sleeping or instead raising as they say."""
    given = {item["name"]: item["value"] for item in inputs}
    log = os.environ.get(LOG)
    if log:  # one short O_APPEND write per execution: atomic, and quick enough to block
        descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, orjson.dumps(inputs) + b"\n")
        finally:
            os.close(descriptor)
    if "raise" in given:
        raise RuntimeError(given["raise"])
    if "sleep" in given:
        await asyncio.sleep(float(given["sleep"]))
    return await echo(inputs, files)


EXECUTORS: dict[str, Executor] = {"echo": scripted}
PATH = f"{__name__}:EXECUTORS"
