"""Classification: which followers become leads of a segment, and how confidently (sans-IO).

A segment is ``{description, labels, gender, followerTiers}``. For a profile that is not
a bot:

- the **description** matches when any of its words of 3 or more letters (case-folded) is
  in the profile's bio (case-folded), as a substring;
- **labels** hold when the segment names none or the profile has any of them;
- **gender** holds when the segment says ``any`` or the profile's gender is the one named;
- **follower tiers** hold when the segment names none or the profile's follower count is in
  one of them (:data:`FOLLOWER_TIERS`).

``high`` when all four hold; ``medium`` when the description matches and exactly one of the
other three misses; otherwise no lead. Bots never become leads.

The guarantee: a segment whose description is a label's name and which names that label
(gender ``any``, no tiers) yields at least one ``high`` and one ``medium`` lead from every
resolvable handle's built-in corpus (its anchors, see :mod:`~segue_apps.leads.profiles`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from segue_apps.leads.profiles import Profile

FOLLOWER_TIERS: dict[str, tuple[int, int | None]] = {
    "nano": (0, 9_999),
    "micro": (10_000, 99_999),
    "mid": (100_000, 499_999),
    "macro": (500_000, 999_999),
    "mega": (1_000_000, None),
}
"""Follower-count bounds of each tier, inclusive (``None``: no upper bound)."""
_WORD = re.compile(r"[^\W\d_]{3,}")


def description_words(description: str) -> tuple[str, ...]:
    """The words of ``description`` that match: 3+ letters, case-folded, each once.

    Example:
        >>> description_words("Seed-stage Founders, AI & ML")
        ('seed', 'stage', 'founders')
    """
    return tuple(dict.fromkeys(_WORD.findall(description.casefold())))


@dataclass(frozen=True, slots=True)
class Criteria:
    """A segment, ready to classify with."""

    words: tuple[str, ...]
    labels: frozenset[str]
    gender: str
    tiers: tuple[tuple[int, int | None], ...]

    @classmethod
    def of(
        cls, description: str, labels: Iterable[str], gender: str, tiers: Iterable[str]
    ) -> Criteria:
        return cls(
            description_words(description),
            frozenset(labels),
            gender,
            tuple(FOLLOWER_TIERS[t] for t in tiers),
        )

    def confidence(self, profile: Profile) -> str | None:
        """``"high"``, ``"medium"`` or ``None`` for ``profile`` (see the module docstring)."""
        if profile.is_bot:
            return None
        bio = profile.folded_bio
        for word in self.words:
            if word in bio:
                break
        else:
            return None
        misses = 0
        if self.labels and self.labels.isdisjoint(profile.labels):
            misses += 1
        if self.gender != "any" and profile.gender != self.gender:
            misses += 1
        if self.tiers:
            count = profile.follower_count
            if not any(lo <= count and (hi is None or count <= hi) for lo, hi in self.tiers):
                misses += 1
        return "high" if misses == 0 else "medium" if misses == 1 else None


def classify(criteria: Criteria, profiles: Sequence[Profile]) -> list[tuple[Profile, str]]:
    """Every profile of ``profiles`` that is a lead, with its confidence, in order."""
    out = []
    judge = criteria.confidence
    for profile in profiles:
        confidence = judge(profile)
        if confidence is not None:
            out.append((profile, confidence))
    return out
