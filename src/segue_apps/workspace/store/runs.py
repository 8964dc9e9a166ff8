"""Runs: admission, the run object, listing, cancel, and the worker's step records.

A run is a ``ws_runs`` row plus an ``agent_run`` job in ``ws_jobs``, inserted in one
transaction (:func:`admit`). The row's ``status`` is ``running`` until the run ends; the
worker writes each step (tool calls applied, transcript, the runner's state) in one
transaction guarded by its claim on the job, so a run resumes after a crash at the first
unrecorded step and a step's tool calls are applied once.

Should the job end without the row saying so (its lease expired with no attempt left, or
the queue's backstop time limit fired), the run object reports the job's outcome
(``errored``, ``timed_out`` or ``cancelled``): nothing is left ``running`` once its job is
finished.
"""

from __future__ import annotations

import functools
import statistics
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from segue_apps.common.ids import new_id
from segue_apps.common.jobs import CANCELLED, QUEUED, RUNNING, TIMED_OUT, Job
from segue_apps.common.jobs import ops as job_ops
from segue_apps.workspace.cells import iso
from segue_apps.workspace.errors import WorkspaceError, issues_error
from segue_apps.workspace.store import pagination
from segue_apps.workspace.store.agent_tables import agents, jobs, runs
from segue_apps.workspace.store.data_tables import table_and_columns
from segue_apps.workspace.store.tables import data_tables, documents, orgs

RUN_KIND = "agent_run"
RUN_PREFIX = "v2_run-"
RUN_CREDITS = 1
"""Credits one run costs, charged from the organisation's balance at admission."""
RETRY_AFTER = "15"
TERMINAL = (
    "completed",
    "needs_input",
    "incomplete",
    "step_cap_hit",
    "cancelled",
    "errored",
    "timed_out",
)
STATUSES = ("running", *TERMINAL)
PROMPT_SUMMARY = 200
TRANSCRIPT_CAP = 500
"""Most messages ``?include=transcript`` returns (``transcriptTruncated`` past it)."""
MODELS = ("origami-lite", "origami-max")
ALIASES = {"origami-fast": "origami-lite", "origami-mid": "origami-lite"}
AGENT_PLANS: dict[str, dict[str, Any]] = {
    "starter": {"maxSteps": 30, "concurrentRuns": 1, "models": ("origami-lite",)},
    "pro": {"maxSteps": 50, "concurrentRuns": 3, "models": MODELS},
    "scale": {"maxSteps": 75, "concurrentRuns": 10, "models": MODELS},
    "ultra": {"maxSteps": 100, "concurrentRuns": 20, "models": MODELS},
    "enterprise": {"maxSteps": 200, "concurrentRuns": None, "models": MODELS},
}
"""Per plan: the step cap, concurrent runs per organisation (None: unlimited), models."""
ru = runs.c
jc = jobs.c
ag = agents.c


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def agent_not_found() -> WorkspaceError:
    """The 404 for missing, archived and foreign agents alike."""
    return WorkspaceError(404, "AGENT_NOT_FOUND", "Agent not found")


def run_not_found() -> WorkspaceError:
    """The 404 for a run id the agent does not have."""
    return WorkspaceError(404, "RUN_NOT_FOUND", "Run not found")


def require_agent(conn: sa.Connection, workspace_id: str, agent_id: str) -> Any:
    """The live agent's row, or the 404."""
    row = conn.execute(
        sa.select(agents).where(
            ag.id == agent_id, ag.workspace_id == workspace_id, ag.deleted_at.is_(None)
        )
    ).first()
    if row is None:
        raise agent_not_found()
    return row


# --------------------------------------------------------------------------- admission


@dataclass(frozen=True)
class Admission:
    """A run to admit: who asks, on which agent, with what.

    ``now`` stamps the run (the service clock); ``wall_ms`` is the real time its
    wall-clock ceiling (``timeout_ms``) and its job count from.
    """

    org_id: str
    workspace_id: str
    agent_id: str
    prompt: str
    model: str | None
    focus_table_ids: list[str]
    attachments: list[dict[str, Any]]
    now: int
    wall_ms: int
    timeout_ms: int
    app_url: str
    schedule_id: str | None = None
    trigger_key: str | None = None


