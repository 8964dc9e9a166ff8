"""Every failure leaves in the one error envelope."""

from __future__ import annotations

import pytest


async def test_unknown_route_is_404_envelope(api):
    """An unknown path answers 404 NOT_FOUND in the envelope."""
    response = await api.get("/api/v2/nowhere")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "NOT_FOUND", "message": "Not Found"}}


async def test_wrong_method_is_405_with_allow(api):
    """PUT on a conversation answers 405 with every allowed method in Allow."""
    response = await api.put("/api/v2/conversations/abc", json={})
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PATCH"
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


async def test_unexpected_exception_is_500_envelope(env):
    """An unhandled exception answers 500 INTERNAL_ERROR without leaking details."""

    async def boom() -> None:
        raise RuntimeError("secret detail")

    env.app.add_api_route("/api/v2/boom", boom)
    client = env.client(env.tenant.key, raise_app_exceptions=False)
    response = await client.get("/api/v2/boom")
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "INTERNAL_ERROR", "message": "Internal server error"}
    }


@pytest.mark.parametrize("path", ["/api/v2/conversations", "/api/v2/keys", "/api/v2/projects"])
async def test_errors_are_json(env, path):
    """Error responses are application/json."""
    response = await env.client().get(path)
    assert response.headers["content-type"] == "application/json"
