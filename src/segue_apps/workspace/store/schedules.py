"""Scheduled agents: recurring runs on a cron expression in an IANA time zone.

A schedule owns an agent (made with it, named after it): each firing is a run of that
agent, so the run history is the agent's runs. A schedule is created disabled; enabling
it computes its next firing (``next_fire_at``, real time in ms). Every process's scheduler
calls :func:`enqueue_due`, which enqueues one ``schedule_fire`` job per due firing with
``dedupe_key=f"schedule:{id}:{due_ms}"`` and moves the schedule on: however many
processes see the firing due at once, the queue holds one job for it, and that job's
handler (:func:`fire`) admits one run (``ws_runs.trigger_key`` is the dedupe key).

Schedules of an organisation whose plan lacks scheduled agents are ``planBlocked``: they
do not fire (their firings are skipped), and a manual trigger is ``402
SUBSCRIPTION_REQUIRED``.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from croniter import croniter

from segue_apps.common.ids import new_id
from segue_apps.common.jobs import ops as job_ops
from segue_apps.workspace.cells import iso
from segue_apps.workspace.errors import WorkspaceError, issues_error
from segue_apps.workspace.store import pagination
from segue_apps.workspace.store import runs as run_store
from segue_apps.workspace.store.agent_tables import agents, jobs, runs, schedules
from segue_apps.workspace.store.agents import insert_agent
from segue_apps.workspace.store.tables import orgs
from segue_apps.workspace.store.workspaces import PLANS

FIRE_KIND = "schedule_fire"
DUE_BATCH = 100
"""Most due schedules one scheduler pass enqueues."""
s = schedules.c
ru = runs.c


def not_found() -> WorkspaceError:
    """The 404 for missing, deleted and foreign schedules alike."""
    return WorkspaceError(404, "SCHEDULED_AGENT_NOT_FOUND", "Scheduled agent not found")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise issues_error(
            [{"path": "timezone", "message": f"Not an IANA time zone: {name!r}"}],
            "INVALID_TIMEZONE",
        ) from None


def next_fire(cron: str, timezone: str, after_ms: int) -> int:
    """The first firing of ``cron`` in ``timezone`` strictly after ``after_ms`` (ms)."""
    start = datetime.fromtimestamp(after_ms / 1000, tz=_zone(timezone))
    moment: datetime = croniter(cron, start).get_next(datetime)
    return int(moment.astimezone(UTC).timestamp() * 1000)


def validate(cron: str, timezone: str, min_interval_s: int, now_ms: int) -> None:
    """400 ``INVALID_CRON`` (not a 5-field cron expression or macro), ``INVALID_TIMEZONE``,
    or ``CRON_TOO_FREQUENT`` (two firings less than ``min_interval_s`` apart)."""
    _zone(timezone)
    fields = cron.split()
    macro = len(fields) == 1 and cron.strip().startswith("@")
    if not (len(fields) == 5 or macro) or not croniter.is_valid(cron):
        raise issues_error(
            [{"path": "cron", "message": "Not a 5-field cron expression"}], "INVALID_CRON"
        )
    firings = [next_fire(cron, timezone, now_ms)]
    for _ in range(5):
        firings.append(next_fire(cron, timezone, firings[-1]))
    shortest = min(b - a for a, b in itertools.pairwise(firings)) / 1000
    if shortest < min_interval_s:
        raise issues_error(
            [
                {
                    "path": "cron",
                    "message": f"Fires every {shortest:.0f} s; the least is {min_interval_s} s",
                }
            ],
            "CRON_TOO_FREQUENT",
        )


def plan_blocked(conn: sa.Connection, org_id: str) -> bool:
    """Whether the organisation's plan lacks scheduled agents."""
    plan = conn.execute(sa.select(orgs.c.plan).where(orgs.c.id == org_id)).scalar_one()
    return not PLANS[plan]["scheduledAgents"]


def _object(row: Any, last_run: dict[str, Any] | None, blocked: bool) -> dict[str, Any]:
    return {
        "id": row.id,
        "workspaceId": row.workspace_id,
        "agentId": row.agent_id,
        "name": row.name,
        "prompt": row.prompt,
        "cron": row.cron,
        "timezone": row.timezone,
        "enabled": bool(row.enabled),
        "nextRunAt": iso(row.next_fire_at) if row.enabled and row.next_fire_at else None,
        "planBlocked": blocked,
        "lastRun": last_run,
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
    }


def _require(conn: sa.Connection, workspace_id: str, schedule_id: str) -> Any:
    row = conn.execute(
        sa.select(schedules).where(
            s.id == schedule_id, s.workspace_id == workspace_id, s.deleted_at.is_(None)
        )
    ).first()
    if row is None:
        raise not_found()
    return row