def _active(where: Any) -> Any:
    """Runs still in flight: the row says running and its job is not finished."""
    return (
        sa.select(ru.id, ru.agent_id, ru.started_at)
        .join(jobs, jc.id == ru.job_id)
        .where(where, ru.status == "running", jc.status.in_([QUEUED, RUNNING]))
    )


def lock_org(conn: sa.Connection, org_id: str) -> Any:
    """``(plan, credits_balance)`` of the organisation, its row locked on PostgreSQL: the
    admissions of one organisation queue here, so their checks cannot race."""
    query = sa.select(orgs.c.plan, orgs.c.credits_balance).where(orgs.c.id == org_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).one()


def _model(requested: str | None, plan: str) -> str:
    allowed = AGENT_PLANS[plan]["models"]
    if requested is None:
        return str(allowed[-1])
    model = ALIASES.get(requested, requested)
    if model not in allowed:
        raise WorkspaceError(
            400,
            "MODEL_NOT_AVAILABLE",
            f"Model {requested!r} is not available on the {plan} plan",
            {"issues": [{"path": "model", "message": f"Available: {', '.join(allowed)}"}]},
        )
    return model


def check_focus(conn: sa.Connection, a: Admission) -> tuple[list[str], list[dict[str, Any]]]:
    """Check focus tables and attachments; return the merged focus and the attachments."""
    wanted = list(dict.fromkeys(a.focus_table_ids))
    table_refs = [x["tableId"] for x in a.attachments if x["kind"] == "table"]
    doc_refs = [x["documentId"] for x in a.attachments if x["kind"] == "document"]
    known = set(
        conn.execute(
            sa.select(data_tables.c.id).where(
                data_tables.c.workspace_id == a.workspace_id,
                data_tables.c.id.in_(wanted + table_refs),
            )
        ).scalars()
    )
    for i, table_id in enumerate(a.focus_table_ids):
        if table_id not in known:
            raise issues_error(
                [{"path": f"focusTableIds.{i}", "message": "No such table in this workspace"}],
                "UNKNOWN_TABLE",
            )
    docs = set(
        conn.execute(
            sa.select(documents.c.id).where(
                documents.c.workspace_id == a.workspace_id, documents.c.id.in_(doc_refs)
            )
        ).scalars()
    )
    for i, item in enumerate(a.attachments):
        ok = item["tableId"] in known if item["kind"] == "table" else item["documentId"] in docs
        if not ok:
            raise issues_error(
                [{"path": f"attachments.{i}", "message": f"No such {item['kind']} here"}],
                "INVALID_ATTACHMENT",
            )
    focus = list(dict.fromkeys(wanted + table_refs))
    return focus, [dict(x) for x in a.attachments]


def _busy(conn: sa.Connection, agent_id: str) -> None:
    current = conn.execute(_active(ru.agent_id == agent_id).limit(1)).first()
    if current is not None:
        raise WorkspaceError(
            409,
            "AGENT_BUSY",
            "A run is already in flight on this agent; poll it, or cancel it first",
            extra={"currentRun": {"id": current.id, "startedAt": iso(current.started_at)}},
        )


def _retry_after(conn: sa.Connection, org_id: str) -> int:
    """Seconds: the median wall-clock of the organisation's last 200 ended runs (else 60)."""
    spans = [
        (done - start) / 1000
        for start, done in conn.execute(
            sa.select(ru.started_at, ru.completed_at)
            .where(ru.org_id == org_id, ru.completed_at.is_not(None))
            .order_by(ru.completed_at.desc())
            .limit(200)
        )
    ]
    return max(1, round(statistics.median(spans))) if spans else 60


