"""Sequences, their steps, and campaign pause states.

One live sequence per (campaign column, row): a partial unique index over the rows not
soft-deleted, so two concurrent drafts cannot give a row two sequences in one campaign.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _fk(column: str, target: str, length: int = 21) -> sa.Column[str]:
    return sa.Column(
        column, sa.String(length), sa.ForeignKey(target, ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "ws_sequences",
        sa.Column(
            "pk",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("id", sa.String(21), nullable=False, unique=True),
        _fk("workspace_id", "ws_workspaces.id"),
        _fk("table_id", "ws_tables.id"),
        _fk("column_id", "ws_columns.id"),
        _fk("row_id", "ws_rows.id"),
        sa.Column("recipient_name", sa.Text()),
        sa.Column("recipient_email", sa.String(320)),
        sa.Column("channels", sa.String(200), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("step_count", sa.Integer(), nullable=False),
        sa.Column("sent_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("launched_at", sa.BigInteger()),
        sa.Column("stopped_at", sa.BigInteger()),
        sa.Column("deleted_at", sa.BigInteger()),
    )
    op.create_index("ix_ws_sequences_workspace", "ws_sequences", ["workspace_id", "pk"])
    op.create_index("ix_ws_sequences_table", "ws_sequences", ["table_id", "pk"])
    op.create_index("ix_ws_sequences_column", "ws_sequences", ["column_id", "pk"])
    live = sa.text("deleted_at IS NULL")
    op.create_index(
        "uq_ws_sequences_live_row",
        "ws_sequences",
        ["column_id", "row_id"],
        unique=True,
        sqlite_where=live,
        postgresql_where=live,
    )
    op.create_table(
        "ws_sequence_steps",
        sa.Column("id", sa.String(21), primary_key=True),
        _fk("sequence_id", "ws_sequences.id"),  # ws_sequences.id is unique
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("subject", sa.Text()),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("delay_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sent_at", sa.BigInteger()),
        sa.Column("provider_message_id", sa.String(64)),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("sequence_id", "position", name="uq_ws_sequence_steps_position"),
    )
    op.create_table(
        "ws_campaigns",
        sa.Column(
            "column_id",
            sa.String(21),
            sa.ForeignKey("ws_columns.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        _fk("table_id", "ws_tables.id"),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("paused_at", sa.BigInteger()),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ws_campaigns")
    op.drop_table("ws_sequence_steps")
    op.drop_index("uq_ws_sequences_live_row", "ws_sequences")
    op.drop_table("ws_sequences")
