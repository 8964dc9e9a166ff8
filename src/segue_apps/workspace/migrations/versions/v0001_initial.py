"""Initial schema: orgs, workspaces, keys, documents, tables, columns, rows, batches.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

from segue_apps.workspace.store.tables import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The revision creates the tables of the module it was written with; later revisions
    # must spell out their operations rather than rely on the (then changed) metadata.
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
