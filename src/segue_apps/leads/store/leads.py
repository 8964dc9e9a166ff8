"""Leads: one per profile and stream, written by runs, read by polling clients."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from segue_apps.common.ids import new_ordered_ids
from segue_apps.common.jobs import ops as job_ops
from segue_apps.leads.profiles import Profile
from segue_apps.leads.store.common import insert, iso, loads
from segue_apps.leads.store.tables import jobs, lead_counts, leads, webhooks

DELIVERY_KIND = "webhook_delivery"
SOURCE_TYPE = "follower"


@dataclass(frozen=True, slots=True)
class Filters:
    """What a lead listing narrows to (``None``: no narrowing)."""

    stream_id: str | None = None
    account_id: str | None = None
    segment_id: str | None = None
    lifecycle: str = "new"  # new | exported | all
    confidence: str | None = None
    since: int | None = None

    def counted_where(self, user_id: str) -> list[Any] | None:
        """The same filters on ``leads_lead_counts``; None when they need the leads
        themselves (``since``)."""
        if self.since is not None:
            return None
        c = lead_counts.c
        out: list[Any] = [c.user_id == user_id]
        for column, value in (
            (c.stream_id, self.stream_id),
            (c.account_id, self.account_id),
            (c.segment_id, self.segment_id),
            (c.confidence, self.confidence),
        ):
            if value is not None:
                out.append(column == value)
        if self.lifecycle != "all":
            out.append(c.exported == (self.lifecycle == "exported"))
        return out

    def where(self, user_id: str) -> list[Any]:
        c = leads.c
        out: list[Any] = [c.user_id == user_id]
        if self.stream_id is not None:
            out.append(c.stream_id == self.stream_id)
        if self.account_id is not None:
            out.append(c.account_id == self.account_id)
        if self.segment_id is not None:
            out.append(c.segment_id == self.segment_id)
        if self.lifecycle == "new":
            out.append(c.exported_at.is_(None))
        elif self.lifecycle == "exported":
            out.append(c.exported_at.is_not(None))
        if self.confidence is not None:
            out.append(c.confidence == self.confidence)
        if self.since is not None:
            out.append(c.discovered_at >= self.since)
        return out


def lead_body(row: Any) -> dict[str, Any]:
    """A lead as ``GET /api/v2/leads`` shows it."""
    return {
        "id": row.id,
        "streamId": row.stream_id,
        "trackedXAccountId": row.account_id,
        "segmentId": row.segment_id,
        "matchConfidence": row.confidence,
        "sourceType": row.source_type,
        "discoveredAt": iso(row.discovered_at),
        "exportedAt": iso(row.exported_at),
        "feedbackStatus": row.feedback,
        "email": row.email,
        "profile": {
            "xUserId": row.x_user_id,
            "handle": row.handle,
            "displayName": row.display_name,
            "profileImageUrl": row.image_url,
            "followerCount": row.follower_count,
            "bio": row.bio,
        },
    }


def list_leads(
    conn: Connection, user_id: str, filters: Filters, limit: int, offset: int
) -> tuple[list[Any], int]:
    """A page of leads, newest first, and how many match in all."""
    where = filters.where(user_id)
    query = (
        sa.select(leads)
        .where(*where)
        .order_by(leads.c.discovered_at.desc(), leads.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = list(conn.execute(query))
    if offset == 0 and len(rows) < limit:
        return rows, len(rows)
    return rows, sum(_counts(conn, user_id, filters).values())


def _counts(conn: Connection, user_id: str, filters: Filters) -> dict[str, int]:
    """How many leads of each confidence the filters select."""
    counted = filters.counted_where(user_id)
    n: Any
    if counted is None:
        column, where, n = leads.c.confidence, filters.where(user_id), sa.func.count()
    else:
        column, where, n = lead_counts.c.confidence, counted, sa.func.sum(lead_counts.c.n)
    query = sa.select(column, n.label("n")).where(*where).group_by(column)
    return {row.confidence: int(row.n or 0) for row in conn.execute(query)}


def summary(conn: Connection, user_id: str, filters: Filters) -> dict[str, int]:
    """``{highFitCount, mediumFitCount}`` of what the same filters list."""
    counts = _counts(conn, user_id, filters)
    return {"highFitCount": counts.get("high", 0), "mediumFitCount": counts.get("medium", 0)}


def _count_in(
    conn: Connection, key: tuple[str, str, str, str, str], exported: bool, n: int
) -> None:
    user_id, stream_id, account_id, segment_id, confidence = key
    statement = insert(conn, lead_counts).values(
        user_id=user_id, stream_id=stream_id, account_id=account_id, segment_id=segment_id,
        confidence=confidence, exported=exported, n=n,
    )  # fmt: skip
    statement = statement.on_conflict_do_update(
        index_elements=[lead_counts.c.user_id, lead_counts.c.stream_id, lead_counts.c.account_id,
                        lead_counts.c.segment_id, lead_counts.c.confidence,
                        lead_counts.c.exported],
        set_={"n": lead_counts.c.n + n},
    )  # fmt: skip
    conn.execute(statement)


def get_lead(conn: Connection, user_id: str, lead_id: str) -> Any:
    """The user's lead, or None."""
    query = sa.select(leads).where(leads.c.user_id == user_id, leads.c.id == lead_id)
    return conn.execute(query).first()


