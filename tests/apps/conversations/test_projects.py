"""Projects: scoped to the calling key's organisation."""

from __future__ import annotations

PROJECT_KEYS = {"project_id", "org_id", "name", "slug", "created_at", "updated_at"}
KEY_IN_PROJECT = {"key_id", "name", "key_prefix", "created_at", "last_used_at", "revoked_at"}


async def test_create_project_returns_project_and_default_key(env, api):
    """POST /projects answers 201 {project, api_key} with a usable Default key."""
    response = await api.post(
        "/api/v2/projects", json={"name": "My App", "slug": "my-app", "org_id": "org_123"}
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"project", "api_key"}
    assert set(body["project"]) == PROJECT_KEYS
    assert set(body["api_key"]) == {"key_id", "name", "key_prefix", "key", "created_at"}
    assert body["project"]["org_id"] == env.tenant.org_id  # the given org_id is ignored
    assert body["project"]["slug"] == "my-app"
    assert body["api_key"]["name"] == "Default"
    key = body["api_key"]["key"]
    assert key.startswith("as_live_")
    assert len(key) == 48
    assert body["api_key"]["key_prefix"] == key[:12]
    listed = await env.client(key).get("/api/v2/keys")
    assert listed.status_code == 200


async def test_slug_is_derived_and_unique(api):
    """A missing slug is derived from the name; an explicit taken slug is 409."""
    first = (await api.post("/api/v2/projects", json={"name": "My App!"})).json()
    assert first["project"]["slug"] == "my-app"
    second = (await api.post("/api/v2/projects", json={"name": "My App"})).json()
    assert second["project"]["slug"].startswith("my-app-")
    taken = await api.post("/api/v2/projects", json={"name": "X", "slug": "my-app"})
    assert taken.status_code == 409
    bad = await api.post("/api/v2/projects", json={"name": "X", "slug": "Not A Slug"})
    assert bad.status_code == 400
    assert bad.json()["error"]["message"].startswith("slug:")


async def test_list_projects_paginates_with_total(env, api):
    """GET /projects lists the org's projects with key_count and pagination.total."""
    for i in range(3):
        await api.post("/api/v2/projects", json={"name": f"P{i}"})
        env.clock.advance(1)
    first = (await api.get("/api/v2/projects", params={"org_id": "default", "limit": 2})).json()
    assert set(first) == {"data", "pagination"}
    assert set(first["pagination"]) == {"limit", "next_cursor", "total"}
    assert first["pagination"]["total"] == 4
    assert all(
        set(item) == {"project_id", "org_id", "name", "slug", "created_at", "key_count"}
        for item in first["data"]
    )
    rest = (
        await api.get("/api/v2/projects", params={"cursor": first["pagination"]["next_cursor"]})
    ).json()
    ids = [p["project_id"] for p in first["data"] + rest["data"]]
    assert len(ids) == len(set(ids)) == 4
    assert rest["pagination"]["next_cursor"] is None
    assert {p["key_count"] for p in first["data"] + rest["data"]} == {1}


async def test_get_project_lists_its_keys(env, api):
    """GET /projects/{id} includes api_keys without secrets."""
    await api.post("/api/v2/keys", json={"name": "Production Key"})
    response = await api.get(f"/api/v2/projects/{env.tenant.project_id}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"project_id", "org_id", "name", "slug", "created_at", "api_keys"}
    assert [k["name"] for k in body["api_keys"]] == ["Default", "Production Key"]
    assert all(set(k) == KEY_IN_PROJECT for k in body["api_keys"])
    assert body["api_keys"][0]["last_used_at"] is not None


async def test_patch_project(env, api):
    """PATCH /projects/{id} renames and returns the project with updated_at."""
    env.clock.advance(1000)
    response = await api.patch(
        f"/api/v2/projects/{env.tenant.project_id}", json={"name": "Updated App Name"}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PROJECT_KEYS
    assert body["name"] == "Updated App Name"
    assert body["updated_at"] == env.clock.now


async def test_delete_project_cascades(env, api, create):
    """DELETE /projects/{id} removes the project, its keys and its conversations."""
    other = await env.new_project()
    await create(other.client, title="doomed", messages=[{"role": "user", "content": "bye"}])
    response = await api.delete(f"/api/v2/projects/{other.project_id}")
    assert response.status_code == 204
    assert (await api.get(f"/api/v2/projects/{other.project_id}")).status_code == 404
    assert (await other.client.get("/api/v2/conversations")).status_code == 401


async def test_other_org_projects_are_not_found(env, api):
    """Every project route answers 404 for another organisation's project."""
    stranger = await env.new_org()
    path = f"/api/v2/projects/{stranger.project_id}"
    assert (await api.get(path)).status_code == 404
    assert (await api.patch(path, json={"name": "x"})).status_code == 404
    assert (await api.delete(path)).status_code == 404
    listed = (await api.get("/api/v2/projects")).json()
    assert stranger.project_id not in {p["project_id"] for p in listed["data"]}