def _concurrency(conn: sa.Connection, org_id: str, plan: str, app_url: str) -> None:
    limit = AGENT_PLANS[plan]["concurrentRuns"]
    if limit is None:
        return
    active = conn.execute(
        _active(ru.org_id == org_id)
        .add_columns(ag.name)
        .join(agents, ag.id == ru.agent_id)
        .limit(limit + 1)
    ).all()
    if len(active) < limit:
        return
    raise WorkspaceError(
        429,
        "CONCURRENT_LIMIT_EXCEEDED",
        f"Your {plan} plan runs {limit} agent run{'s' * (limit != 1)} at a time",
        handoff={
            "kind": "upgrade_plan",
            "url": f"{app_url}/settings/billing",
            "label": "Upgrade plan",
        },
        extra={
            "limit": limit,
            "activeSessions": [
                {"agentId": row.agent_id, "name": row.name, "startedAt": iso(row.started_at)}
                for row in active
            ],
            "canUpgrade": plan != "enterprise",
        },
        headers={"Retry-After": str(_retry_after(conn, org_id))},
    )


def insufficient_credits(balance: int, app_url: str) -> WorkspaceError:
    """402 ``INSUFFICIENT_CREDITS``, with the reference's top-level fields and a top-up
    handoff."""
    url = f"{app_url}/settings/billing?source=api"
    return WorkspaceError(
        402,
        "INSUFFICIENT_CREDITS",
        "Insufficient credits",
        {"creditsRequired": RUN_CREDITS, "creditsAvailable": balance},
        handoff={"kind": "top_up", "url": url, "label": "Top up credits"},
        extra={
            "creditsRequired": RUN_CREDITS,
            "creditsAvailable": balance,
            "topUpUrl": url,
            "message": f"A run needs at least {RUN_CREDITS} credit; you have {balance}. "
            f"Top up: {url}",
        },
    )


def admit(conn: sa.Connection, a: Admission) -> dict[str, Any]:
    """Check and charge a run, insert it with its job; return the run row's values.

    Refusals, in this order: 400 (model, focus tables, attachments), 409 ``AGENT_BUSY``,
    429 ``CONCURRENT_LIMIT_EXCEEDED``, 402 ``INSUFFICIENT_CREDITS``. The caller's
    transaction rolls back on any of them (an agent created with it included).
    """
    plan, balance = lock_org(conn, a.org_id)
    model = _model(a.model, plan)
    focus, attachments = check_focus(conn, a)
    _busy(conn, a.agent_id)
    _concurrency(conn, a.org_id, plan, a.app_url)
    if balance < RUN_CREDITS:
        raise insufficient_credits(balance, a.app_url)
    conn.execute(
        orgs.update()
        .where(orgs.c.id == a.org_id)
        .values(credits_balance=orgs.c.credits_balance - RUN_CREDITS)
    )
    seq = conn.execute(
        sa.select(sa.func.coalesce(sa.func.max(ru.seq), 0)).where(ru.agent_id == a.agent_id)
    ).scalar_one()
    run_id = RUN_PREFIX + new_id()
    job = job_ops.enqueue(
        conn, jobs, RUN_KIND, {"runId": run_id}, now=a.wall_ms, tenant=a.org_id, max_attempts=3
    )
    values = {
        "id": run_id,
        "agent_id": a.agent_id,
        "seq": seq + 1,
        "org_id": a.org_id,
        "workspace_id": a.workspace_id,
        "schedule_id": a.schedule_id,
        "job_id": job.id,
        "trigger_key": a.trigger_key,
        "status": "running",
        "prompt": a.prompt,
        "model": model,
        "focus_table_ids": _dumps(focus),
        "attachments": _dumps(attachments),
        "steps_completed": 0,
        "steps_max": AGENT_PLANS[plan]["maxSteps"],
        "credits": RUN_CREDITS,
        "started_at": a.now,
        "deadline_at": a.wall_ms + a.timeout_ms,
        "completed_at": None,
        "text": None,
        "actions": "[]",
        "transcript": _dumps([{"role": "user", "content": a.prompt}]),
        "questions": "[]",
        "next_actions": "[]",
        "state": None,
        "error": None,
    }
    conn.execute(runs.insert().values(values))
    return values


