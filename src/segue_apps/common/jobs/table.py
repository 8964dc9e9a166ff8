"""The jobs table: its columns, its place in a service's metadata, its Alembic migration.

Each service keeps its jobs in its own database, under a name of its choosing (``ws_jobs``,
``proc_jobs``…), so the table is made by functions rather than declared once here:
:func:`job_table` adds it to the service's ``sa.MetaData`` (what the queue's queries use),
:func:`create_job_table` creates it from one of the service's Alembic revisions. Both take
their columns from one list, and a test checks that the migration creates exactly what the
metadata describes.

Schema changes must not edit :func:`create_job_table` in place (revisions already applied
would then describe a table they never made): a change ships as a new helper that a new
revision calls.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

QUEUED = "queued"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
CANCELLED = "cancelled"
STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
"""Every status a job can have; the last three are final."""
FINAL_STATUSES = frozenset({SUCCEEDED, FAILED, CANCELLED})

_MS = sa.BigInteger()


def _columns() -> list[sa.Column[Any]]:
    """Fresh column objects (a column belongs to one table, so each call makes new ones)."""
    return [
        sa.Column("id", sa.String(21), primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        # When a queued job may be claimed (ms since the epoch).
        sa.Column("run_after", _MS, nullable=False),
        # Until when the claiming worker holds a running job; past it, any worker may take it.
        sa.Column("lease_until", _MS, nullable=True),
        sa.Column("worker", sa.String(128), nullable=True),
        # Set by a cancel of a running job: the worker stops and the job ends cancelled.
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("progress", sa.Text(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        # Unique when set: enqueueing a known key returns the existing job (NULLs never clash).
        sa.Column("dedupe_key", sa.String(255), nullable=True),
        sa.Column("created_at", _MS, nullable=False),
        sa.Column("updated_at", _MS, nullable=False),
    ]


def _constraints(name: str) -> list[sa.Constraint]:
    return [
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')",
            name=f"{name}_status",
        ),
        sa.UniqueConstraint("dedupe_key", name=f"{name}_dedupe_key"),
    ]


def _indexes(name: str) -> list[tuple[str, list[str]]]:
    """``(index name, columns)``: what claims and listings look jobs up by."""
    return [
        (f"{name}_claim", ["status", "run_after"]),  # queued jobs that are due
        (f"{name}_lease", ["status", "lease_until"]),  # running jobs whose lease expired
        (f"{name}_tenant", ["tenant", "kind", "created_at"]),  # listings
    ]


def job_table(metadata: sa.MetaData, name: str = "jobs") -> sa.Table:
    """Add the jobs table called ``name`` to ``metadata`` and return it.

    Args:
        metadata: the service's metadata (the one its store's tables belong to).
        name: the table's name; index and constraint names start with it.

    Example:
        >>> metadata = sa.MetaData()
        >>> jobs = job_table(metadata, "ws_jobs")
        >>> jobs.c.status.name, sorted(i.name for i in jobs.indexes)[0]
        ('status', 'ws_jobs_claim')
    """
    table = sa.Table(name, metadata, *_columns(), *_constraints(name))
    for index, columns in _indexes(name):
        sa.Index(index, *(table.c[column] for column in columns))
    return table


def create_job_table(name: str = "jobs") -> None:
    """Create the jobs table ``name`` and its indexes; call it from an Alembic revision.

    Example, in a service's ``migrations/versions/v0003_jobs.py``::

        def upgrade() -> None:
            create_job_table("ws_jobs")

        def downgrade() -> None:
            drop_job_table("ws_jobs")
    """
    op.create_table(name, *_columns(), *_constraints(name))
    for index, columns in _indexes(name):
        op.create_index(index, name, columns)


def drop_job_table(name: str = "jobs") -> None:
    """Drop the jobs table ``name`` (the downgrade of :func:`create_job_table`)."""
    for index, _ in _indexes(name):
        op.drop_index(index, table_name=name)
    op.drop_table(name)
