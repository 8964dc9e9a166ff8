"""Background work of the workspace service: agent runs and scheduled firings.

:class:`Engine` is started by the app's lifespan. It owns

- a :class:`~segue_apps.common.jobs.Worker` on the ``ws_jobs`` queue running two kinds of
  job: ``agent_run`` (one per run: the step loop below) and ``schedule_fire`` (one per due
  firing of a scheduled agent: admits its run);
- the scheduler: every ``schedule_poll_ms`` it enqueues a ``schedule_fire`` job for each
  due schedule with ``dedupe_key=f"schedule:{id}:{due_ms}"`` and moves the schedule to its
  next firing, so however many processes share the database, a firing runs once;
- the :class:`~segue_apps.workspace.runners.AgentRunner`.

The step loop of a run: while the run's row says ``running``, check the plan's step cap
(``step_cap_hit``) and the wall-clock ceiling (``timed_out``), ask the runner for a step
(within the time left), then record it (tool calls applied, transcript, state) in one
transaction under the job's claim. A runner that raises ends the run ``errored``. A run
whose worker died is claimed again after its lease and resumes at its first unrecorded
step; a cancel makes the next record fail, and the job ends ``cancelled``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from types import TracebackType
from typing import Any

import orjson
import sqlalchemy as sa

from segue_apps.common.clock import now_ms
from segue_apps.common.db import Database
from segue_apps.common.jobs import JSON, Job, JobCancelled, JobContext, JobFailed, JobQueue, Worker
from segue_apps.workspace.errors import WorkspaceError
from segue_apps.workspace.runners import AgentRunner, RunnerError, RunView, Step
from segue_apps.workspace.settings import Settings
from segue_apps.workspace.store import actions, schedules
from segue_apps.workspace.store import runs as store
from segue_apps.workspace.store.agent_tables import jobs

FIRE_KIND = schedules.FIRE_KIND
QUIET_STEPS_S = 0.25
"""Steps that change nothing but the runner's state (no prose, no tool call, no end) are
written with the next step, or once this long has passed: a crash repeats them, which is
harmless, and a fast run costs fewer transactions."""
_log = logging.getLogger(__name__)


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_runner(settings: Settings) -> AgentRunner:
    """The runner ``settings.runner`` names."""
    if settings.runner == "builtin":
        from segue_apps.workspace.runners.builtin import BuiltinRunner

        return BuiltinRunner(settings.runner_step_ms)
    if settings.runner == "openai":
        from segue_apps.workspace.runners.openai import OpenAIRunner

        return OpenAIRunner.from_settings(settings)
    raise ValueError(f"unknown runner {settings.runner!r}: builtin or openai")


class Engine:
    """The run worker, the scheduler and the runner of one app process."""

    def __init__(self, db: Database, settings: Settings, runner: AgentRunner | None = None):
        self.db = db
        self.settings = settings
        self.runner = runner or make_runner(settings)
        self.queue = JobQueue(db, jobs)
        self.worker = Worker(
            self.queue,
            {store.RUN_KIND: self.run, FIRE_KIND: self.fire},
            concurrency=settings.concurrency,
            lease_ms=settings.lease_ms,
            poll_ms=settings.poll_ms,
            max_poll_ms=max(settings.poll_ms, 1_000),
            # A backstop only: the step loop ends a run at its own ceiling first.
            time_limits_ms={store.RUN_KIND: settings.run_timeout_ms + 2 * settings.lease_ms},
            grace_ms=1_000,
        )
        self._scheduler: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Engine:
        await self.worker.start()
        self._scheduler = asyncio.create_task(self._schedule_loop(), name="ws scheduler")
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._scheduler is not None:
            self._scheduler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._scheduler
        await self.worker.stop()
        await self.runner.aclose()

    def wake(self) -> None:
        """Look for work now (after an admission in this process)."""
        self.worker.wake()

    # ----------------------------------------------------------------------- runs

    async def run(self, job: Job, context: JobContext) -> JSON:
        """The ``agent_run`` handler: take the run's steps until it ends."""
        run_id = job.payload["runId"]
        work = await self.db.run(store.load_work, run_id)
        if work is None or work.status != "running":
            return {"runId": run_id, "status": None if work is None else work.status}
        recorded_at = time.monotonic()
        while True:
            if work.steps_completed >= work.steps_max:
                limit = f"Stopped at the plan's step limit ({work.steps_max} steps)."
                return await self._end(job, work, "step_cap_hit", text=_last_text(work, limit))
            remaining_ms = work.deadline_at - now_ms()
            if remaining_ms <= 0:
                return await self._end(job, work, "timed_out", error=_TIMED_OUT)
            try:
                async with asyncio.timeout(remaining_ms / 1000):
                    step = await self.runner.step(_view(work))
            except TimeoutError:
                return await self._end(job, work, "timed_out", error=_TIMED_OUT)
            except RunnerError as failure:
                error = {"code": failure.code, "message": failure.message}
                return await self._end(job, work, "errored", error=error)
            except Exception as failure:
                _log.warning("runner failed on run %s", run_id, exc_info=True)
                error = {"code": "RUNNER_ERROR", "message": f"{type(failure).__name__}: {failure}"}
                return await self._end(job, work, "errored", error=error)
            if step.calls or step.text or step.outcome is not None or self._due(recorded_at):
                await self._record(job, work, step)
                recorded_at = time.monotonic()
            else:  # a step that changed nothing but the runner's state: recorded with the next
                work.steps_completed += 1
                work.state = step.state
            if step.outcome is not None:
                return {"runId": run_id, "status": step.outcome}

    @staticmethod
    def _due(recorded_at: float) -> bool:
        """Whether a quiet step is written now (so pollers see progress), not with the next."""
        return time.monotonic() - recorded_at >= QUIET_STEPS_S

    async def _record(self, job: Job, work: store.Work, step: Step) -> None:
        """Apply the step's tool calls and write the step; JobCancelled if it may not."""
        now = self.settings.clock()
        ctx = actions.ToolContext(
            work.workspace_id,
            work.id,
            work.focus_table_ids,
            self.settings.app_url,
            now,
            [a["tableId"] for a in work.actions if a["type"] == "table_created"],
        )
        messages: list[dict[str, Any]] = []
        done: list[dict[str, Any]] = []

        def apply(conn: Any) -> dict[str, Any]:
            messages.clear()
            done.clear()
            assistant: dict[str, Any] = {"role": "assistant", "content": step.text or ""}
            if step.calls:
                assistant["toolCalls"] = [
                    {"id": c.id, "name": c.name, "input": c.arguments} for c in step.calls
                ]
            if step.text or step.calls:
                messages.append(assistant)
            for call in step.calls:
                result, made = actions.apply(conn, ctx, call.name, call.arguments)
                done.extend(made)
                messages.append(
                    {
                        "role": "tool",
                        "toolCallId": call.id,
                        "name": call.name,
                        "result": _dumps(result),
                    }
                )
            values: dict[str, Any] = {
                "steps_completed": work.steps_completed + 1,
                "state": _dumps(step.state),
                "transcript": _dumps(work.transcript + messages),
                "actions": _dumps(work.actions + done),
            }
            if step.outcome is not None:
                values |= {
                    "status": step.outcome,
                    "completed_at": now,
                    "text": step.text,
                    "questions": _dumps(step.questions),
                    "next_actions": _dumps(step.next_actions),
                    "error": None if step.error is None else _dumps({"code": step.error}),
                }
            return values

        if step.calls:
            held = await self.db.run(store.record, job, work.id, {}, apply, write=True)
        else:
            held = await self.db.run(store.record, job, work.id, apply(None), write=True)
        if not held:
            raise JobCancelled(job.id)
        work.steps_completed += 1
        work.state = step.state
        work.transcript = work.transcript + messages
        work.actions = work.actions + done

    async def _end(
        self,
        job: Job,
        work: store.Work,
        status: str,
        *,
        text: str | None = None,
        error: dict[str, Any] | None = None,
    ) -> JSON:
        values = {
            "status": status,
            "steps_completed": work.steps_completed,  # quiet steps not written yet included
            "state": _dumps(work.state),
            "completed_at": self.settings.clock(),
            "text": text,
            "error": None if error is None else _dumps(error),
        }
        if not await self.db.run(store.record, job, work.id, values, write=True):
            raise JobCancelled(job.id)
        return {"runId": work.id, "status": status}

    # ----------------------------------------------------------------------- schedules

    async def _schedule_loop(self) -> None:
        interval = self.settings.schedule_poll_ms / 1000
        while True:
            try:
                fired = await self.db.run(schedules.enqueue_due, now_ms(), write=True)
            except Exception:  # the database is away: try again at the next tick
                _log.warning("could not look for due schedules", exc_info=True)
                fired = 0
            if fired:
                self.worker.wake()
            await asyncio.sleep(interval)

    async def fire(self, job: Job, context: JobContext) -> JSON:
        """The ``schedule_fire`` handler: admit the scheduled agent's run for one firing."""
        try:
            run = await self.db.run(
                schedules.fire,
                job.payload["scheduleId"],
                str(job.dedupe_key),
                self.settings.clock(),
                now_ms(),
                self.settings.run_timeout_ms,
                self.settings.app_url,
                write=True,
            )
        except WorkspaceError as refused:
            raise JobFailed(refused.code, refused.message) from None
        except sa.exc.IntegrityError:  # a concurrent attempt of this firing admitted it
            return {"scheduleId": job.payload["scheduleId"], "runId": None}
        if run is not None:
            self.worker.wake()
        return {"scheduleId": job.payload["scheduleId"], "runId": run}


_TIMED_OUT = {"code": "TIMED_OUT", "message": "the run exceeded its wall-clock ceiling"}


def _last_text(work: store.Work, default: str) -> str:
    said = [m["content"] for m in work.transcript if m.get("role") == "assistant" and m["content"]]
    return said[-1] if said else default


def _view(work: store.Work) -> RunView:
    return RunView(
        run_id=work.id,
        agent_id=work.agent_id,
        workspace_id=work.workspace_id,
        prompt=work.prompt,
        model=work.model,
        focus_table_ids=work.focus_table_ids,
        attachments=work.attachments,
        steps_completed=work.steps_completed,
        steps_max=work.steps_max,
        state=work.state,
        transcript=work.transcript,
        history=work.history,
    )