# --------------------------------------------------------------------------- the run object

_RUN_AND_JOB = sa.select(
    runs,
    jc.status.label("job_status"),
    jc.error.label("job_error"),
    jc.updated_at.label("job_updated_at"),
).select_from(runs.join(jobs, jc.id == ru.job_id))


def effective_status(row: Any) -> str:
    """The run's status, from its row, or from its job once that ended without the row."""
    if row.status != "running" or row.job_status in (QUEUED, RUNNING):
        return str(row.status)
    if row.job_status == CANCELLED:
        return "cancelled"
    error = orjson.loads(row.job_error) if row.job_error else {}
    return "timed_out" if error.get("code") == TIMED_OUT else "errored"


def _truncate(prompt: str) -> str:
    return prompt if len(prompt) <= PROMPT_SUMMARY else prompt[: PROMPT_SUMMARY - 1] + "…"


def summary(row: Any) -> dict[str, Any]:
    """The ``RunSummary`` of a run row joined with its job."""
    status = effective_status(row)
    completed = row.completed_at
    if completed is None and status != "running":
        completed = row.started_at  # ended by its job: no later stamp on the service clock
    return {
        "id": row.id,
        "agentId": row.agent_id,
        "status": status,
        "prompt": _truncate(row.prompt),
        "model": row.model,
        "steps": {"completed": row.steps_completed, "max": row.steps_max},
        "startedAt": iso(row.started_at),
        "completedAt": None if completed is None else iso(completed),
    }


def table_stats(table: dict[str, Any]) -> dict[str, Any]:
    """Add the ``?include=stats`` economics to a table object (and each of its columns).

    This service charges no enrichment yet, so costs are 0 and every lead counts as
    sourced through the API.
    """
    leads = table["leadCount"]
    table["stats"] = {
        "creditsPerLead": 0.0,
        "creditsPerQualifiedLead": 0.0,
        "findMoreEstimatedCredits": 0.0,
        "qualification": None,
        "funnel": {
            "totalSourcedLeads": leads,
            "postStaticLeads": leads,
            "dedupedLeads": 0,
            "dedupRate": 0.0 if leads else None,
            "excludedLeads": 0,
            "excludedRate": 0.0 if leads else None,
        },
        "running": {"runningLeads": 0, "oldestActiveRunStartedAt": None},
        "leadSources": [],
        "hasUnknownTotalWithMore": False,
    }
    for column in table["columns"]:
        column["stats"] = {"avgCreditsPerRun": 0.0, "callRate": 0.0, "totalRuns": 0}
    return table


def table_objects(
    conn: sa.Connection, workspace_id: str, table_ids: list[str], app_url: str, stats: bool
) -> list[dict[str, Any]]:
    """Table objects (as ``GET /tables/{id}``) of the ids that still exist, in order."""
    from segue_apps.workspace.store.data_tables import _table_dict

    out = []
    for table_id in table_ids:
        try:
            row, cols, count = table_and_columns(conn, workspace_id, table_id, app_url)
        except WorkspaceError:
            continue  # deleted since
        table = _table_dict(row, workspace_id, cols, count, app_url)
        out.append(table_stats(table) if stats else table)
    return out


