"""Agents, runs, the row trash, scheduled agents and the ``ws_jobs`` queue.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from segue_apps.common.jobs import create_job_table, drop_job_table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_MS = sa.BigInteger()


def _cascade(column: str, target: str, size: int = 64) -> sa.Column[str]:
    return sa.Column(
        column, sa.String(size), sa.ForeignKey(target, ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "ws_agents",
        sa.Column("id", sa.String(21), primary_key=True),
        sa.Column("org_id", sa.String(21), nullable=False),
        _cascade("workspace_id", "ws_workspaces.id"),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("created_by_api", sa.Boolean(), nullable=False),
        sa.Column("created_at", _MS, nullable=False),
        sa.Column("deleted_at", _MS, nullable=True),
    )
    op.create_index("ix_ws_agents_list", "ws_agents", ["workspace_id", "created_at", "id"])
    op.create_table(
        "ws_runs",
        sa.Column("id", sa.String(128), primary_key=True),
        _cascade("agent_id", "ws_agents.id", 21),
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
    )
    op.create_index("ix_ws_runs_active", "ws_runs", ["org_id", "status"])
    op.create_table(
        "ws_row_trash",
        sa.Column(
            "pk",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("id", sa.String(21), nullable=False, unique=True),
        _cascade("table_id", "ws_tables.id"),
        sa.Column("cells", sa.Text(), nullable=False),
        sa.Column("matches", sa.Text(), nullable=False),
        sa.Column("created_at", _MS, nullable=False),
        sa.Column("updated_at", _MS, nullable=False),
        sa.Column("deleted_at", _MS, nullable=False),
        sa.Column("run_id", sa.String(128), nullable=True),
    )
    op.create_index("ix_ws_row_trash_table", "ws_row_trash", ["table_id", "deleted_at"])
    op.create_table(
        "ws_schedules",
        sa.Column("id", sa.String(21), primary_key=True),
        sa.Column("org_id", sa.String(21), nullable=False),
        _cascade("workspace_id", "ws_workspaces.id"),
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
    )
    op.create_index("ix_ws_schedules_due", "ws_schedules", ["enabled", "next_fire_at"])
    op.create_index("ix_ws_schedules_list", "ws_schedules", ["workspace_id", "created_at", "id"])
    create_job_table("ws_jobs")


def downgrade() -> None:
    drop_job_table("ws_jobs")
    for index, table in (
        ("ix_ws_schedules_list", "ws_schedules"),
        ("ix_ws_schedules_due", "ws_schedules"),
        ("ix_ws_row_trash_table", "ws_row_trash"),
        ("ix_ws_runs_active", "ws_runs"),
        ("ix_ws_agents_list", "ws_agents"),
    ):
        op.drop_index(index, table_name=table)
    for table in ("ws_schedules", "ws_row_trash", "ws_runs", "ws_agents"):
        op.drop_table(table)
