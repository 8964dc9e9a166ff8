"""Identifiers: random ids and time-ordered row ids share one shape and alphabet."""

from __future__ import annotations

from unittest import mock

from segue_apps.common import ids


def test_ordered_ids_have_the_shape_of_random_ones() -> None:
    made = ids.new_ordered_ids(50)
    assert len(set(made)) == 50
    assert all(len(i) == ids.ID_SIZE and set(i) <= set(ids.ALPHABET) for i in made)


def test_ordered_ids_sort_after_every_earlier_one() -> None:
    made = [i for _ in range(20) for i in ids.new_ordered_ids(7)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)


def test_a_millisecond_that_runs_out_lends_from_the_next() -> None:
    with mock.patch.object(ids.time, "time_ns", return_value=1_800_000_000_000_000_000):
        made = ids.new_ordered_ids(5_000) + ids.new_ordered_ids(3)
    assert made == sorted(made)
    assert len({i[:10] for i in made}) == len(made)


def test_a_clock_going_back_keeps_the_order() -> None:
    first = ids.new_ordered_ids(2)
    with mock.patch.object(ids.time, "time_ns", return_value=0):
        later = ids.new_ordered_ids(2)
    assert first[-1] < later[0]
