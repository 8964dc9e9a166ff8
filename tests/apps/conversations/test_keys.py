"""Keys: create, list, revoke within the calling key's project."""

from __future__ import annotations

KEY_KEYS = {
    "key_id",
    "project_id",
    "name",
    "key_prefix",
    "created_at",
    "last_used_at",
    "revoked_at",
}


async def test_create_key_shows_secret_once(env, api):
    """POST /keys answers 201 with the full key; listing never shows it."""
    response = await api.post("/api/v2/keys", json={"name": "Production Key"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == KEY_KEYS | {"key"}
    assert body["project_id"] == env.tenant.project_id
    assert (body["last_used_at"], body["revoked_at"]) == (None, None)
    assert body["key_prefix"] == body["key"][:12]
    listed = (await api.get("/api/v2/keys")).json()
    assert set(listed) == {"data"}
    assert all(set(k) == KEY_KEYS for k in listed["data"])
    assert [k["key_id"] for k in listed["data"]] == [env.tenant.key_id, body["key_id"]]


async def test_key_name_length(api):
    """An empty or over-long key name is 400 naming name."""
    for name in ("", "x" * 256):
        response = await api.post("/api/v2/keys", json={"name": name})
        assert response.status_code == 400
        assert response.json()["error"]["message"].startswith("name:")


async def test_revoke_key_stops_it(env, api):
    """DELETE /keys/{id} answers 204, sets revoked_at, and the key then gets 401."""
    created = (await api.post("/api/v2/keys", json={"name": "temp"})).json()
    temp = env.client(created["key"])
    assert (await temp.get("/api/v2/conversations")).status_code == 200
    response = await api.delete(f"/api/v2/keys/{created['key_id']}")
    assert response.status_code == 204
    listed = {k["key_id"]: k for k in (await api.get("/api/v2/keys")).json()["data"]}
    assert listed[created["key_id"]]["revoked_at"] == env.clock.now
    denied = await temp.get("/api/v2/conversations")
    assert denied.status_code == 401
    assert denied.json()["error"]["code"] == "UNAUTHORIZED"


async def test_other_projects_key_is_not_found(env, api):
    """Revoking another project's key is 404 and leaves it working."""
    other = await env.new_project()
    response = await api.delete(f"/api/v2/keys/{other.key_id}")
    assert response.status_code == 404
    assert (await other.client.get("/api/v2/keys")).status_code == 200
