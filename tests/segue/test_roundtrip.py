"""Property tests: translating a body up then down returns it unchanged."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st

from segue import EnumMapped, FieldRenamed, QueryMapped, Version
from segue._exchange import encode_query
from segue._plan import compile_version
from segue._routes import RouteKey
from segue._translator import QUERY_MEMO

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


@given(
    value=st.none() | st.integers(0, 3) | st.sampled_from(["high", "low", "x"]),
    items=st.lists(st.integers(0, 3) | st.sampled_from(["high", "low", "x"]), max_size=4),
)
def test_top_level_enum_down_maps_scalars_and_list_items(value: Any, items: list[Any]) -> None:
    """The top-level fast path maps what the general walk maps: any hashable value, and
    every item of a list value; values not named pass unchanged."""
    change = EnumMapped("grade", {"full": "high", 1: 2})
    body = change.down({"grade": value, "grades": items})
    assert body["grade"] == {"high": "full", 2: 1}.get(value, value)
    listed = EnumMapped("grades", {"full": "high", 1: 2}).down({"grades": items})
    assert listed["grades"] == [{"high": "full", 2: 1}.get(v, v) for v in items]


def test_query_memo_stays_bounded() -> None:
    """Remembered query translations never exceed the bound, and stay right after a reset."""
    plan = compile_version(
        Version("v1", ["/v1"], [QueryMapped("fields", "include", values={"all": "parts"})]),
        [RouteKey.parse("GET /widgets")],
    ).routes[0]
    for n in range(QUERY_MEMO + 10):
        assert (
            plan.translator.query(f"fields=all&n={n}".encode()) == f"n={n}&include=parts".encode()
        )
    assert 0 < len(plan.translator._queries) <= QUERY_MEMO
