"""The v2 OpenAPI document (segue derives v1's from it)."""

from __future__ import annotations

EXPECTED = {
    ("post", "/api/v2/conversations"),
    ("get", "/api/v2/conversations"),
    ("get", "/api/v2/conversations/search"),
    ("get", "/api/v2/conversations/{conversation_id}"),
    ("patch", "/api/v2/conversations/{conversation_id}"),
    ("delete", "/api/v2/conversations/{conversation_id}"),
    ("post", "/api/v2/conversations/{conversation_id}/messages"),
    ("get", "/api/v2/conversations/{conversation_id}/messages"),
    ("get", "/api/v2/tags"),
    ("get", "/api/v2/conversations/{conversation_id}/tags"),
    ("post", "/api/v2/conversations/{conversation_id}/tags"),
    ("delete", "/api/v2/conversations/{conversation_id}/tags/{tag}"),
    ("post", "/api/v2/projects"),
    ("get", "/api/v2/projects"),
    ("get", "/api/v2/projects/{project_id}"),
    ("patch", "/api/v2/projects/{project_id}"),
    ("delete", "/api/v2/projects/{project_id}"),
    ("post", "/api/v2/keys"),
    ("get", "/api/v2/keys"),
    ("delete", "/api/v2/keys/{key_id}"),
    ("get", "/api/v2/analytics/summary"),
    ("get", "/api/v2/analytics/timeseries"),
    ("get", "/api/v2/analytics/tags"),
}


async def test_document_lists_every_route_with_models(env):
    """Every route is documented with a success schema and 400 (not 422) errors."""
    response = await env.client().get("/api/v2/openapi.json")
    assert response.status_code == 200
    document = response.json()
    found = {(m, p) for p, item in document["paths"].items() for m in item}
    assert found == EXPECTED
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "422" not in responses, (method, path)
            assert "400" in responses
            success = next(code for code in responses if code.startswith("2"))
            if success != "204":
                assert "application/json" in responses[success]["content"], (method, path)
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert schemas["MessageIn"]["properties"]["role"]["enum"] == [
        "system",
        "user",
        "assistant",
        "tool",
    ]
    assert set(schemas["Conversation"]["properties"]) >= {"conversation_id", "project_id"}
