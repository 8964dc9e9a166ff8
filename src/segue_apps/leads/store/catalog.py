"""Segments, tracked accounts, streams and their pairs."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from segue_apps.common.ids import new_id
from segue_apps.leads.store.common import dumps, iso, loads
from segue_apps.leads.store.tables import accounts, pairs, segments, streams

ACTIVE, ARCHIVED = "active", "archived"

# --------------------------------------------------------------------------- segments


def segment_body(row: Any) -> dict[str, Any]:
    """A segment as the API shows it."""
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "labels": loads(row.labels),
        "gender": row.gender,
        "followerTiers": loads(row.follower_tiers),
        "createdAt": iso(row.created_at),
    }


def create_segment(conn: Connection, user_id: str, spec: dict[str, Any], now: int) -> Any:
    """Insert a segment from ``{name, description, labels, gender, followerTiers}``."""
    segment_id = new_id()
    conn.execute(
        segments.insert().values(
            id=segment_id,
            user_id=user_id,
            name=spec["name"],
            description=spec["description"],
            labels=dumps(list(dict.fromkeys(spec["labels"]))),
            gender=spec["gender"],
            follower_tiers=dumps(list(dict.fromkeys(spec["followerTiers"]))),
            created_at=now,
        )
    )
    return conn.execute(sa.select(segments).where(segments.c.id == segment_id)).one()


def segments_by_id(conn: Connection, user_id: str, ids: Collection[str]) -> dict[str, Any]:
    """The user's segments among ``ids``."""
    if not ids:
        return {}
    query = sa.select(segments).where(segments.c.user_id == user_id, segments.c.id.in_(list(ids)))
    return {row.id: row for row in conn.execute(query)}


def list_segments(conn: Connection, user_id: str) -> list[dict[str, Any]]:
    """Every segment of the user, oldest first, each with ``linkedStreamCount`` (the active
    streams with a pair naming it)."""
    linked = (
        sa.select(pairs.c.segment_id, sa.func.count(sa.distinct(pairs.c.stream_id)).label("n"))
        .join(streams, streams.c.id == pairs.c.stream_id)
        .where(streams.c.user_id == user_id, streams.c.status == ACTIVE)
        .group_by(pairs.c.segment_id)
    )
    counts = {row.segment_id: int(row.n) for row in conn.execute(linked)}
    query = (
        sa.select(segments)
        .where(segments.c.user_id == user_id)
        .order_by(segments.c.created_at, segments.c.id)
    )
    return [segment_body(r) | {"linkedStreamCount": counts.get(r.id, 0)}
            for r in conn.execute(query)]  # fmt: skip


# --------------------------------------------------------------------------- accounts


def accounts_by_id(conn: Connection, user_id: str, ids: Collection[str]) -> dict[str, Any]:
    """The user's tracked accounts among ``ids``."""
    if not ids:
        return {}
    query = sa.select(accounts).where(accounts.c.user_id == user_id, accounts.c.id.in_(list(ids)))
    return {row.id: row for row in conn.execute(query)}


def accounts_by_handle(conn: Connection, user_id: str, keys: Collection[str]) -> dict[str, Any]:
    """The user's tracked accounts among case-folded handles ``keys``."""
    if not keys:
        return {}
    query = sa.select(accounts).where(
        accounts.c.user_id == user_id, accounts.c.handle_key.in_(list(keys))
    )
    return {row.handle_key: row for row in conn.execute(query)}


def insert_account(
    conn: Connection, user_id: str, handle: str, x_user_id: str, name: str, tier: str, now: int
) -> Any:
    """Track a new account (awake)."""
    account_id = new_id()
    conn.execute(
        accounts.insert().values(
            id=account_id,
            user_id=user_id,
            handle=handle,
            handle_key=handle.casefold(),
            x_user_id=x_user_id,
            display_name=name,
            tier=tier,
            asleep=False,
            created_at=now,
        )
    )
    return conn.execute(sa.select(accounts).where(accounts.c.id == account_id)).one()


def set_tier(conn: Connection, account_id: str, tier: str) -> None:
    """Set the account's tier now (dropping any pending change)."""
    conn.execute(
        accounts.update()
        .where(accounts.c.id == account_id)
        .values(tier=tier, pending_tier=None, pending_tier_at=None)
    )


def set_pending_tier(conn: Connection, account_id: str, tier: str, at: int) -> None:
    """Move the account to ``tier`` at ``at`` (a downgrade waits for the next month)."""
    conn.execute(
        accounts.update()
        .where(accounts.c.id == account_id)
        .values(pending_tier=tier, pending_tier_at=at)
    )


