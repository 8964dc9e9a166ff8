"""The durable run queue: the ``processes_jobs`` table of ``segue_apps.common.jobs``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

from segue_apps.common.jobs import create_job_table, drop_job_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_job_table("processes_jobs")


def downgrade() -> None:
    drop_job_table("processes_jobs")
