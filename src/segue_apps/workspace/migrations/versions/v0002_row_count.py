"""Stored row count per table, kept by triggers on ``ws_rows``; backfilled.

Listing rows answered ``pagination.total`` with ``count(*)`` over the table's rows, which
is O(rows) on every page. ``ws_tables.row_count`` holds the same number. Triggers keep it in
the transaction that inserts or deletes rows, whatever writes them (the store, the
bootstrap's demo rows, bulk loads). Rows never move between tables, so updates need none.
On PostgreSQL the triggers are per statement (transition tables): one ``UPDATE`` per
insert statement rather than one per row.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SQLITE = (
    """
    CREATE TRIGGER ws_rows_count_insert AFTER INSERT ON ws_rows BEGIN
        UPDATE ws_tables SET row_count = row_count + 1 WHERE id = NEW.table_id;
    END
    """,
    """
    CREATE TRIGGER ws_rows_count_delete AFTER DELETE ON ws_rows BEGIN
        UPDATE ws_tables SET row_count = row_count - 1 WHERE id = OLD.table_id;
    END
    """,
)

_PG_FUNCTION = """
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ws_tables AS t SET row_count = t.row_count {sign} n.c
    FROM (SELECT table_id, count(*) AS c FROM ws_changed_rows GROUP BY table_id) AS n
    WHERE t.id = n.table_id;
    RETURN NULL;
END
$$
"""
_PG_TRIGGER = """
CREATE TRIGGER {name} AFTER {event} ON ws_rows
REFERENCING {which} TABLE AS ws_changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION {name}()
"""
_PG = (
    ("ws_rows_count_insert", "INSERT", "NEW", "+"),
    ("ws_rows_count_delete", "DELETE", "OLD", "-"),
)


def upgrade() -> None:
    op.add_column(
        "ws_tables",
        sa.Column("row_count", sa.BigInteger(), nullable=False, server_default="0"),
    )
    # Triggers first: on PostgreSQL creating them locks ws_rows against writes until the
    # migration commits, so no insert can fall between the backfill and the triggers.
    if op.get_bind().dialect.name == "postgresql":
        for name, event, which, sign in _PG:
            op.execute(_PG_FUNCTION.format(name=name, sign=sign))
            op.execute(_PG_TRIGGER.format(name=name, event=event, which=which))
    else:
        for statement in _SQLITE:
            op.execute(statement)
    op.execute(
        "UPDATE ws_tables SET row_count = "
        "(SELECT count(*) FROM ws_rows WHERE ws_rows.table_id = ws_tables.id)"
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, *_ in _PG:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON ws_rows" if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_column("ws_tables", "row_count")
