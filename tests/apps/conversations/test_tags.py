"""Tags on conversations and the project's tag list."""

from __future__ import annotations


async def test_add_list_remove_tags(api, create):
    """POST adds tags idempotently, GET lists them sorted, DELETE removes one."""
    conv = await create(api)
    path = f"/api/v2/conversations/{conv['conversation_id']}/tags"
    added = await api.post(path, json={"tags": ["support", "billing", "support"]})
    assert added.status_code == 200
    assert added.json() == {"tags": ["billing", "support"]}
    again = await api.post(path, json={"tags": ["billing", "vip"]})
    assert again.json() == {"tags": ["billing", "support", "vip"]}
    removed = await api.delete(f"{path}/support")
    assert removed.status_code == 204
    assert (await api.get(path)).json() == {"tags": ["billing", "vip"]}
    assert (await api.delete(f"{path}/absent")).status_code == 204


async def test_project_tag_counts(api, create):
    """GET /tags counts conversations per tag, most used first."""
    for tags in (["a", "b"], ["a"], ["c"]):
        conv = await create(api)
        await api.post(f"/api/v2/conversations/{conv['conversation_id']}/tags", json={"tags": tags})
    response = await api.get("/api/v2/tags")
    assert response.status_code == 200
    assert response.json() == {
        "data": [
            {"tag": "a", "conversation_count": 2},
            {"tag": "b", "conversation_count": 1},
            {"tag": "c", "conversation_count": 1},
        ]
    }


async def test_tag_validation(api, create):
    """Empty tag lists and tags with slashes are 400 naming the field."""
    conv = await create(api)
    path = f"/api/v2/conversations/{conv['conversation_id']}/tags"
    empty = await api.post(path, json={"tags": []})
    assert empty.status_code == 400
    assert empty.json()["error"]["message"].startswith("tags:")
    slash = await api.post(path, json={"tags": ["a/b"]})
    assert slash.json()["error"]["message"].startswith("tags.0:")


async def test_deleting_conversation_drops_its_tags(api, create):
    """Tags disappear from the project's list with their conversation."""
    conv = await create(api)
    await api.post(f"/api/v2/conversations/{conv['conversation_id']}/tags", json={"tags": ["x"]})
    await api.delete(f"/api/v2/conversations/{conv['conversation_id']}")
    assert (await api.get("/api/v2/tags")).json() == {"data": []}
