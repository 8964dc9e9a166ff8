"""Turning a stream's ``pairs`` input into (tracked account, segment) pairs, with the gates
the seed's paywall table puts on it.

Handles are resolved first, outside any transaction (:func:`resolve_handles`: a source may
be slow or fail); then one write transaction (:func:`apply_pairs`) checks the referenced
ids, creates inline segments, upserts accounts and enforces, in this order:
``stream_multi_segment``, ``free_account_ip_duplicate``, ``free_account_limit``,
``stream_cap_exceeded``. Anything refused writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from segue_apps.common.errors import not_found
from segue_apps.leads import plans
from segue_apps.leads.auth import User
from segue_apps.leads.errors import paywall
from segue_apps.leads.profiles import LABEL_SLUGS, Account, HandleError, ProfileSource
from segue_apps.leads.schemas import PairIn, SegmentIn
from segue_apps.leads.store import catalog, users


def check_labels(segments: Sequence[SegmentIn]) -> None:
    """400 ``orphan_label`` when a segment names a label that does not exist."""
    for segment in segments:
        unknown = [slug for slug in segment.labels if slug not in LABEL_SLUGS]
        if unknown:
            error = paywall("orphan_label")
            error.message = f"{error.message} Unknown: {', '.join(unknown)}."
            raise error


async def resolve(source: ProfileSource, handle: str) -> Account:
    """The account of ``handle``, or the paywall error of why it did not resolve."""
    try:
        return await source.account(handle)
    except HandleError as failed:
        raise paywall(failed.code) from None


async def resolve_handles(source: ProfileSource, given: Sequence[PairIn]) -> dict[str, Account]:
    """Every handle of ``given`` resolved, by case-folded handle."""
    out: dict[str, Account] = {}
    for pair in given:
        if pair.handle is not None and pair.handle.casefold() not in out:
            out[pair.handle.casefold()] = await resolve(source, pair.handle)
    return out


@dataclass
class Applied:
    """The pairs wanted, and the accounts and segments they made or reused."""

    wanted: list[tuple[str, str]]
    accounts: list[dict[str, Any]]
    segments: list[dict[str, Any]]


def apply_pairs(
    conn: Connection,
    user: User,
    given: Sequence[PairIn],
    resolved: dict[str, Account],
    stream_id: str | None,
) -> Applied:
    """Check, create and upsert what ``given`` names (see the module docstring)."""
    uid, now = user.id, user.now
    catalog.settle_pending_tiers(conn, uid, now)
    account_ids = {p.accountId for p in given if p.accountId is not None}
    found_accounts = catalog.accounts_by_id(conn, uid, account_ids)
    segment_ids = {p.segmentId for p in given if p.segmentId is not None}
    found_segments = catalog.segments_by_id(conn, uid, segment_ids)
    for account_id in account_ids - set(found_accounts):
        raise not_found(f"Account {account_id!r}")
    for segment_id in segment_ids - set(found_segments):
        raise not_found(f"Segment {segment_id!r}")

    segments_out: list[dict[str, Any]] = []
    pair_segments: list[str] = []
    for pair in given:
        if pair.segment is not None:
            row = catalog.create_segment(conn, uid, pair.segment.model_dump(), now)
            segments_out.append({"segmentId": row.id, "name": row.name, "segmentCreated": True})
        else:
            assert pair.segmentId is not None
            row = found_segments[pair.segmentId]
            if all(s["segmentId"] != row.id for s in segments_out):
                segments_out.append({"segmentId": row.id, "name": row.name,
                                     "segmentCreated": False})  # fmt: skip
        pair_segments.append(row.id)
    if len(set(pair_segments)) > 1 and user.plan not in plans.MULTI_SEGMENT_PLANS:
        raise paywall("stream_multi_segment")

    known = catalog.accounts_by_handle(conn, uid, resolved)
    new_keys = [key for key in resolved if key not in known]
    if new_keys and user.plan == "free":
        if users.duplicate_signup(conn, uid, user.signup_ip, user.created_at):
            raise paywall("free_account_ip_duplicate")
        if catalog.awake_count(conn, uid) + len(new_keys) > plans.FREE_MAX_ACCOUNTS:
            raise paywall("free_account_limit")
    accounts_out: list[dict[str, Any]] = []
    by_key: dict[str, Any] = dict(known)
    tiers = {p.handle.casefold(): p.tier for p in given if p.handle is not None and p.tier}
    for key, account in resolved.items():
        tier = plans.account_tier(user.plan, tiers.get(key))
        if key in known:
            row = known[key]
            if user.plan != "free" and key in tiers and row.tier != tier:
                catalog.set_tier(conn, row.id, tier)
                row = catalog.accounts_by_id(conn, uid, [row.id])[row.id]
                by_key[key] = row
            created = False
        else:
            row = catalog.insert_account(conn, uid, account.handle, account.x_user_id,
                                         account.display_name, tier, now)  # fmt: skip
            by_key[key] = row
            created = True
        accounts_out.append({"handle": row.handle, "accountId": row.id, "accountCreated": created,
                             "billingDelta": int(created and user.plan != "free")})  # fmt: skip
    for account_id, row in found_accounts.items():
        if all(a["accountId"] != account_id for a in accounts_out):
            accounts_out.append({"handle": row.handle, "accountId": account_id,
                                 "accountCreated": False, "billingDelta": 0})  # fmt: skip

    wanted: list[tuple[str, str]] = []
    tier_of: dict[str, str] = {}
    for pair, segment_id in zip(given, pair_segments, strict=True):
        if pair.handle is not None:
            row = by_key[pair.handle.casefold()]
        else:
            assert pair.accountId is not None
            row = found_accounts[pair.accountId]
        tier_of[row.id] = row.tier
        if (row.id, segment_id) not in wanted:
            wanted.append((row.id, segment_id))
    in_streams = catalog.active_streams_per_account(conn, tier_of, besides=stream_id)
    for account_id, tier in tier_of.items():
        if in_streams.get(account_id, 0) + 1 > plans.TIERS[tier].streams_per_account:
            raise paywall("stream_cap_exceeded")
    return Applied(wanted, accounts_out, segments_out)