def get(conn: sa.Connection, org_id: str, workspace_id: str, schedule_id: str) -> dict[str, Any]:
    """The scheduled agent, its last run and ``planBlocked``."""
    row = _require(conn, workspace_id, schedule_id)
    last = run_store.last_runs(conn, [row.agent_id]).get(row.agent_id)
    return _object(row, last, plan_blocked(conn, org_id))


def list_page(
    conn: sa.Connection,
    org_id: str,
    workspace_id: str,
    wanted_workspace: str | None,
    enabled: bool | None,
    page: int,
    page_size: int,
) -> dict[str, Any]:
    """A page of the workspace's scheduled agents, oldest first, filtered."""
    where = [s.workspace_id == workspace_id, s.deleted_at.is_(None)]
    if wanted_workspace is not None and wanted_workspace != workspace_id:
        where.append(sa.false())
    if enabled is not None:
        where.append(s.enabled == enabled)
    total = conn.execute(sa.select(sa.func.count()).select_from(schedules).where(*where))
    found = conn.execute(
        sa.select(schedules)
        .where(*where)
        .order_by(s.created_at, s.id)
        .limit(page_size)
        .offset(page * page_size)
    ).all()
    last = run_store.last_runs(conn, [row.agent_id for row in found])
    blocked = plan_blocked(conn, org_id)
    return {
        "scheduledAgents": [_object(row, last.get(row.agent_id), blocked) for row in found],
        "pagination": pagination(page, page_size, total.scalar_one()),
        "planBlocked": blocked,
    }


def create(
    conn: sa.Connection,
    org_id: str,
    workspace_id: str,
    body: dict[str, Any],
    now: int,
    wall_ms: int,
    min_interval_s: int,
) -> dict[str, Any]:
    """Create a scheduled agent (and its agent); disabled unless ``enabled`` is true."""
    if body["workspaceId"] != workspace_id:
        raise issues_error(
            [{"path": "workspaceId", "message": "Not this key's workspace"}], "UNKNOWN_WORKSPACE"
        )
    validate(body["cron"], body["timezone"], min_interval_s, wall_ms)
    agent = insert_agent(conn, org_id, workspace_id, body["name"], now)
    enabled = bool(body["enabled"])
    values = {
        "id": new_id(),
        "org_id": org_id,
        "workspace_id": workspace_id,
        "agent_id": agent["id"],
        "name": body["name"],
        "prompt": body["prompt"],
        "cron": body["cron"],
        "timezone": body["timezone"],
        "enabled": enabled,
        "next_fire_at": next_fire(body["cron"], body["timezone"], wall_ms) if enabled else None,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
    }
    conn.execute(schedules.insert().values(values))
    return get(conn, org_id, workspace_id, values["id"])


def update(
    conn: sa.Connection,
    org_id: str,
    workspace_id: str,
    schedule_id: str,
    changes: dict[str, Any],
    now: int,
    wall_ms: int,
    min_interval_s: int,
) -> dict[str, Any]:
    """Apply ``changes`` (name, prompt, cron, timezone, enabled); the next firing is
    computed again from now when the timing or ``enabled`` changed."""
    row = _require(conn, workspace_id, schedule_id)
    merged = {k: getattr(row, k) for k in ("name", "prompt", "cron", "timezone", "enabled")}
    merged |= {k: v for k, v in changes.items() if v is not None}
    if "cron" in changes or "timezone" in changes:
        validate(merged["cron"], merged["timezone"], min_interval_s, wall_ms)
    values: dict[str, Any] = {**merged, "enabled": bool(merged["enabled"]), "updated_at": now}
    if values["enabled"]:
        timing = ("cron", "timezone", "enabled")
        if not row.enabled or any(k in changes for k in timing) or row.next_fire_at is None:
            values["next_fire_at"] = next_fire(merged["cron"], merged["timezone"], wall_ms)
    else:
        values["next_fire_at"] = None
    conn.execute(schedules.update().where(s.id == schedule_id).values(values))
    if "name" in changes and changes["name"] is not None:
        conn.execute(
            agents.update().where(agents.c.id == row.agent_id).values(name=changes["name"])
        )
    return get(conn, org_id, workspace_id, schedule_id)


def delete(conn: sa.Connection, workspace_id: str, schedule_id: str, now: int) -> dict[str, Any]:
    """Soft-delete the scheduled agent (and archive its agent)."""
    row = _require(conn, workspace_id, schedule_id)
    conn.execute(
        schedules.update()
        .where(s.id == schedule_id)
        .values(deleted_at=now, enabled=False, next_fire_at=None, updated_at=now)
    )
    conn.execute(agents.update().where(agents.c.id == row.agent_id).values(deleted_at=now))
    return {"id": schedule_id, "deleted": True}