def settle_pending_tiers(conn: Connection, user_id: str, now: int) -> None:
    """Apply the user's pending tier changes whose time has come."""
    conn.execute(
        accounts.update()
        .where(
            accounts.c.user_id == user_id,
            accounts.c.pending_tier.is_not(None),
            accounts.c.pending_tier_at <= now,
        )
        .values(tier=accounts.c.pending_tier, pending_tier=None, pending_tier_at=None)
    )


def list_accounts(conn: Connection, user_id: str) -> list[Any]:
    """Every tracked account of the user, oldest first."""
    query = (
        sa.select(accounts)
        .where(accounts.c.user_id == user_id)
        .order_by(accounts.c.created_at, accounts.c.id)
    )
    return list(conn.execute(query))


def account_links(conn: Connection, user_id: str) -> dict[str, tuple[list[str], list[str]]]:
    """account id → (segment ids, stream ids) over the user's active streams' pairs."""
    query = (
        sa.select(pairs.c.account_id, pairs.c.segment_id, pairs.c.stream_id)
        .join(streams, streams.c.id == pairs.c.stream_id)
        .where(streams.c.user_id == user_id, streams.c.status == ACTIVE)
        .order_by(streams.c.created_at, pairs.c.position)
    )
    out: dict[str, tuple[list[str], list[str]]] = {}
    for row in conn.execute(query):
        segs, strs = out.setdefault(row.account_id, ([], []))
        if row.segment_id not in segs:
            segs.append(row.segment_id)
        if row.stream_id not in strs:
            strs.append(row.stream_id)
    return out


def account_body(row: Any, links: tuple[list[str], list[str]] | None) -> dict[str, Any]:
    """A tracked account as the API shows it."""
    segment_ids, stream_ids = links or ([], [])
    return {
        "id": row.id,
        "handle": row.handle,
        "xUserId": row.x_user_id,
        "displayName": row.display_name,
        "tier": row.tier,
        "pendingTier": row.pending_tier,
        "pendingTierEffectiveAt": iso(row.pending_tier_at),
        "asleep": bool(row.asleep),
        "assignedSegmentIds": segment_ids,
        "streamIds": stream_ids,
        "createdAt": iso(row.created_at),
    }


def set_asleep(conn: Connection, account_id: str, asleep: bool) -> None:
    """Sleep or wake an account."""
    conn.execute(accounts.update().where(accounts.c.id == account_id).values(asleep=asleep))


def awake_count(conn: Connection, user_id: str) -> int:
    """How many of the user's accounts are awake."""
    query = sa.select(sa.func.count()).where(
        accounts.c.user_id == user_id, sa.not_(accounts.c.asleep)
    )
    return int(conn.execute(query).scalar_one())


# --------------------------------------------------------------------------- streams


def active_streams_per_account(
    conn: Connection, account_ids: Collection[str], besides: str | None = None
) -> dict[str, int]:
    """How many active streams each account is in (not counting stream ``besides``)."""
    if not account_ids:
        return {}
    query = (
        sa.select(pairs.c.account_id, sa.func.count(sa.distinct(pairs.c.stream_id)).label("n"))
        .join(streams, streams.c.id == pairs.c.stream_id)
        .where(pairs.c.account_id.in_(list(account_ids)), streams.c.status == ACTIVE)
        .group_by(pairs.c.account_id)
    )
    if besides is not None:
        query = query.where(streams.c.id != besides)
    return {row.account_id: int(row.n) for row in conn.execute(query)}


def insert_stream(conn: Connection, user_id: str, config: dict[str, Any], now: int) -> str:
    """A new active stream with ``config`` (the stored settings); its id."""
    stream_id = new_id()
    conn.execute(
        streams.insert().values(
            id=stream_id, user_id=user_id, status=ACTIVE, created_at=now, updated_at=now, **config
        )
    )
    return stream_id


def update_stream(conn: Connection, stream_id: str, config: dict[str, Any], now: int) -> None:
    """Change a stream's stored settings."""
    conn.execute(streams.update().where(streams.c.id == stream_id).values(updated_at=now, **config))


def get_stream(conn: Connection, user_id: str, stream_id: str) -> Any:
    """The user's stream, or None."""
    query = sa.select(streams).where(streams.c.user_id == user_id, streams.c.id == stream_id)
    return conn.execute(query).first()