def run_object(
    conn: sa.Connection, row: Any, include: frozenset[str], app_url: str
) -> dict[str, Any]:
    """The run object of seed 003 for a run row joined with its job."""
    body = summary(row)
    status = body["status"]
    focus = orjson.loads(row.focus_table_ids)
    response = None
    if status != "running":
        actions = orjson.loads(row.actions)
        touched = list(dict.fromkeys([a["tableId"] for a in actions] + focus))
        text = None if status in ("errored", "timed_out") else row.text
        response = {
            "text": text,
            "actions": actions,
            "tables": table_objects(conn, row.workspace_id, touched, app_url, "stats" in include),
            "transcript": None,
            "transcriptTruncated": False,
        }
        if "transcript" in include:
            transcript = orjson.loads(row.transcript)
            response["transcript"] = transcript[:TRANSCRIPT_CAP]
            response["transcriptTruncated"] = len(transcript) > TRANSCRIPT_CAP
    questions = orjson.loads(row.questions) if status == "needs_input" else []
    return {
        **body,
        "workspaceId": row.workspace_id,
        "request": {
            "prompt": row.prompt,
            "model": row.model,
            "focusTableIds": focus,
            "attachments": orjson.loads(row.attachments),
        },
        "response": response,
        "todo": {
            "pendingQuestions": [{**q, "freeformOption": "Or something else"} for q in questions],
            "nextActions": orjson.loads(row.next_actions),
        },
    }


def parse_include(text: str | None) -> frozenset[str]:
    """The known tokens of ``?include=`` (unknown ones are ignored)."""
    tokens = {part.strip() for part in (text or "").split(",")}
    return frozenset(tokens & {"stats", "transcript"})


_POLL = _RUN_AND_JOB.join(agents, ag.id == ru.agent_id).where(
    ru.id == sa.bindparam("run_id", type_=ru.id.type),
    ru.agent_id == sa.bindparam("agent_id", type_=ru.agent_id.type),
    ag.workspace_id == sa.bindparam("workspace_id", type_=ag.workspace_id.type),
)
"""A run of one agent of one workspace, with its job: what a poll reads (built once)."""


def get_run(
    conn: sa.Connection,
    workspace_id: str,
    agent_id: str,
    run_id: str,
    include: frozenset[str],
    app_url: str,
) -> dict[str, Any]:
    """The run object, or 404 ``AGENT_NOT_FOUND`` / ``RUN_NOT_FOUND``."""
    found = {"run_id": run_id, "agent_id": agent_id, "workspace_id": workspace_id}
    row = conn.execute(_POLL, found).first()
    if row is None:
        require_agent(conn, workspace_id, agent_id)
        raise run_not_found()
    return run_object(conn, row, include, app_url)


def run_by_id(conn: sa.Connection, run_id: str, app_url: str) -> dict[str, Any]:
    """The run object of ``run_id`` (which the caller knows exists)."""
    row = conn.execute(_RUN_AND_JOB.where(ru.id == run_id)).one()
    return run_object(conn, row, frozenset(), app_url)


def list_runs(
    conn: sa.Connection, workspace_id: str, agent_id: str, page: int, page_size: int
) -> dict[str, Any]:
    """A page of the agent's run summaries, newest first."""
    require_agent(conn, workspace_id, agent_id)
    return {
        **runs_page(conn, ru.agent_id == agent_id, page, page_size, summary),
    }


def runs_page(
    conn: sa.Connection, where: Any, page: int, page_size: int, shape: Any
) -> dict[str, Any]:
    """``{runs, pagination}`` of the runs matching ``where``, newest first."""
    total = conn.execute(sa.select(sa.func.count()).select_from(runs).where(where)).scalar_one()
    found = conn.execute(
        _RUN_AND_JOB.where(where)
        .order_by(ru.started_at.desc(), ru.seq.desc())
        .limit(page_size)
        .offset(page * page_size)
    ).all()
    return {"runs": [shape(row) for row in found], "pagination": pagination(page, page_size, total)}


