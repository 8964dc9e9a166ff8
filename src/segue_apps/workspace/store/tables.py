"""Core table objects mirroring the Alembic schema (the migrations are the source of truth).

Rows keep their cells as one JSON object (``{slug: typed cell}``) so a page of rows is one
indexed range read. Upsert matching needs lookups by cell value: the non-empty cells of
every column that has ever been a match column (``columns.match_indexed``) are also kept
in :data:`match_values`, indexed on ``(column_id, value)``. Indexing on first use, not on
every input column, keeps a write to one index entry per row in the usual case.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
_MS = sa.BigInteger()
_SURROGATE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(column: str, target: str) -> sa.Column[str]:
    return sa.Column(
        column, sa.String(64), sa.ForeignKey(target, ondelete="CASCADE"), nullable=False
    )


orgs = sa.Table(
    "ws_orgs",
    metadata,
    sa.Column("id", sa.String(21), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("plan", sa.String(32), nullable=False),
    sa.Column("credits_balance", sa.BigInteger(), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
)

workspaces = sa.Table(
    "ws_workspaces",
    metadata,
    sa.Column("id", sa.String(21), primary_key=True),
    _fk("org_id", "ws_orgs.id"),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
)

api_keys = sa.Table(
    "ws_api_keys",
    metadata,
    sa.Column("id", sa.String(21), primary_key=True),
    _fk("workspace_id", "ws_workspaces.id"),
    sa.Column("key_prefix", sa.String(16), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", _MS, nullable=False),
)

documents = sa.Table(
    "ws_documents",
    metadata,
    sa.Column("id", sa.String(21), primary_key=True),
    _fk("workspace_id", "ws_workspaces.id"),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("mime_type", sa.String(100), nullable=False),
    sa.Column("content", sa.Text(), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
    sa.Column("updated_at", _MS, nullable=False),
)

data_tables = sa.Table(
    "ws_tables",
    metadata,
    sa.Column("id", sa.String(21), primary_key=True),
    _fk("workspace_id", "ws_workspaces.id"),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
    sa.Column("updated_at", _MS, nullable=False),
)

columns = sa.Table(
    "ws_columns",
    metadata,
    sa.Column("id", sa.String(21), primary_key=True),
    _fk("table_id", "ws_tables.id"),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("slug", sa.String(100), nullable=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("auto_trigger", sa.Boolean(), nullable=False),
    # Set once the column has served as a match column and its values are in match_values.
    sa.Column("match_indexed", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("table_id", "slug", name="uq_ws_columns_slug"),
)

rows = sa.Table(
    "ws_rows",
    metadata,
    sa.Column("pk", _SURROGATE, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(21), nullable=False, unique=True),
    _fk("table_id", "ws_tables.id"),
    sa.Column("cells", sa.Text(), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
    sa.Column("updated_at", _MS, nullable=False),
    sa.Index("ix_ws_rows_table", "table_id", "pk"),
)

match_values = sa.Table(
    "ws_match_values",
    metadata,
    sa.Column(
        "row_id",
        sa.String(21),
        sa.ForeignKey("ws_rows.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "column_id",
        sa.String(21),
        sa.ForeignKey("ws_columns.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("value", sa.Text(), nullable=False),
    sa.Index("ix_ws_match_values_lookup", "column_id", "value"),
)

batches = sa.Table(
    "ws_batches",
    metadata,
    _fk("workspace_id", "ws_workspaces.id"),
    sa.Column("id", sa.String(128), nullable=False),
    sa.Column("table_id", sa.String(21), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("enrich", sa.Boolean(), nullable=False),
    sa.Column("row_count", sa.Integer(), nullable=False),
    sa.Column("outcomes", sa.Text(), nullable=False),
    sa.Column("created_at", _MS, nullable=False),
    sa.PrimaryKeyConstraint("workspace_id", "id", name="pk_ws_batches"),
    sa.Index("ix_ws_batches_recent", "workspace_id", "created_at"),
)

# Columns added by later revisions stay off ``metadata`` (revision 0001 creates the initial
# schema from it); each revision adds its own, and the store reads them through these.

#: ``ws_tables.row_count`` (revision 0002): the table's rows, kept by triggers on ws_rows.
table_row_count = sa.sql.expression.ColumnClause(
    "row_count", sa.BigInteger(), _selectable=data_tables
)
