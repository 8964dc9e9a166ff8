"""The built-in profile source and classification: deterministic, documented, guaranteed."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segue_apps.leads.classify import Criteria, classify, description_words
from segue_apps.leads.profiles import (
    CORPUS_SIZE,
    LABELS,
    BuiltInSource,
    HandleLookupFailed,
    HandleNotFound,
    HandleProtected,
    Profile,
    corpus,
)

RESOLVABLE = st.from_regex(r"^[A-Za-z0-9_]{1,15}$", fullmatch=True).filter(
    lambda h: not h.casefold().startswith(("missing", "private", "offline"))
)


def _profile(bio: str, labels: frozenset[str] = frozenset(), gender: str = "female",
             followers: int = 500, bot: bool = False) -> Profile:  # fmt: skip
    return Profile("1", "h", "H", "", followers, bio, labels, gender, bot, bio.casefold())


@settings(max_examples=40, deadline=None)
@given(RESOLVABLE)
def test_every_label_yields_a_high_and_a_medium_lead_from_any_corpus(handle: str) -> None:
    """The documented guarantee, for every label, on any resolvable handle."""
    profiles = corpus(handle)
    for slug, name in LABELS:
        found = {confidence for _, confidence in classify(Criteria.of(name, [slug], "any", []),
                                                          profiles)}  # fmt: skip
        assert found == {"high", "medium"}, (handle, slug)


@settings(max_examples=20, deadline=None)
@given(RESOLVABLE)
def test_a_corpus_is_seeded_by_its_handle(handle: str) -> None:
    """The same handle (in any case) gives the same corpus; bots are in it."""
    corpus.cache_clear()
    first = corpus(handle)
    assert len(first) == CORPUS_SIZE
    assert corpus(handle.swapcase()) == first
    assert any(p.is_bot for p in first)


def test_reserved_prefixes_fail_as_documented() -> None:
    """missing… 404, private… 422, offline… 503 (as lookup errors)."""
    source = BuiltInSource()
    for handle, error in (("missing_one", HandleNotFound), ("PrivateX", HandleProtected),
                          ("offline1", HandleLookupFailed)):  # fmt: skip
        with pytest.raises(error):
            asyncio.run(source.account(handle))
    assert asyncio.run(source.account("jack")).handle == "jack"


def test_description_words_are_three_letters_or_more_case_folded() -> None:
    """Short words and digits never match."""
    assert description_words("AI & ML Founders of 2024 SaaS") == ("founders", "saas")


def test_confidence_counts_the_filters_that_miss() -> None:
    """high: all hold; medium: description and one miss; none: two misses or no words."""
    criteria = Criteria.of("founders", ["founders"], "female", ["nano"])
    assert criteria.confidence(_profile("Founders club", frozenset({"founders"}))) == "high"
    assert criteria.confidence(_profile("founders club")) == "medium"
    assert criteria.confidence(_profile("founders", gender="male")) is None
    assert criteria.confidence(_profile("engineer", frozenset({"founders"}))) is None
    assert criteria.confidence(_profile("founders", frozenset({"founders"}), bot=True)) is None
    big = _profile("founders", frozenset({"founders"}), followers=2_000_000)
    assert criteria.confidence(big) == "medium"
