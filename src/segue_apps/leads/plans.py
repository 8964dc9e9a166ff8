"""Plans, account tiers and what each allows: the numbers of the README's table (sans-IO).

A user has a plan (``free``, ``starter``, ``growth`` or ``pro``); each tracked account has
a tier: the one its pair names (``starter|growth|pro``, the user's plan by default), or
``free`` for every account of a free-plan user. Budgets are per account, by tier:

- **daily sync slots**: a manual run spends one of each awake account in the stream (403
  ``daily_sync_limit`` when any has none left); a scheduled sync spends one of each account
  that still has one and skips the others. Counted per UTC day.
- **monthly re-tests**: a re-test spends one of each account it queues; a re-test that can
  queue nothing for want of budget is 403 ``free_retest_limit`` (free), ``retest_limit``
  (starter, growth) or ``retest_limit_pro`` (pro). Counted per UTC month.
- **active streams per account**: a stream create or a PATCH that would put an account in
  more active (not archived) streams than its tier allows is 400 ``stream_cap_exceeded``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Plan = Literal["free", "starter", "growth", "pro"]
PaidTier = Literal["starter", "growth", "pro"]
PLANS: tuple[Plan, ...] = ("free", "starter", "growth", "pro")
PAID_TIERS: tuple[PaidTier, ...] = ("starter", "growth", "pro")


@dataclass(frozen=True, slots=True)
class TierLimits:
    """What one tracked account of a tier may do."""

    daily_syncs: int
    monthly_retests: int
    streams_per_account: int


TIERS: dict[str, TierLimits] = {
    "free": TierLimits(daily_syncs=1, monthly_retests=0, streams_per_account=1),
    "starter": TierLimits(daily_syncs=2, monthly_retests=2, streams_per_account=2),
    "growth": TierLimits(daily_syncs=4, monthly_retests=3, streams_per_account=3),
    "pro": TierLimits(daily_syncs=6, monthly_retests=5, streams_per_account=5),
}
FREE_MAX_ACCOUNTS = 1
"""Awake tracked accounts a free-plan user may have (a second is 403 free_account_limit)."""
MULTI_SEGMENT_PLANS = frozenset({"growth", "pro"})
"""Plans whose streams may target several segments; on the others a stream whose pairs
span more than one segment is 400 ``stream_multi_segment``."""
LOW_BALANCE_CREDITS = 10
"""``credits.lowBalance`` is true below this many credits."""
ENRICH_COST = 1
"""Credits one enrichment (a lookup, an email lookup, a lead's enrich) spends."""
MAX_PAIRS = 50


def account_tier(plan: str, asked: str | None) -> str:
    """The tier a new or re-paired account gets: ``free`` on the free plan, else the
    pair's tier, else the plan's."""
    if plan == "free":
        return "free"
    return asked or plan


def retest_code(tier: str) -> str:
    """The paywall code of a re-test over the budget of an account of ``tier``."""
    if tier == "free":
        return "free_retest_limit"
    return "retest_limit_pro" if tier == "pro" else "retest_limit"


PAYWALL: dict[str, tuple[int, str]] = {
    "free_retest_limit": (403, "Re-tests are not part of the free plan. Upgrade to re-test."),
    "retest_limit": (403, "This account has used its monthly re-test budget."),
    "retest_limit_pro": (403, "This account has used its Pro monthly re-test budget."),
    "daily_sync_limit": (403, "An account in this stream has used its daily sync slots."),
    "free_account_limit": (403, "The free plan tracks one account. Upgrade to track more."),
    "free_account_ip_duplicate": (
        409,
        "Another free account signed up from the same IP address. Upgrade to track accounts.",
    ),
    "subscription_required": (403, "Your subscription has lapsed. Renew it to continue."),
    "stream_cap_exceeded": (400, "An account is in as many active streams as its tier allows."),
    "stream_multi_segment": (400, "On this plan a stream targets exactly one segment."),
    "credits_exhausted": (429, "You are out of enrichment credits."),
    "handle_not_found": (404, "That X handle does not exist."),
    "handle_protected": (422, "That X account is private."),
    "handle_lookup_failed": (503, "The X lookup service is unavailable. Try again shortly."),
    "orphan_label": (400, "The segment names a label that does not exist."),
}
"""The seed's paywall table: code → (status, message)."""
