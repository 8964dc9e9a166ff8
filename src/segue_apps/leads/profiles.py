"""Where profiles come from: the :class:`ProfileSource` interface and its two sources.

:class:`BuiltInSource` is deterministic: every handle matching ``^[A-Za-z0-9_]{1,15}$``
resolves to an account whose follower corpus is generated from a random generator seeded
by the (case-folded) handle, except handles beginning ``missing`` (404
``handle_not_found``), ``private`` (422 ``handle_protected``) and ``offline`` (503
``handle_lookup_failed``). A corpus has :data:`CORPUS_SIZE` profiles — bios, labels,
gender, follower counts, and about one in twelve a bot (bots are always filtered out) —
and opens with two anchors per label, which make the guarantee of
:mod:`~segue_apps.leads.classify` hold: for each label one profile whose bio carries the
label's name and which has the label, one whose bio carries it and which has not.

:class:`HttpSource` asks a profile service over HTTP instead (``--profile-source URL``).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import httpx

HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
CORPUS_SIZE = 1000
LABELS: tuple[tuple[str, str], ...] = (
    ("founders", "Founders"),
    ("marketers", "Marketers"),
    ("engineers", "Engineers"),
    ("designers", "Designers"),
    ("investors", "Investors"),
    ("creators", "Creators"),
    ("recruiters", "Recruiters"),
    ("writers", "Writers"),
    ("researchers", "Researchers"),
    ("analysts", "Analysts"),
    ("educators", "Educators"),
    ("podcasters", "Podcasters"),
)
"""``(slug, name)`` of every label a segment may name (``GET /api/v2/segments/labels``)."""
LABEL_SLUGS = frozenset(slug for slug, _ in LABELS)


class HandleError(Exception):
    """A handle did not resolve; ``code`` is the paywall table's."""

    code = "handle_lookup_failed"

    def __init__(self, handle: str) -> None:
        super().__init__(handle)
        self.handle = handle


class HandleNotFound(HandleError):
    code = "handle_not_found"


class HandleProtected(HandleError):
    code = "handle_protected"


class HandleLookupFailed(HandleError):
    code = "handle_lookup_failed"


@dataclass(frozen=True, slots=True)
class Account:
    """An X account as a source resolves it."""

    x_user_id: str
    handle: str
    display_name: str
    profile_image_url: str
    follower_count: int
    bio: str


@dataclass(frozen=True, slots=True)
class Profile:
    """One follower: what classification reads and what a lead shows."""

    x_user_id: str
    handle: str
    display_name: str
    profile_image_url: str
    follower_count: int
    bio: str
    labels: frozenset[str]
    gender: str  # female | male | unknown
    is_bot: bool
    folded_bio: str = field(default="", compare=False)

    def public(self) -> dict[str, Any]:
        """The lead's ``profile`` object."""
        return {
            "xUserId": self.x_user_id,
            "handle": self.handle,
            "displayName": self.display_name,
            "profileImageUrl": self.profile_image_url,
            "followerCount": self.follower_count,
            "bio": self.bio,
        }


class ProfileSource(Protocol):
    """Resolves handles and lists their followers.

    Both methods raise :class:`HandleNotFound`, :class:`HandleProtected` or
    :class:`HandleLookupFailed` for a handle that does not resolve.
    """

    async def account(self, handle: str) -> Account:
        """The account of ``handle``."""

    async def followers(self, handle: str) -> Sequence[Profile]:
        """Every follower of ``handle``'s account, bots included."""


# --------------------------------------------------------------------------- built-in

_FIRST = ("ada", "bo", "cy", "di", "eli", "fa", "gus", "hal", "ivy", "jo", "kai", "lu", "mo",
          "ned", "oz", "pia", "quin", "rae", "sol", "tia", "uma", "vic", "wes", "yan")  # fmt: skip
