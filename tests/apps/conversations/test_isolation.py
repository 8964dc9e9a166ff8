"""Another project's resources are 404 on every route, never 403."""

from __future__ import annotations


async def test_other_projects_conversation_is_404_everywhere(env, api, create):
    """Every conversation, message and tag route answers 404 for a foreign conversation."""
    other = await env.new_project()
    foreign = await create(
        other.client, title="theirs", messages=[{"role": "user", "content": "x"}]
    )
    base = f"/api/v2/conversations/{foreign['conversation_id']}"
    message = {"messages": [{"role": "user", "content": "hi"}]}
    attempts = [
        await api.get(base),
        await api.get(base, params={"include": "messages"}),
        await api.patch(base, json={"title": "mine"}),
        await api.delete(base),
        await api.get(f"{base}/messages"),
        await api.post(f"{base}/messages", json=message),
        await api.get(f"{base}/tags"),
        await api.post(f"{base}/tags", json={"tags": ["x"]}),
        await api.delete(f"{base}/tags/x"),
    ]
    for response in attempts:
        assert response.status_code == 404, response.request.url
        assert response.json()["error"]["code"] == "NOT_FOUND"
    listed = (await api.get("/api/v2/conversations")).json()
    assert listed["pagination"]["total"] == 0
    assert (await api.get("/api/v2/tags")).json() == {"data": []}
    untouched = (await other.client.get(base)).json()
    assert (untouched["title"], untouched["message_count"]) == ("theirs", 1)


async def test_other_projects_key_and_analytics_are_404(env, api):
    """Keys and analytics of another project are 404 and its keys are not listed."""
    other = await env.new_project()
    assert (await api.delete(f"/api/v2/keys/{other.key_id}")).status_code == 404
    listed = {k["key_id"] for k in (await api.get("/api/v2/keys")).json()["data"]}
    assert other.key_id not in listed
    for route in ("summary", "timeseries", "tags"):
        response = await api.get(
            f"/api/v2/analytics/{route}", params={"project_id": other.project_id}
        )
        assert response.status_code == 404
