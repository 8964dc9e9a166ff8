"""Executors: what running a process means. The built-in one echoes the run's inputs.

An :data:`Executor` takes the run's inputs ``[{name, value}]`` and its attached files
``[{id, file_name, size}]`` and returns its outputs ``[{name, value}]``. It runs inside a
job of the durable queue, so it may run again after a worker dies mid-run: it must be
idempotent in its side effects. An executor that raises ends the run ``Failed``; one past
the service's time limit ends it ``TimedOut``.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from segue_apps.common.jobs import JSON, Handler, Job, JobContext, JobFailed

Executor = Callable[[list[dict[str, Any]], list[dict[str, Any]]], Awaitable[list[dict[str, Any]]]]
EXECUTOR_ERROR = "executor_error"


async def echo(inputs: list[dict[str, Any]], files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The built-in executor: the inputs in order, then ``file_count`` and ``file_bytes``
    (how many files are attached and their total size)."""
    echoed = [{"name": item["name"], "value": item["value"]} for item in inputs]
    return [
        *echoed,
        {"name": "file_count", "value": len(files)},
        {"name": "file_bytes", "value": sum(int(f["size"]) for f in files)},
    ]


BUILT_IN: dict[str, Executor] = {"echo": echo}


def load_executors(path: str) -> dict[str, Executor]:
    """The built-in executors overlaid with the mapping at ``path`` (``"package.module:NAME"``).

    How a deployment plugs its own executors into ``segue serve processes`` (its
    ``--executors`` flag): ``NAME`` is a mapping
    from executor names to :data:`Executor` functions. A name already built in (``echo``,
    what the demo process runs) is replaced.

    Raises:
        ValueError: ``path`` is not ``module:attribute`` or does not name a mapping.
    """
    module, _, attribute = path.partition(":")
    if not module or not attribute:
        raise ValueError(f"executors {path!r}: expected 'package.module:NAME'")
    found = getattr(importlib.import_module(module), attribute)
    if not isinstance(found, Mapping) or not all(callable(f) for f in found.values()):
        raise ValueError(f"executors {path!r}: not a mapping of names to executors")
    return {**BUILT_IN, **found}


def run_handler(executors: Mapping[str, Executor]) -> Handler:
    """The queue's handler of ``process_run`` jobs: run the process's executor.

    An executor's exception fails the run at once (:class:`JobFailed`, no retry): another
    attempt would raise again. A worker killed mid-run is different: the lease expires and
    the run is tried again, up to its job's attempts.
    """

    async def handle(job: Job, context: JobContext) -> JSON:
        executor = executors.get(job.payload["executor"])
        if executor is None:
            raise JobFailed(EXECUTOR_ERROR, f"no executor {job.payload['executor']!r}")
        try:
            return await executor(job.payload["inputs"], job.payload.get("files", []))
        except Exception as error:
            raise JobFailed(EXECUTOR_ERROR, f"{type(error).__name__}: {error}") from error

    return handle
