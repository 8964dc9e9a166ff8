"""The calls the migration guide makes to show the widget API's v1 and v2 side by side."""

from __future__ import annotations

from segue.guide import Scenario, Step

BOLT_V1 = {"name": "Bolt", "grade": "full", "parts": ["head", "shaft"]}
BOLT_V2 = {"name": "Bolt", "grade": "high", "color": "red", "parts": ["head", "shaft"]}

SCENARIOS = [
    Scenario(
        "Create a widget",
        {
            "v1": [Step("POST", "/v1/widgets", BOLT_V1, save={"widget": "id"})],
            "v2": [Step("POST", "/api/v2/widgets", BOLT_V2, save={"widget": "widget_id"})],
        },
        "v2 requires `color`, spells grades `high`/`medium`/`low` and answers without parts.",
    ),
    Scenario(
        "Get a widget",
        {
            "v1": [
                Step("GET", "/v1/widgets/{widget}"),
                Step("GET", "/v1/widgets/{widget}?fields=!parts"),
            ],
            "v2": [
                Step("GET", "/api/v2/widgets/{widget}"),
                Step("GET", "/api/v2/widgets/{widget}?include=parts"),
            ],
        },
    ),
    Scenario(
        "List widgets",
        {"v1": [Step("GET", "/v1/widgets")], "v2": [Step("GET", "/api/v2/widgets")]},
    ),
    Scenario(
        "Search widgets",
        {
            "v1": [Step("GET", "/v1/widgets/search?q=bolt")],
            "v2": [Step("GET", "/api/v2/widgets/search?q=bolt")],
        },
    ),
    Scenario(
        "Update a widget",
        {
            "v1": [Step("PUT", "/v1/widgets/{widget}", {"grade": "maybe"})],
            "v2": [Step("PATCH", "/api/v2/widgets/{widget}", {"grade": "medium"})],
        },
    ),
    Scenario(
        "Clone a widget",
        {"v1": [Step("POST", "/v1/widgets/{widget}/clone", save={"clone": "id"})]},
        "v2 has no clone: get the widget with `?include=parts`, then create a copy.",
    ),
    Scenario(
        "A retired route",
        {"v1": [Step("GET", "/v1/widgets/{widget}/summary")]},
    ),
    Scenario(
        "An invalid request",
        {
            "v1": [Step("POST", "/v1/widgets", {"grade": "full"})],
            "v2": [Step("POST", "/api/v2/widgets", {"grade": "high"})],
        },
        "Error bodies differ: v1 `{error, code, path}`, v2 `{error, code, details, handoff}`.",
    ),
    Scenario(
        "Delete a widget",
        {
            "v1": [Step("DELETE", "/v1/widgets/{widget}")],
            "v2": [Step("DELETE", "/api/v2/widgets/{widget}")],
        },
    ),
]
