"""Route matching: the literal table, the by-head table and the pattern buckets together give
what trying each template in turn gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from segue import Version
from segue._plan import compile_version
from segue._routes import RouteKey, specificity

ROUTES = [
    "GET /things/{id}",
    "GET /things/{id}/parts/{part}",
    "GET /things/{id}/parts/latest",
    "GET /{kind}/{id}",
    "GET /{kind}/{id}/parts/{part}",
    "DELETE /things/{id}",
    "GET /things",
    "GET /boxes/{side}/tops",  # listed first, so it shadows the next one's by-head entry
    "GET /boxes/lids/{n}",
]
PLAN = compile_version(Version("v1", ["/v1"]), [RouteKey.parse(r) for r in ROUTES])
SEGMENTS = st.sampled_from(
    ["things", "parts", "latest", "boxes", "lids", "tops", "7", "a b", "x%2Fy", ""]
)


def one_by_one(method: str, path: str) -> tuple[str | None, dict[str, str]]:
    """The reference: every template of the method, most specific first, first match wins."""
    keys = sorted((RouteKey.parse(r) for r in ROUTES), key=specificity)
    for key in keys:
        found = key.pattern().fullmatch(path) if key.method == method else None
        if found:
            return str(key), found.groupdict()
    return None, {}


@given(method=st.sampled_from(["GET", "DELETE", "POST"]), parts=st.lists(SEGMENTS, max_size=5))
def test_combined_matcher_agrees_with_trying_each_template(method: str, parts: list[str]) -> None:
    path = "/" + "/".join(parts)
    route, params = PLAN.match(method, path)
    assert ((str(route.key) if route else None), params) == one_by_one(method, path)


def test_literal_segments_win_over_parameters() -> None:
    """``/parts/latest`` beats ``/parts/{part}``; ``/things/{id}`` beats ``/{kind}/{id}``."""
    route, params = PLAN.match("GET", "/things/7/parts/latest")
    assert (str(route.key) if route else None, params) == (
        "GET /things/{id}/parts/latest",
        {"id": "7"},
    )
    route, params = PLAN.match("GET", "/things/7")
    assert (str(route.key) if route else None, params) == ("GET /things/{id}", {"id": "7"})
    route, params = PLAN.match("GET", "/gadgets/7/parts/3")
    assert (str(route.key) if route else None, params) == (
        "GET /{kind}/{id}/parts/{part}",
        {"kind": "gadgets", "id": "7", "part": "3"},
    )


def test_tail_parameter_routes_skip_the_patterns_unless_shadowed() -> None:
    """``/things/{id}`` is found by its head; ``/boxes/lids/{n}`` is not, since an earlier
    template (``/boxes/{side}/tops``) also matches ``/boxes/lids/tops``."""
    assert PLAN.by_head[("GET", "/things")][1] == "id"
    assert ("GET", "/boxes/lids") not in PLAN.by_head
    route, params = PLAN.match("GET", "/boxes/lids/tops")
    assert (str(route.key) if route else None, params) == (
        "GET /boxes/{side}/tops",
        {"side": "lids"},
    )
