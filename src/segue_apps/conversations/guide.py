"""The calls the migration guide makes to show v1 and v2 side by side (seed 001's examples).

Each scenario is written once per version, as a client of that version would write it;
``{name}`` in a path is what bootstrap returned (``project_id``, ``key_id``, ``org_id``) or
what an earlier step saved.
"""

from __future__ import annotations

from typing import Any

from segue.guide import Scenario, Step

V1, V2 = "/v1", "/api/v2"

CONVERSATION = {
    "external_id": "my-conversation-123",
    "title": "Chat about pricing",
    "metadata": {"source": "web"},
    "messages": [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi!"},
    ],
}
UPDATE = {"title": "Updated title", "metadata": {"category": "sales"}}
MESSAGES = {
    "messages": [
        {"role": "user", "content": "What's new?"},
        {"role": "assistant", "content": "Lots of things!"},
    ]
}
PROJECT = {"name": "My App", "slug": "my-app"}
ANALYTICS = "?project_id={project_id}"


def both(title: str, v1: list[Step], v2: list[Step], note: str = "") -> Scenario:
    """A scenario with its v1 and its v2 calls."""
    return Scenario(title, {"v1": v1, "v2": v2}, note)


def same(title: str, method: str, path: str, json: Any = None, note: str = "") -> Scenario:
    """A call spelled the same in both versions but for the base URL."""
    return both(title, [Step(method, V1 + path, json)], [Step(method, V2 + path, json)], note)


SCENARIOS = [
    both(
        "Create a conversation",
        [Step("POST", f"{V1}/conversations", CONVERSATION, save={"conversation": "id"})],
        [
            Step(
                "POST",
                f"{V2}/conversations",
                CONVERSATION,
                save={"conversation": "conversation_id"},
            )
        ],
        "v2 answers without the messages; fetch them with `?include=messages` when needed.",
    ),
    same("List conversations", "GET", "/conversations?limit=50&order=desc"),
    both(
        "Get a conversation",
        [
            Step("GET", V1 + "/conversations/{conversation}"),
            Step("GET", V1 + "/conversations/{conversation}?fields=!messages"),
        ],
        [
            Step("GET", V2 + "/conversations/{conversation}"),
            Step("GET", V2 + "/conversations/{conversation}?include=messages"),
        ],
        "v1 includes the messages unless `?fields=!messages`; v2 only with `?include=messages`.",
    ),
    both(
        "Update a conversation",
        [Step("PUT", V1 + "/conversations/{conversation}", UPDATE)],
        [Step("PATCH", V2 + "/conversations/{conversation}", UPDATE)],
    ),
    same("Search conversations", "GET", "/conversations/search?q=pricing&limit=20"),
    same("Add messages", "POST", "/conversations/{conversation}/messages", MESSAGES),
    same("List messages", "GET", "/conversations/{conversation}/messages?limit=100"),
    both(
        "Create a project",
        [Step("POST", f"{V1}/projects", PROJECT, save={"project": "project.id"})],
        [Step("POST", f"{V2}/projects", PROJECT, save={"project": "project.project_id"})],
    ),
    same("List projects", "GET", "/projects?org_id={org_id}"),
    same("Get a project", "GET", "/projects/{project}"),
    same("Update a project", "PATCH", "/projects/{project}", {"name": "Updated App Name"}),
    same("Delete a project", "DELETE", "/projects/{project}"),
    same("Analytics summary", "GET", "/analytics/summary" + ANALYTICS),
    same(
        "Analytics timeseries",
        "GET",
        "/analytics/timeseries" + ANALYTICS + "&metric=conversations&granularity=day",
    ),
    same("Analytics by tag", "GET", "/analytics/tags" + ANALYTICS),
    both(
        "Create an API key",
        [
            Step(
                "POST",
                "/api/projects/{project_id}/keys",
                {"name": "Production Key"},
                save={"key": "id"},
            )
        ],
        [Step("POST", f"{V2}/keys", {"name": "Production Key"}, save={"key": "key_id"})],
        "v2 infers the project from the API key.",
    ),
    both(
        "List API keys",
        [Step("GET", "/api/projects/{project_id}/keys")],
        [Step("GET", f"{V2}/keys")],
    ),
    both(
        "Revoke an API key",
        [Step("DELETE", "/api/projects/{project_id}/keys/{key}")],
        [Step("DELETE", V2 + "/keys/{key}")],
    ),
    same("Delete a conversation", "DELETE", "/conversations/{conversation}"),
]
