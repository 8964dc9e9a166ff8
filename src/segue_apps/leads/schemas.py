"""Request and response models of v2 (the responses document OpenAPI only)."""

from __future__ import annotations

import re
import zoneinfo
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from segue_apps.common.inputs import InputModel

Id = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
Handle = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]{1,15}$")]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
SyncTime = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):(00|15|30|45)$")]
Gender = Literal["any", "female", "male"]
FollowerTier = Literal["nano", "micro", "mid", "macro", "mega"]
PaidTier = Literal["starter", "growth", "pro"]
Confidence = Literal["high", "medium"]
Timestamp = Annotated[str, Field(description="ISO 8601, UTC, e.g. 2026-12-04T12:00:00.000Z")]


class Input(InputModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- errors


class ErrorBody(BaseModel):
    """Every v2 error: branch on ``error``, never on ``message``."""

    error: str
    message: str
    details: Any = None


# --------------------------------------------------------------------------- segments


class SegmentIn(Input):
    """A segment: a lead description, labels, gender and follower tiers."""

    name: Name
    description: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    labels: list[Slug] = Field(default_factory=list, max_length=20)
    gender: Gender = "any"
    followerTiers: list[FollowerTier] = Field(default_factory=list, max_length=5)


class Segment(BaseModel):
    """A segment."""

    id: str
    name: str
    description: str
    labels: list[str]
    gender: Gender
    followerTiers: list[FollowerTier]
    createdAt: Timestamp


class ListedSegment(Segment):
    """A segment with the number of active streams that use it."""

    linkedStreamCount: int


class SegmentList(BaseModel):
    segments: list[ListedSegment]


class Label(BaseModel):
    slug: str
    name: str


class LabelList(BaseModel):
    labels: list[Label]


# --------------------------------------------------------------------------- streams


class PairIn(Input):
    """One (tracked account, segment) pair: an account by ``accountId`` or by ``handle``
    (with a ``tier``), and a segment by ``segmentId`` or inline as ``segment``."""

    accountId: Id | None = None
    handle: Handle | None = None
    tier: PaidTier | None = None
    segmentId: Id | None = None
    segment: SegmentIn | None = None

    @model_validator(mode="after")
    def _one_of_each(self) -> PairIn:
        if (self.accountId is None) == (self.handle is None):
            raise ValueError("give exactly one of accountId and handle")
        if (self.segmentId is None) == (self.segment is None):
            raise ValueError("give exactly one of segmentId and segment")
        return self


def _zone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        zoneinfo.ZoneInfo(value)
    except Exception:
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


class EnrichSettings(Input):
    """What a stream enriches its leads with as they arrive."""

    email: bool = False


EmailMode = Literal["off", "daily", "instant"]
Delivery = Literal["api", "webhook", "csv_email"]
TimeZone = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Email = Annotated[
    str, StringConstraints(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
]


class StreamIn(Input):
    """``POST /api/v2/streams``: everything a campaign needs, in one call."""

    name: Name = "Untitled stream"
    pairs: list[PairIn] = Field(min_length=1, max_length=50)
    syncTimes: list[SyncTime] = Field(default_factory=list, max_length=96)
    timezone: TimeZone = "UTC"
    emailMode: EmailMode = "off"
    deliveryDestination: Delivery = "api"
    csvEmail: Email | None = None
    enrich: EnrichSettings = Field(default_factory=EnrichSettings)

    _timezone = field_validator("timezone")(_zone)


class StreamPatch(Input):
    """``PATCH /api/v2/streams/{id}``: any setting; ``pairs`` replaces every pair."""

    name: Name | None = None
    pairs: list[PairIn] | None = Field(default=None, min_length=1, max_length=50)
    syncTimes: list[SyncTime] | None = Field(default=None, max_length=96)
    timezone: TimeZone | None = None
    emailMode: EmailMode | None = None
    deliveryDestination: Delivery | None = None
    csvEmail: Email | None = None
    enrich: EnrichSettings | None = None

    _timezone = field_validator("timezone")(_zone)


class Pair(BaseModel):
    id: str
    accountId: str
    handle: str
    tier: str
    segmentId: str
    segment: Segment


class Stream(BaseModel):
    """A stream (campaign) and its shared configuration."""

    id: str
    name: str
    status: Literal["active", "archived"]
    syncTimes: list[str]
    timezone: str
    emailMode: EmailMode
    deliveryDestination: Delivery
    csvEmail: str | None
    enrich: dict[str, Any]
    createdAt: Timestamp
    updatedAt: Timestamp
    archivedAt: Timestamp | None


class StreamWithPairs(Stream):
    pairs: list[Pair]


class StreamList(BaseModel):
    streams: list[Stream]


class CreatedAccount(BaseModel):
    handle: str
    accountId: str
    accountCreated: bool
    billingDelta: int = Field(description="Billed accounts added (0 or 1)")


class CreatedSegment(BaseModel):
    segmentId: str
    name: str
    segmentCreated: bool


class StreamCreated(BaseModel):
    """The stream made, and the accounts and segments it made or reused."""

    id: str
    accounts: list[CreatedAccount]
    segments: list[CreatedSegment]
    stream: StreamWithPairs


class PairDiff(BaseModel):
    added: list[str]
    removed: list[str]


class StreamPatched(StreamWithPairs):
    accounts: list[CreatedAccount]
    segments: list[CreatedSegment]
    diff: PairDiff


class RetestIn(Input):
    """Re-test every pair, or those of one account and/or one segment."""

    accountId: Id | None = None
    segmentId: Id | None = None


class RunError(BaseModel):
    code: str
    message: str


class Run(BaseModel):
    """A run of a stream: a manual sync, a re-test or a scheduled sync."""

    id: str
    streamId: str
    kind: Literal["sync", "retest", "scheduled"]
    status: Literal["queued", "running", "completed", "failed"]
    pairIds: list[str]
    scope: dict[str, Any] | None
    profilesScanned: int
    leadsCreated: int
    createdAt: Timestamp
    startedAt: Timestamp | None
    finishedAt: Timestamp | None
    error: RunError | None


class RunList(BaseModel):
    runs: list[Run]


class RetestItem(BaseModel):
    pairId: str
    trackedAccountId: str
    segmentId: str
    runId: str


class SkippedItem(BaseModel):
    pairId: str
    trackedAccountId: str
    segmentId: str
    reason: Literal["free_tier", "budget_exhausted", "account_sleeping"]


class Retest(BaseModel):
    queued: list[RetestItem]
    skipped: list[SkippedItem]


# --------------------------------------------------------------------------- leads


class LeadProfile(BaseModel):
    xUserId: str
    handle: str
    displayName: str
    profileImageUrl: str
    followerCount: int
    bio: str


class Lead(BaseModel):
    """A profile that survived bot filtering and matched a segment of a stream."""

    id: str
    streamId: str
    trackedXAccountId: str
    segmentId: str
    matchConfidence: Confidence
    sourceType: Literal["follower"]
    discoveredAt: Timestamp
    exportedAt: Timestamp | None
    feedbackStatus: Literal["good", "bad"] | None
    email: str | None
    profile: LeadProfile


class LeadPage(BaseModel):
    leads: list[Lead]
    total: int
    hasMore: bool


class LeadGroup(BaseModel):
    streamId: str
    leads: list[Lead]


class LeadPoll(BaseModel):
    """``GET /api/v2/leads``: ``leads``, or with ``groupBy=stream`` ``streams`` instead."""

    leads: list[Lead] = Field(default_factory=list, description="Absent with groupBy=stream")
    streams: list[LeadGroup] = Field(
        default_factory=list, description="With groupBy=stream: the page's leads by stream"
    )
    total: int
    hasMore: bool


class LeadSummary(BaseModel):
    highFitCount: int
    mediumFitCount: int


class FeedbackIn(Input):
    status: Literal["good", "bad"]
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class LeadEnriched(BaseModel):
    lead: Lead
    creditsRemaining: int


# --------------------------------------------------------------------------- accounts


class Account(BaseModel):
    """A tracked account."""

    id: str
    handle: str
    xUserId: str
    displayName: str
    tier: Literal["free", "starter", "growth", "pro"]
    pendingTier: str | None
    pendingTierEffectiveAt: Timestamp | None
    asleep: bool
    assignedSegmentIds: list[str]
    streamIds: list[str]
    createdAt: Timestamp


class AccountLists(BaseModel):
    active: list[Account]
    sleeping: list[Account]


class Slept(BaseModel):
    success: bool
    accountId: str
    asleep: bool


class Woken(BaseModel):
    success: bool
    accountId: str
    awake: bool


class ChangeTierIn(Input):
    tier: PaidTier


# --------------------------------------------------------------------------- me


class Budget(BaseModel):
    used: int
    limit: int
    remaining: int


class MeAccount(BaseModel):
    accountId: str
    handle: str
    tier: str
    asleep: bool
    activeStreams: int
    streamCap: int
    dailySync: Budget
    monthlyRetest: Budget


class Credits(BaseModel):
    balance: int
    lowBalance: bool


class Totals(BaseModel):
    accounts: int
    activeStreams: int
    dailySyncRemaining: int
    monthlyRetestRemaining: int
    credits: int


class ApiKey(BaseModel):
    id: str
    prefix: str
    createdAt: Timestamp


class Me(BaseModel):
    """Who the key belongs to, and the headroom left anywhere right now."""

    id: str
    plan: Literal["free", "starter", "growth", "pro"]
    subscriptionStatus: Literal["active", "lapsed"]
    createdAt: Timestamp
    apiKeys: list[ApiKey]
    accounts: list[MeAccount]
    credits: Credits
    totals: Totals


# --------------------------------------------------------------------------- lookups


class HandleIn(Input):
    handle: Handle


class EnrichedProfile(BaseModel):
    xUserId: str
    handle: str
    displayName: str
    profileImageUrl: str
    followerCount: int
    bio: str


class EnrichResult(BaseModel):
    id: str
    profile: EnrichedProfile
    creditsRemaining: int


class EmailResult(BaseModel):
    id: str
    handle: str
    email: str
    confidence: Literal["high", "medium"]
    creditsRemaining: int


class HistoryItem(BaseModel):
    id: str
    handle: str
    result: dict[str, Any]
    createdAt: Timestamp


class History(BaseModel):
    items: list[HistoryItem]


class FromDescriptionIn(Input):
    description: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    name: Name | None = None


# --------------------------------------------------------------------------- utility


class TemplateIn(Input):
    name: Name
    body: Annotated[str, StringConstraints(min_length=1, max_length=10_000)]


class Template(BaseModel):
    id: str
    name: str
    body: str
    createdAt: Timestamp
    updatedAt: Timestamp


class TemplateList(BaseModel):
    templates: list[Template]


Digest = Literal["off", "daily", "weekly"]


class NotificationsIn(Input):
    emailDigest: Digest = "daily"
    newLeadEmail: bool = False
    lowCreditsEmail: bool = True
    webhookFailureEmail: bool = True


class Notifications(BaseModel):
    emailDigest: Digest
    newLeadEmail: bool
    lowCreditsEmail: bool
    webhookFailureEmail: bool


_URL = re.compile(r"^https?://[^\s/?#]+(?:[/?#]\S*)?$", re.IGNORECASE)


class WebhookFilter(InputModel):
    """Which new leads a subscription receives (every one, without a filter)."""

    model_config = ConfigDict(extra="forbid")

    streamId: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    accountId: Id | None = None
    sourceType: Literal["follower"] | None = None
    feedbackStatus: Literal["good", "bad"] | None = None
    matchConfidence: Confidence | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_segment(cls, data: Any) -> Any:
        if isinstance(data, dict) and "segmentId" in data:
            raise ValueError("segmentId was removed from webhook filters in v2: use streamId")
        return data


class SubscribeIn(Input):
    targetUrl: Annotated[str, StringConstraints(min_length=8, max_length=2000)]
    filterConfig: WebhookFilter = Field(default_factory=WebhookFilter)

    @field_validator("targetUrl")
    @classmethod
    def _http(cls, value: str) -> str:
        if not _URL.match(value):
            raise ValueError("must be an http or https URL")
        return value


class Subscribed(BaseModel):
    id: str
    secret: str = Field(description="whsec_<base64>: verifies each delivery's signature")
    targetUrl: str
    filterConfig: dict[str, Any]


class UnsubscribeIn(Input):
    id: Id | None = None
    targetUrl: Annotated[str, StringConstraints(min_length=1, max_length=2000)] | None = None

    @model_validator(mode="after")
    def _one(self) -> UnsubscribeIn:
        if self.id is None and self.targetUrl is None:
            raise ValueError("give id or targetUrl")
        return self


class Unsubscribed(BaseModel):
    id: str
    deleted: bool
