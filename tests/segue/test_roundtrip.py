"""Property tests: translating a body up then down returns it unchanged."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st

from segue import EnumMapped, FieldRenamed
from segue._exchange import encode_query

KEYS = st.text(alphabet="abcdefgh_", min_size=1, max_size=6)
SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
OBJECTS = st.dictionaries(KEYS, SCALARS, max_size=5)


@given(obj=OBJECTS, value=SCALARS)
def test_rename_up_then_down_is_identity(obj: dict[str, Any], value: Any) -> None:
    """A renamed top-level field survives the round trip unchanged."""
    obj = {k: v for k, v in obj.items() if k != "widget_id"}
    obj["id"] = value
    change = FieldRenamed("id", "widget_id", on="both")
    body = copy.deepcopy(obj)
    assert change.down(change.up(body)) == obj


@given(items=st.lists(OBJECTS, max_size=5))
def test_nested_rename_round_trips_in_lists(items: list[dict[str, Any]]) -> None:
    """Renames reach into every item of a list and come back."""
    items = [
        {**{k: v for k, v in i.items() if k != "key_id"}, "id": n} for n, i in enumerate(items)
    ]
    body = {"data": {"api_keys": items}}
    change = FieldRenamed("data.api_keys[].id", "key_id", on="both")
    up = change.up(copy.deepcopy(body))
    assert all("key_id" in i and "id" not in i for i in up["data"]["api_keys"])
    assert change.down(up) == body


@given(
    mapping=st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=6).filter(
        lambda m: len(set(m.values())) == len(m)
    ),
    picks=st.lists(st.integers(min_value=0, max_value=10), max_size=6),
)
def test_enum_map_up_then_down_is_identity(mapping: dict[str, str], picks: list[int]) -> None:
    """Old enum values map up and back, in scalars and in lists of values."""
    olds = list(mapping) or ["x"]
    values = [olds[i % len(olds)] for i in picks]
    change = EnumMapped("grade", mapping)
    for body in ({"grade": values[0] if values else olds[0]}, {"grade": values}):
        assert change.down(change.up(copy.deepcopy(body))) == body


QUERY_TEXT = st.text(alphabet="abz09_.~-=& %+é/", max_size=6)


@given(pairs=st.lists(st.tuples(QUERY_TEXT, QUERY_TEXT), max_size=4))
def test_encoded_query_matches_urlencode(pairs: list[tuple[str, str]]) -> None:
    """The fast path for plain queries writes exactly what ``urlencode`` would."""
    assert encode_query(pairs) == urlencode(pairs).encode()
