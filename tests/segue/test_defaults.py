"""A default filled into a body is that body's own copy, never the declared object.

Later changes and adapters change bodies in place; a shared default would carry one
request's changes into the next.
"""

from __future__ import annotations

from segue import FieldAdded, FieldRemoved


def test_added_field_default_is_copied_into_each_request() -> None:
    change = FieldAdded("settings", default={"mode": "fast", "tags": ["a"]}, on="both")
    first = change.up({})
    first["settings"]["mode"] = "slow"
    first["settings"]["tags"].append("b")
    assert change.up({}) == {"settings": {"mode": "fast", "tags": ["a"]}}


def test_added_nested_field_default_is_copied_into_each_item() -> None:
    change = FieldAdded("data[].meta", default={"n": 1}, on="both")
    body = change.up({"data": [{}, {}]})
    body["data"][0]["meta"]["n"] = 2
    assert body["data"][1]["meta"] == {"n": 1}


def test_removed_field_default_is_copied_into_each_response() -> None:
    change = FieldRemoved("tags", default=["legacy"])
    first = change.down({})
    first["tags"].append("more")
    assert change.down({}) == {"tags": ["legacy"]}
