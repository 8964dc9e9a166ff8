"""A job as the queue hands it out: one row of the jobs table, its JSON columns decoded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from segue_apps.common.jobs.table import FINAL_STATUSES

JSON = Any
"""A JSON value: ``None``, ``bool``, ``int``, ``float``, ``str``, a list or a dict of them."""


@dataclass(frozen=True, slots=True)
class Job:
    """One job, as read from the table.

    ``attempts`` counts the claims so far; together with ``worker`` it identifies one claim,
    and the queue refuses to let an older claim renew or complete the job once a newer one
    has taken it (a fencing token).
    """

    id: str
    kind: str
    tenant: str | None
    payload: JSON
    status: str
    attempts: int
    max_attempts: int
    run_after: int
    lease_until: int | None
    worker: str | None
    cancel_requested: bool
    progress: JSON
    result: JSON
    error: JSON
    dedupe_key: str | None
    created_at: int
    updated_at: int

    @property
    def finished(self) -> bool:
        """True once the job is succeeded, failed or cancelled (nothing more will happen)."""
        return self.status in FINAL_STATUSES

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> Job:
        """Build a job from a row of all the table's columns."""
        m = row._mapping
        return cls(
            id=m["id"],
            kind=m["kind"],
            tenant=m["tenant"],
            payload=loads(m["payload"]),
            status=m["status"],
            attempts=m["attempts"],
            max_attempts=m["max_attempts"],
            run_after=m["run_after"],
            lease_until=m["lease_until"],
            worker=m["worker"],
            cancel_requested=bool(m["cancel_requested"]),
            progress=loads(m["progress"]),
            result=loads(m["result"]),
            error=loads(m["error"]),
            dedupe_key=m["dedupe_key"],
            created_at=m["created_at"],
            updated_at=m["updated_at"],
        )

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> Job:
        """Build a job from the values of every column, as inserted (JSON still encoded)."""
        json_columns = ("payload", "progress", "result", "error")
        decoded = {name: loads(values[name]) for name in json_columns}
        return cls(**{**values, **decoded})


def dumps(value: JSON) -> str:
    """``value`` as JSON text (what the payload, progress, result and error columns hold)."""
    return orjson.dumps(value).decode()


def loads(text: str | None) -> JSON:
    """The JSON value of ``text``; ``None`` for a NULL column."""
    return None if text is None else orjson.loads(text)