def last_runs(conn: sa.Connection, agent_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The newest run summary of each agent that has one."""
    if not agent_ids:
        return {}
    newest = (
        sa.select(ru.agent_id, sa.func.max(ru.seq).label("seq"))
        .where(ru.agent_id.in_(agent_ids))
        .group_by(ru.agent_id)
        .subquery()
    )
    found = conn.execute(
        _RUN_AND_JOB.join(newest, sa.and_(newest.c.agent_id == ru.agent_id, newest.c.seq == ru.seq))
    ).all()
    return {row.agent_id: summary(row) for row in found}


# --------------------------------------------------------------------------- cancel


def _lock_run(conn: sa.Connection, run_id: str) -> Any:
    query = sa.select(runs).where(ru.id == run_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def _cancel_text(row: Any) -> str:
    said = [
        m["content"]
        for m in orjson.loads(row.transcript)
        if m.get("role") == "assistant" and m.get("content")
    ]
    return said[-1] if said else "The run was cancelled; what it built so far is kept."


def cancel(
    conn: sa.Connection, workspace_id: str, agent_id: str, now: int, wall_ms: int, app_url: str
) -> dict[str, Any]:
    """Cancel the agent's in-flight run (idempotent); return ``{run}``: the cancelled run,
    else the agent's newest run, else ``None``.

    The run ends ``cancelled`` at once, keeping what its recorded steps did; its job is
    cancelled too, so the worker stops at its next step (whose work is then discarded).
    """
    require_agent(conn, workspace_id, agent_id)
    newest = conn.execute(
        sa.select(ru.id).where(ru.agent_id == agent_id).order_by(ru.seq.desc()).limit(1)
    ).scalar()
    if newest is None:
        return {"run": None}
    cancel_run(conn, newest, now, wall_ms)
    return {"run": run_by_id(conn, newest, app_url)}


def cancel_run(conn: sa.Connection, run_id: str, now: int, wall_ms: int) -> bool:
    """End the run ``cancelled`` if it is still running (its row locked first), and cancel
    its job so the worker stops at its next step; return whether it was running."""
    row = _lock_run(conn, run_id)
    if row is None or row.status != "running":
        return False
    conn.execute(
        runs.update()
        .where(ru.id == row.id)
        .values(status="cancelled", completed_at=now, text=_cancel_text(row))
    )
    job_ops.cancel(conn, jobs, row.job_id, now=wall_ms)
    return True


def active_runs_on_table(conn: sa.Connection, workspace_id: str, table_id: str) -> list[str]:
    """The workspace's in-flight runs working on the table: focused on it (table
    attachments are merged into the focus) or having already changed it. Oldest first."""
    query = (
        sa.select(ru.id, ru.focus_table_ids, ru.actions)
        .join(jobs, jc.id == ru.job_id)
        .where(
            ru.workspace_id == workspace_id,
            ru.status == "running",
            jc.status.in_([QUEUED, RUNNING]),
        )
        .order_by(ru.seq)
    )
    found = []
    for row in conn.execute(query):
        tables = set(orjson.loads(row.focus_table_ids))
        tables.update(action.get("tableId") for action in orjson.loads(row.actions))
        if table_id in tables:
            found.append(row.id)
    return found


# --------------------------------------------------------------------------- the worker's side


@dataclass
class Work:
    """What the worker needs of a run to take its next step."""

    id: str
    agent_id: str
    org_id: str
    workspace_id: str
    status: str
    prompt: str
    model: str
    focus_table_ids: list[str]
    attachments: list[dict[str, Any]]
    steps_completed: int
    steps_max: int
    deadline_at: int
    state: Any
    transcript: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    history: list[dict[str, Any]]


HISTORY_RUNS = 10
"""Earlier runs of the agent a runner sees (the conversation it continues)."""


_WORK = sa.select(runs).where(ru.id == sa.bindparam("run_id", type_=ru.id.type))
_HISTORY = (
    _RUN_AND_JOB.where(
        ru.agent_id == sa.bindparam("agent_id", type_=ru.agent_id.type),
        ru.seq < sa.bindparam("seq", type_=ru.seq.type),
    )
    .order_by(ru.seq.desc())
    .limit(HISTORY_RUNS)
)


def load_work(conn: sa.Connection, run_id: str) -> Work | None:
    """The run as its worker needs it, with the agent's earlier runs; None if it is gone."""
    row = conn.execute(_WORK, {"run_id": run_id}).first()
    if row is None:
        return None
    # seq counts an agent's runs from 1: its first run has no history to read.
    earlier = (
        []
        if row.seq <= 1
        else conn.execute(_HISTORY, {"agent_id": row.agent_id, "seq": row.seq}).all()
    )
    history = [
        {
            "prompt": r.prompt,
            "status": effective_status(r),
            "text": r.text,
            "questions": orjson.loads(r.questions),
            "state": orjson.loads(r.state) if r.state else None,
            "transcript": orjson.loads(r.transcript),
        }
        for r in reversed(earlier)
    ]
    attachments = orjson.loads(row.attachments)
    doc_ids = [a["documentId"] for a in attachments if a["kind"] == "document"]
    if doc_ids:  # re-resolved at run start: the document as it is now
        docs = {
            d.id: d
            for d in conn.execute(
                sa.select(documents.c.id, documents.c.name, documents.c.content).where(
                    documents.c.id.in_(doc_ids), documents.c.workspace_id == row.workspace_id
                )
            )
        }
        for item in attachments:
            found = docs.get(item.get("documentId", ""))
            if found is not None:
                item.update(name=found.name, content=found.content)
    return Work(
        id=row.id,
        agent_id=row.agent_id,
        org_id=row.org_id,
        workspace_id=row.workspace_id,
        status=row.status,
        prompt=row.prompt,
        model=row.model,
        focus_table_ids=orjson.loads(row.focus_table_ids),
        attachments=attachments,
        steps_completed=row.steps_completed,
        steps_max=row.steps_max,
        deadline_at=row.deadline_at,
        state=orjson.loads(row.state) if row.state else None,
        transcript=orjson.loads(row.transcript),
        actions=orjson.loads(row.actions),
        history=history,
    )


