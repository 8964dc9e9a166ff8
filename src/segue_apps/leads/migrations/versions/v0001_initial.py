"""Initial schema: users, keys, accounts, segments, streams, pairs, runs, leads, budgets,
webhooks, lookups, DM templates, notification settings, and the ``leads_jobs`` queue.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

from segue_apps.common.jobs import create_job_table, drop_job_table
from segue_apps.leads.store.tables import JOBS_TABLE, SCHEMA_TABLES, metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The revision creates the tables of the module it was written with; later revisions
    # must spell out their operations rather than rely on the (then changed) metadata.
    metadata.create_all(op.get_bind(), tables=SCHEMA_TABLES)
    create_job_table(JOBS_TABLE)


def downgrade() -> None:
    drop_job_table(JOBS_TABLE)
    metadata.drop_all(op.get_bind(), tables=SCHEMA_TABLES)
