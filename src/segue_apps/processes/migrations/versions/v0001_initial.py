"""Initial schema: organisations, keys, agents, processes, shares, runs.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

from segue_apps.processes.store import SCHEMA_TABLES, metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The revision creates the tables of the module it was written with; later revisions
    # must spell out their operations rather than rely on the (then changed) metadata.
    metadata.create_all(op.get_bind(), tables=SCHEMA_TABLES)


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=SCHEMA_TABLES)