def holds(conn: sa.Connection, job: Job) -> bool:
    """Whether ``job``'s claim still holds and no cancel was asked for."""
    found = conn.execute(
        sa.select(jc.id).where(
            jc.id == job.id,
            jc.status == RUNNING,
            jc.worker == job.worker,
            jc.attempts == job.attempts,
            sa.not_(jc.cancel_requested),
        )
    ).first()
    return found is not None


_HELD = (
    sa.select(jc.id)
    .where(
        jc.id == sa.bindparam("p_job_id", type_=jc.id.type),
        jc.status == RUNNING,
        jc.worker == sa.bindparam("p_worker", type_=jc.worker.type),
        jc.attempts == sa.bindparam("p_attempts", type_=jc.attempts.type),
        sa.not_(jc.cancel_requested),
    )
    .exists()
)
"""The job's claim still holds and no cancel was asked for."""


@functools.cache
def _guarded_update(columns: frozenset[str]) -> Any:
    """``UPDATE`` of ``columns`` (parameters ``v_<column>``) of a running run, under
    :data:`_HELD`; built once per set of columns (a step, an end: a few sets in all)."""
    values = {name: sa.bindparam(f"v_{name}", type_=ru[name].type) for name in sorted(columns)}
    run_id = sa.bindparam("p_run_id", type_=ru.id.type)
    where = (ru.id == run_id, ru.status == "running", _HELD)
    return runs.update().where(*where).values(values)


def record(
    conn: sa.Connection, job: Job, run_id: str, values: dict[str, Any], apply: Any = None
) -> bool:
    """Write a step (or the end) of a running run, under the job's claim.

    ``apply(conn)`` (the step's tool calls) runs first, in the same transaction, with the
    run's row locked, and returns more values to write. False, with nothing written, once
    the run is no longer running (cancelled) or the claim was lost (another worker has the
    run). Without tool calls the write is one guarded ``UPDATE``.
    """
    if apply is None:
        parameters = {f"v_{key}": value for key, value in values.items()}
        claim = {"p_job_id": job.id, "p_worker": job.worker, "p_attempts": job.attempts}
        parameters |= {"p_run_id": run_id, **claim}
        done = conn.execute(_guarded_update(frozenset(values)), parameters)
        return bool(done.rowcount == 1)
    row = _lock_run(conn, run_id)
    if row is None or row.status != "running" or not holds(conn, job):
        return False
    values = {**values, **apply(conn)}
    conn.execute(runs.update().where(ru.id == run_id).values(values))
    return True