def stream_pairs(conn: Connection, stream_ids: Collection[str]) -> list[Any]:
    """The pairs of ``stream_ids`` with their account and segment, in order."""
    if not stream_ids:
        return []
    query = (
        sa.select(
            pairs.c.id,
            pairs.c.stream_id,
            pairs.c.account_id,
            pairs.c.segment_id,
            pairs.c.position,
            accounts.c.handle,
            accounts.c.tier,
            accounts.c.asleep,
            segments.c.name.label("seg_name"),
            segments.c.description.label("seg_description"),
            segments.c.labels.label("seg_labels"),
            segments.c.gender.label("seg_gender"),
            segments.c.follower_tiers.label("seg_follower_tiers"),
            segments.c.created_at.label("seg_created_at"),
        )
        .join(accounts, accounts.c.id == pairs.c.account_id)
        .join(segments, segments.c.id == pairs.c.segment_id)
        .where(pairs.c.stream_id.in_(list(stream_ids)))
        .order_by(pairs.c.stream_id, pairs.c.position, pairs.c.id)
    )
    return list(conn.execute(query))


def set_pairs(conn: Connection, stream_id: str, wanted: list[tuple[str, str]]) -> dict[str, Any]:
    """Make the stream's pairs exactly ``wanted`` ``(account id, segment id)`` in order:
    add the new ones, remove the others; ``{added: [pair id], removed: [pair id]}``."""
    query = sa.select(pairs.c.id, pairs.c.account_id, pairs.c.segment_id).where(
        pairs.c.stream_id == stream_id
    )
    existing = {(r.account_id, r.segment_id): r.id for r in conn.execute(query)}
    removed = [pair_id for key, pair_id in existing.items() if key not in wanted]
    if removed:
        conn.execute(pairs.delete().where(pairs.c.id.in_(removed)))
    added = []
    for position, key in enumerate(wanted):
        if key in existing:
            conn.execute(
                pairs.update().where(pairs.c.id == existing[key]).values(position=position)
            )
            continue
        pair_id = new_id()
        conn.execute(pairs.insert().values(id=pair_id, stream_id=stream_id, account_id=key[0],
                                           segment_id=key[1], position=position))  # fmt: skip
        added.append(pair_id)
    return {"added": added, "removed": removed}


def list_streams(conn: Connection, user_id: str, statuses: Iterable[str]) -> list[Any]:
    """The user's streams of ``statuses``, oldest first."""
    query = (
        sa.select(streams)
        .where(streams.c.user_id == user_id, streams.c.status.in_(list(statuses)))
        .order_by(streams.c.created_at, streams.c.id)
    )
    return list(conn.execute(query))


def archive_stream(conn: Connection, stream_id: str, now: int) -> None:
    """Archive a stream (its pairs stay; it no longer runs or counts against caps)."""
    conn.execute(
        streams.update()
        .where(streams.c.id == stream_id, streams.c.status == ACTIVE)
        .values(status=ARCHIVED, archived_at=now, updated_at=now)
    )


def stream_body(row: Any, pair_rows: list[Any] | None = None) -> dict[str, Any]:
    """A stream as the API shows it (with ``pairs`` when ``pair_rows`` is given)."""
    body: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "status": row.status,
        "syncTimes": loads(row.sync_times),
        "timezone": row.timezone,
        "emailMode": row.email_mode,
        "deliveryDestination": row.delivery,
        "csvEmail": row.csv_email,
        "enrich": loads(row.enrich),
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
        "archivedAt": iso(row.archived_at),
    }
    if pair_rows is not None:
        body["pairs"] = [
            {
                "id": p.id,
                "accountId": p.account_id,
                "handle": p.handle,
                "tier": p.tier,
                "segmentId": p.segment_id,
                "segment": pair_segment(p),
            }
            for p in pair_rows
        ]
    return body


def pair_segment(pair_row: Any) -> dict[str, Any]:
    """The segment of a row of :func:`stream_pairs`, as the API shows it."""
    return {
        "id": pair_row.segment_id,
        "name": pair_row.seg_name,
        "description": pair_row.seg_description,
        "labels": loads(pair_row.seg_labels),
        "gender": pair_row.seg_gender,
        "followerTiers": loads(pair_row.seg_follower_tiers),
        "createdAt": iso(pair_row.seg_created_at),
    }


def active_scheduled_streams(conn: Connection) -> list[Any]:
    """Every active stream with a schedule (``id, user_id, sync_times, timezone``)."""
    query = sa.select(
        streams.c.id, streams.c.user_id, streams.c.sync_times, streams.c.timezone
    ).where(streams.c.status == ACTIVE, streams.c.sync_times != "[]")
    return list(conn.execute(query))