def trigger(
    conn: sa.Connection,
    org_id: str,
    workspace_id: str,
    schedule_id: str,
    now: int,
    wall_ms: int,
    timeout_ms: int,
    app_url: str,
) -> dict[str, Any]:
    """Admit a run of the scheduled agent now: ``{runId, run}``."""
    row = _require(conn, workspace_id, schedule_id)
    if plan_blocked(conn, org_id):
        raise WorkspaceError(
            402,
            "SUBSCRIPTION_REQUIRED",
            "Your plan does not include scheduled agents",
            handoff={
                "kind": "upgrade_plan",
                "url": f"{app_url}/settings/billing",
                "label": "Upgrade plan",
            },
            extra={"hint": "Upgrade to pro or above to run scheduled agents"},
        )
    try:
        values = run_store.admit(conn, _admission(row, now, wall_ms, timeout_ms, app_url, None))
    except WorkspaceError as refused:
        if refused.code != "AGENT_BUSY":
            raise
        raise WorkspaceError(
            409,
            "RUN_ALREADY_ACTIVE",
            "A run of this scheduled agent is still in flight",
            extra=refused.extra,
        ) from None
    return {"runId": values["id"], "run": run_store.run_by_id(conn, values["id"], app_url)}


def _admission(
    row: Any, now: int, wall_ms: int, timeout_ms: int, app_url: str, key: str | None
) -> run_store.Admission:
    return run_store.Admission(
        org_id=row.org_id,
        workspace_id=row.workspace_id,
        agent_id=row.agent_id,
        prompt=row.prompt,
        model=None,
        focus_table_ids=[],
        attachments=[],
        now=now,
        wall_ms=wall_ms,
        timeout_ms=timeout_ms,
        app_url=app_url,
        schedule_id=row.id,
        trigger_key=key,
    )


def history(
    conn: sa.Connection,
    workspace_id: str,
    schedule_id: str,
    page: int,
    page_size: int,
    app_url: str,
) -> dict[str, Any]:
    """The scheduled agent's runs, newest first; failed ones carry a handoff to its chat."""
    row = _require(conn, workspace_id, schedule_id)
    chat = {
        "kind": "open_workspace_chat",
        "url": f"{app_url}/workspaces/{workspace_id}/agents/{row.agent_id}",
        "label": "Open the agent's chat",
    }

    def shape(run: Any) -> dict[str, Any]:
        summary = run_store.summary(run)
        if summary["status"] in ("errored", "timed_out"):
            summary["handoff"] = chat
        return summary

    return run_store.runs_page(conn, ru.agent_id == row.agent_id, page, page_size, shape)


def enqueue_due(conn: sa.Connection, wall_ms: int) -> int:
    """Enqueue a ``schedule_fire`` job per due firing and move each schedule to its next
    firing; return how many firings were enqueued (or found enqueued by another process)."""
    due = conn.execute(
        sa.select(s.id, s.org_id, s.cron, s.timezone, s.next_fire_at, orgs.c.plan)
        .join(orgs, orgs.c.id == s.org_id)
        .where(s.enabled, s.deleted_at.is_(None), s.next_fire_at <= wall_ms)
        .order_by(s.id)
        .limit(DUE_BATCH)
    ).all()
    fired = 0
    for row in due:
        if PLANS[row.plan]["scheduledAgents"]:
            job_ops.enqueue(
                conn,
                jobs,
                FIRE_KIND,
                {"scheduleId": row.id, "dueMs": row.next_fire_at},
                now=wall_ms,
                tenant=row.org_id,
                dedupe_key=f"schedule:{row.id}:{row.next_fire_at}",
            )
            fired += 1
        following = next_fire(row.cron, row.timezone, max(row.next_fire_at, wall_ms))
        conn.execute(
            schedules.update()
            .where(s.id == row.id, s.next_fire_at == row.next_fire_at)
            .values(next_fire_at=following)
        )
    return fired


def fire(
    conn: sa.Connection,
    schedule_id: str,
    key: str,
    now: int,
    wall_ms: int,
    timeout_ms: int,
    app_url: str,
) -> str | None:
    """Admit the run of one firing (once: a firing already admitted returns its run);
    None when the schedule was deleted or disabled since."""
    existing = conn.execute(sa.select(ru.id).where(ru.trigger_key == key)).scalar()
    if existing is not None:
        return str(existing)
    row = conn.execute(
        sa.select(schedules).where(s.id == schedule_id, s.deleted_at.is_(None), s.enabled)
    ).first()
    if row is None:
        return None
    values = run_store.admit(conn, _admission(row, now, wall_ms, timeout_ms, app_url, key))
    return str(values["id"])
