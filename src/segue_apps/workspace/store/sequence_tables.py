"""Core table objects of sequences, their steps and campaign pause states (revision 0004).

They hang off a :class:`~sqlalchemy.MetaData` of their own: revision 0001 creates every
table of :data:`~segue_apps.workspace.store.tables.metadata`, and these came later (0004
spells its operations out). Foreign keys are declared in the migration only.

A sequence is one recipient's outreach: a row of a table, drafted into one of the table's
``sequence`` columns (the *campaign*), with its steps inline. A campaign's pause state is
one row of :data:`campaigns`; no row means running.
"""

from __future__ import annotations

import sqlalchemy as sa

sequence_metadata = sa.MetaData()
_MS = sa.BigInteger()

sequences = sa.Table(
    "ws_sequences",
    sequence_metadata,
    # Insertion order (a draft inserts its rows' sequences in row order): lists sort on it.
    sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("id", sa.String(21), nullable=False, unique=True),
    sa.Column("workspace_id", sa.String(21), nullable=False),
    sa.Column("table_id", sa.String(21), nullable=False),
    sa.Column("column_id", sa.String(21), nullable=False),
    sa.Column("row_id", sa.String(21), nullable=False),
    sa.Column("recipient_name", sa.Text()),
    sa.Column("recipient_email", sa.String(320)),
    # ",email,linkedin_connect," — every channel of its steps, for the channel filter.
    sa.Column("channels", sa.String(200), nullable=False),
    sa.Column("instructions", sa.Text(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("step_count", sa.Integer(), nullable=False),
    sa.Column("sent_count", sa.Integer(), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
    sa.Column("updated_at", _MS, nullable=False),
    sa.Column("launched_at", _MS),
    sa.Column("stopped_at", _MS),
    sa.Column("deleted_at", _MS),
)

steps = sa.Table(
    "ws_sequence_steps",
    sequence_metadata,
    sa.Column("id", sa.String(21), primary_key=True),
    sa.Column("sequence_id", sa.String(21), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("subject", sa.Text()),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("delay_days", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("sent_at", _MS),
    # What the delivery provider answered: kept for support, never returned by the API.
    sa.Column("provider_message_id", sa.String(64)),
    sa.Column("updated_at", _MS, nullable=False),
)

campaigns = sa.Table(
    "ws_campaigns",
    sequence_metadata,
    sa.Column("column_id", sa.String(21), primary_key=True),
    sa.Column("table_id", sa.String(21), nullable=False),
    sa.Column("paused", sa.Boolean(), nullable=False),
    sa.Column("paused_at", _MS),
    sa.Column("updated_at", _MS, nullable=False),
)
