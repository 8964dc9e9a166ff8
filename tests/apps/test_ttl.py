"""``TTLCache``: entries expire after their time and the oldest go first when full."""

from __future__ import annotations

from segue_apps.common.ttl import TTLCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_is_kept_for_its_time_then_gone() -> None:
    clock = Clock()
    cache: TTLCache[str, int] = TTLCache(ttl_s=5, size=10, clock=clock)
    assert cache.get("a") is None
    cache.put("a", 1)
    clock.now += 4.9
    assert cache.get("a") == 1
    clock.now += 0.1
    assert cache.get("a") is None
    cache.put("a", 2)  # stored again: a new lifetime
    assert cache.get("a") == 2


def test_a_full_cache_drops_the_least_recently_stored() -> None:
    cache: TTLCache[str, int] = TTLCache(ttl_s=60, size=2, clock=Clock())
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 3)  # a is now the newest
    cache.put("c", 4)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (3, None, 4)
