"""Files: uploads to the local file store, and the service's upload-signing secret.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processes_files",
        sa.Column("id", sa.String(21), primary_key=True),
        sa.Column("org_id", sa.String(21), nullable=False),
        sa.Column("agent_id", sa.String(26), nullable=True),
        sa.Column("file_name", sa.String(256), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("uploaded_at", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "processes_secrets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("processes_secrets")
    op.drop_table("processes_files")