_LAST = ("ray", "moss", "park", "reed", "lane", "fox", "hart", "wolf", "day", "stone",
         "vale", "cole", "brook", "west", "north", "frost")  # fmt: skip
_FILLER = ("coffee lover", "dog person", "building in public", "opinions my own",
           "runner", "based in Lisbon", "based in Austin", "chess fan", "learning Rust",
           "dad of two", "mom of three", "plant collector", "amateur cook", "climber",
           "jazz nerd", "shipping daily", "ex-Google", "remote worker")  # fmt: skip
_ROLES = {
    "founders": ("founder of a SaaS", "co-founder", "startup founder"),
    "marketers": ("growth marketer", "marketing lead", "content marketer"),
    "engineers": ("software engineer", "backend engineer", "platform engineer"),
    "designers": ("product designer", "UX designer", "brand designer"),
    "investors": ("angel investor", "seed investor", "VC partner"),
    "creators": ("content creator", "YouTube creator", "creator economy"),
    "recruiters": ("tech recruiter", "talent partner", "recruiter"),
    "writers": ("newsletter writer", "copywriter", "technical writer"),
    "researchers": ("ML researcher", "UX researcher", "research scientist"),
    "analysts": ("data analyst", "equity analyst", "business analyst"),
    "educators": ("teacher", "online educator", "course creator"),
    "podcasters": ("podcast host", "podcaster", "audio producer"),
}
_BOT_BIOS = ("follow back 100%", "crypto giveaway DM me", "best deals click link",
             "free followers fast")  # fmt: skip
_SLUGS = tuple(slug for slug, _ in LABELS)


_COUNT_BANDS = ((0.70, 0, 10_000), (0.90, 10_000, 100_000), (0.96, 100_000, 500_000),
                (0.985, 500_000, 1_000_000), (1.0, 1_000_000, 20_000_000))  # fmt: skip


def _follower_count(rng: random.Random) -> int:
    roll = rng.random()
    for top, low, high in _COUNT_BANDS:
        if roll < top:
            return low + int((high - low) * rng.random())
    return 0


def _user_id(seed: str) -> str:
    return str(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:7], "big"))


def _profile(
    rng: random.Random, owner: str, index: int, labels: frozenset[str], bio: str, bot: bool
) -> Profile:
    handle = f"{rng.choice(_FIRST)}_{rng.choice(_LAST)}{index}"[:15]
    first, _, last = handle.partition("_")
    gender = rng.choice(("female", "male", "unknown"))
    x_user_id = str(rng.getrandbits(56))
    return Profile(
        x_user_id=x_user_id,
        handle=handle,
        display_name=f"{first.title()} {last.rstrip('0123456789').title()}",
        profile_image_url=f"https://pbs.example.com/profile/{x_user_id}.jpg",
        follower_count=_follower_count(rng),
        bio=bio,
        labels=labels,
        gender=gender,
        is_bot=bot,
        folded_bio=bio.casefold(),
    )


def _bio(rng: random.Random, mentioned: Sequence[str], extra: str = "") -> str:
    parts = [extra] if extra else []
    parts += [rng.choice(_ROLES[slug]) for slug in mentioned]
    parts.append(rng.choice(_FILLER))
    if rng.random() < 0.5:
        parts.append(rng.choice(_FILLER))
    return " · ".join(parts)