def update_lead(conn: Connection, lead_id: str, **values: Any) -> Any:
    """Set columns of a lead and return its row."""
    conn.execute(leads.update().where(leads.c.id == lead_id).values(**values))
    return conn.execute(sa.select(leads).where(leads.c.id == lead_id)).one()


def export_lead(conn: Connection, lead_id: str, now: int) -> Any:
    """Mark a lead exported (the first export's time stays)."""
    changed = conn.execute(
        leads.update()
        .where(leads.c.id == lead_id, leads.c.exported_at.is_(None))
        .values(exported_at=now)
    )
    row = conn.execute(sa.select(leads).where(leads.c.id == lead_id)).one()
    if changed.rowcount == 1:
        key = (row.user_id, row.stream_id, row.account_id, row.segment_id, row.confidence)
        _count_in(conn, key, False, -1)
        _count_in(conn, key, True, 1)
    return row


def insert_leads(
    conn: Connection,
    user_id: str,
    stream_id: str,
    run_id: str,
    found: Sequence[tuple[str, str, Profile, str]],
    now: int,
) -> list[Any]:
    """Insert ``(account id, segment id, profile, confidence)`` as leads of the stream,
    skipping profiles the stream has a lead for already, and queue a webhook delivery of
    each new lead to every subscription whose filter it matches — one transaction.
    Returns the new leads' rows."""
    if not found:
        return []
    ids = new_ordered_ids(len(found))
    values = [
        {
            "id": lead_id,
            "user_id": user_id,
            "stream_id": stream_id,
            "account_id": account_id,
            "segment_id": segment_id,
            "run_id": run_id,
            "confidence": confidence,
            "source_type": SOURCE_TYPE,
            "discovered_at": now,
            "x_user_id": p.x_user_id,
            "handle": p.handle,
            "display_name": p.display_name,
            "image_url": p.profile_image_url,
            "follower_count": p.follower_count,
            "bio": p.bio,
        }
        for lead_id, (account_id, segment_id, p, confidence) in zip(ids, found, strict=True)
    ]
    statement = insert(conn, leads).on_conflict_do_nothing(
        index_elements=[leads.c.stream_id, leads.c.x_user_id]
    )
    created: list[Any] = []
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        inserted = {r.id for r in conn.execute(statement.returning(leads.c.id), chunk)}
        created.extend(v for v in chunk if v["id"] in inserted)
    if created:
        tally: dict[tuple[str, str, str, str, str], int] = {}
        for v in created:
            key = (user_id, stream_id, v["account_id"], v["segment_id"], v["confidence"])
            tally[key] = tally.get(key, 0) + 1
        for key, n in tally.items():
            _count_in(conn, key, False, n)
        _queue_deliveries(conn, user_id, created, now)
    return created


def matches(config: dict[str, Any], lead: dict[str, Any]) -> bool:
    """Whether a lead (as :func:`lead_body` shows it) passes a subscription's filter."""
    wanted = {
        "streamId": lead["streamId"],
        "accountId": lead["trackedXAccountId"],
        "sourceType": lead["sourceType"],
        "feedbackStatus": lead["feedbackStatus"],
        "matchConfidence": lead["matchConfidence"],
    }
    return all(config.get(key) in (None, value) for key, value in wanted.items())


class _Row:
    """A dict seen as a row (``row.column``), for :func:`lead_body`."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def _queue_deliveries(
    conn: Connection, user_id: str, created: list[dict[str, Any]], now: int
) -> None:
    subscriptions = list(
        conn.execute(
            sa.select(webhooks.c.id, webhooks.c.filter).where(webhooks.c.user_id == user_id)
        )
    )
    if not subscriptions:
        return
    for values in created:
        body = lead_body(_Row({"exported_at": None, "feedback": None, "email": None, **values}))
        for sub in subscriptions:
            if matches(loads(sub.filter), body):
                job_ops.enqueue(conn, jobs, DELIVERY_KIND,
                                {"subscription_id": sub.id, "lead": body, "at": now},
                                now=now, tenant=user_id, max_attempts=1_000_000,
                                dedupe_key=f"lead:{sub.id}:{values['id']}")  # fmt: skip
