"""Core table objects of revision 0003: agents, runs, the row trash, schedules, jobs.

They live on a metadata of their own: revision 0001 creates the initial schema from
:data:`~segue_apps.workspace.store.tables.metadata`, and revision 0003 spells its tables
out (a test checks the two agree).

- ``ws_agents``: an agent works in one workspace; archiving sets ``deleted_at``.
- ``ws_runs``: one row per run, keyed by the run id (``v2_run-…``). It holds what the
  caller sent and everything the run did so far (steps, actions, transcript, the runner's
  own state), written one step per transaction, so a run taken over by another worker
  resumes where the last committed step left it. Its job in ``ws_jobs`` (kind
  ``agent_run``) is what workers claim.
- ``ws_row_trash``: rows a run deleted, restorable (``leads_restored``) with their ids.
- ``ws_schedules``: scheduled agents (cron, IANA time zone, next firing).
"""

from __future__ import annotations

import sqlalchemy as sa

from segue_apps.common.jobs import job_table

metadata = sa.MetaData()
_MS = sa.BigInteger()
_SURROGATE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JOBS_TABLE = "ws_jobs"

agents = sa.Table(
    "ws_agents",
    metadata,
    sa.Column("id", sa.String(21), primary_key=True),
    sa.Column("org_id", sa.String(21), nullable=False),
    sa.Column(
        "workspace_id",
        sa.String(64),
        sa.ForeignKey("ws_workspaces.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("created_by_api", sa.Boolean(), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
    sa.Column("deleted_at", _MS, nullable=True),
    sa.Index("ix_ws_agents_list", "workspace_id", "created_at", "id"),
)

runs = sa.Table(
    "ws_runs",
    metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column(
        "agent_id", sa.String(21), sa.ForeignKey("ws_agents.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("seq", sa.Integer(), nullable=False),
    sa.Column("org_id", sa.String(21), nullable=False),
    sa.Column("workspace_id", sa.String(21), nullable=False),
    sa.Column("schedule_id", sa.String(21), nullable=True),
    sa.Column("job_id", sa.String(21), nullable=False, unique=True),
    # The firing that admitted a scheduled run (a job's dedupe key): one run per firing.
    sa.Column("trigger_key", sa.String(255), nullable=True, unique=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("prompt", sa.Text(), nullable=False),
    sa.Column("model", sa.String(32), nullable=False),
    sa.Column("focus_table_ids", sa.Text(), nullable=False),
    sa.Column("attachments", sa.Text(), nullable=False),
    sa.Column("steps_completed", sa.Integer(), nullable=False),
    sa.Column("steps_max", sa.Integer(), nullable=False),
    sa.Column("credits", sa.Integer(), nullable=False),
    sa.Column("started_at", _MS, nullable=False),
    sa.Column("deadline_at", _MS, nullable=False),
    sa.Column("completed_at", _MS, nullable=True),
    sa.Column("text", sa.Text(), nullable=True),
    sa.Column("actions", sa.Text(), nullable=False),
    sa.Column("transcript", sa.Text(), nullable=False),
    sa.Column("questions", sa.Text(), nullable=False),
    sa.Column("next_actions", sa.Text(), nullable=False),
    sa.Column("state", sa.Text(), nullable=True),
    sa.Column("error", sa.Text(), nullable=True),
    sa.UniqueConstraint("agent_id", "seq", name="uq_ws_runs_agent_seq"),
    sa.Index("ix_ws_runs_active", "org_id", "status"),
)

row_trash = sa.Table(
    "ws_row_trash",
    metadata,
    sa.Column("pk", _SURROGATE, primary_key=True, autoincrement=False),
    sa.Column("id", sa.String(21), nullable=False, unique=True),
    sa.Column(
        "table_id", sa.String(64), sa.ForeignKey("ws_tables.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("cells", sa.Text(), nullable=False),
    sa.Column("matches", sa.Text(), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
    sa.Column("updated_at", _MS, nullable=False),
    sa.Column("deleted_at", _MS, nullable=False),
    sa.Column("run_id", sa.String(128), nullable=True),
    sa.Index("ix_ws_row_trash_table", "table_id", "deleted_at"),
)

schedules = sa.Table(
    "ws_schedules",
    metadata,
    sa.Column("id", sa.String(21), primary_key=True),
    sa.Column("org_id", sa.String(21), nullable=False),
    sa.Column(
        "workspace_id",
        sa.String(64),
        sa.ForeignKey("ws_workspaces.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("agent_id", sa.String(21), nullable=False),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("prompt", sa.Text(), nullable=False),
    sa.Column("cron", sa.String(120), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("enabled", sa.Boolean(), nullable=False),
    sa.Column("next_fire_at", _MS, nullable=True),
    sa.Column("created_at", _MS, nullable=False),
    sa.Column("updated_at", _MS, nullable=False),
    sa.Column("deleted_at", _MS, nullable=True),
    sa.Index("ix_ws_schedules_due", "enabled", "next_fire_at"),
    sa.Index("ix_ws_schedules_list", "workspace_id", "created_at", "id"),
)

jobs = job_table(metadata, JOBS_TABLE)
"""The workspace's durable queue (runs, scheduled firings)."""