@lru_cache(maxsize=512)
def corpus(handle: str) -> tuple[Profile, ...]:
    """The built-in follower corpus of ``handle`` (case-insensitive), always the same."""
    owner = handle.casefold()
    rng = random.Random(f"corpus:{owner}")
    out: list[Profile] = []
    for slug, name in LABELS:  # the anchors: with and without the label, name in the bio
        out.append(_profile(rng, owner, len(out), frozenset({slug}), _bio(rng, [], name), False))
        other = frozenset({rng.choice([s for s in _SLUGS if s != slug])})
        out.append(_profile(rng, owner, len(out), other, _bio(rng, [], name.lower()), False))
    while len(out) < CORPUS_SIZE:
        if rng.random() < 1 / 12:
            bio = rng.choice(_BOT_BIOS)
            out.append(_profile(rng, owner, len(out), frozenset(), bio, True))
            continue
        roll = rng.random()
        held = [] if roll < 0.2 else [rng.choice(_SLUGS)]
        if roll > 0.8:
            held.append(rng.choice(_SLUGS))
        mentioned = [s for s in held if rng.random() < 0.7]
        if rng.random() < 0.15:
            mentioned.append(rng.choice(_SLUGS))
        extra = rng.choice(LABELS)[1] if rng.random() < 0.2 else ""
        out.append(_profile(rng, owner, len(out), frozenset(held), _bio(rng, mentioned, extra),
                            False))  # fmt: skip
    rng.shuffle(out)
    return tuple(out)


def _check(handle: str) -> None:
    folded = handle.casefold()
    if not HANDLE.match(handle) or folded.startswith("missing"):
        raise HandleNotFound(handle)
    if folded.startswith("private"):
        raise HandleProtected(handle)
    if folded.startswith("offline"):
        raise HandleLookupFailed(handle)


class BuiltInSource:
    """The deterministic source described in the module docstring."""

    async def account(self, handle: str) -> Account:
        _check(handle)
        x_user_id = _user_id(f"account:{handle.casefold()}")
        return Account(
            x_user_id=x_user_id,
            handle=handle,
            display_name=handle.replace("_", " ").title(),
            profile_image_url=f"https://pbs.example.com/profile/{x_user_id}.jpg",
            follower_count=CORPUS_SIZE,
            bio=f"The {handle} account",
        )

    async def followers(self, handle: str) -> Sequence[Profile]:
        _check(handle)
        return corpus(handle)


class HttpSource:
    """Profiles from a service over HTTP: ``GET {base}/accounts/{handle}`` answers an
    account object and ``GET {base}/accounts/{handle}/followers`` ``{followers: [...]}``
    (the fields of :class:`Account` and :class:`Profile` in camelCase); 404, 422 and any
    other failure map to the three lookup errors."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    async def _get(self, handle: str, path: str) -> Any:
        _check_shape(handle)
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                answer = await client.get(f"{self.base_url}/accounts/{handle}{path}")
        except httpx.HTTPError:
            raise HandleLookupFailed(handle) from None
        if answer.status_code == 404:
            raise HandleNotFound(handle)
        if answer.status_code == 422:
            raise HandleProtected(handle)
        if answer.status_code != 200:
            raise HandleLookupFailed(handle)
        return answer.json()

    async def account(self, handle: str) -> Account:
        found = await self._get(handle, "")
        return Account(
            x_user_id=str(found["xUserId"]),
            handle=str(found.get("handle", handle)),
            display_name=str(found.get("displayName", handle)),
            profile_image_url=str(found.get("profileImageUrl", "")),
            follower_count=int(found.get("followerCount", 0)),
            bio=str(found.get("bio", "")),
        )

    async def followers(self, handle: str) -> Sequence[Profile]:
        found = await self._get(handle, "/followers")
        out = []
        for item in found["followers"]:
            bio = str(item.get("bio", ""))
            out.append(
                Profile(
                    x_user_id=str(item["xUserId"]),
                    handle=str(item["handle"]),
                    display_name=str(item.get("displayName", item["handle"])),
                    profile_image_url=str(item.get("profileImageUrl", "")),
                    follower_count=int(item.get("followerCount", 0)),
                    bio=bio,
                    labels=frozenset(item.get("labels", ())),
                    gender=str(item.get("gender", "unknown")),
                    is_bot=bool(item.get("isBot", False)),
                    folded_bio=bio.casefold(),
                )
            )
        return out


def _check_shape(handle: str) -> None:
    if not HANDLE.match(handle):
        raise HandleNotFound(handle)
