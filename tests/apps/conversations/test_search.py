"""Search: case-insensitive substrings in titles and content, with snippets."""

from __future__ import annotations

HIT_KEYS = {"conversation_id", "title", "snippet", "message_count", "created_at", "updated_at"}


async def test_search_matches_title_case_insensitively(api, create):
    """A title substring in another case finds the conversation; snippet is the title."""
    conv = await create(api, title="Chat about Pricing")
    await create(api, title="Something else")
    response = await api.get("/api/v2/conversations/search", params={"q": "PRICI"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "pagination"}
    assert body["pagination"] == {"limit": 20, "next_cursor": None}
    assert [set(hit) for hit in body["data"]] == [HIT_KEYS]
    hit = body["data"][0]
    assert hit["conversation_id"] == conv["conversation_id"]
    assert hit["snippet"] == "Chat about Pricing"


async def test_search_matches_content_mid_word_with_snippet(api, create):
    """A substring inside a message word matches; the snippet is cut around it with '…'."""
    text = "x" * 100 + " the SUPERCALIFRAGILISTIC answer " + "y" * 300
    conv = await create(api, title="Untitled", messages=[{"role": "user", "content": text}])
    body = (await api.get("/api/v2/conversations/search", params={"q": "califrag"})).json()
    assert [hit["conversation_id"] for hit in body["data"]] == [conv["conversation_id"]]
    snippet = body["data"][0]["snippet"]
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert len(snippet) <= 200
    assert "SUPERCALIFRAGILISTIC" in snippet
    assert snippet.index("CALIFRAG") == len("…") + 40


async def test_search_short_query_and_no_match(api, create):
    """One- and two-character queries still match; an absent string returns no data."""
    conv = await create(api, messages=[{"role": "user", "content": "Answer: Q7 ready"}])
    short = (await api.get("/api/v2/conversations/search", params={"q": "q7"})).json()
    assert [hit["conversation_id"] for hit in short["data"]] == [conv["conversation_id"]]
    none = (await api.get("/api/v2/conversations/search", params={"q": "zzzz"})).json()
    assert none["data"] == []


async def test_search_treats_wildcards_literally(api, create):
    """Characters like % and _ and quotes are searched for literally."""
    await create(api, title="plain title")
    conv = await create(api, title='100% "done"_ok')
    for q in ("0% ", '"done"_', "%"):
        body = (await api.get("/api/v2/conversations/search", params={"q": q})).json()
        assert [hit["conversation_id"] for hit in body["data"]] == [conv["conversation_id"]], q


async def test_search_paginates(env, api, create):
    """limit and next_cursor walk every matching conversation once."""
    ids = set()
    for i in range(5):
        ids.add((await create(api, title=f"pricing {i}"))["conversation_id"])
        env.clock.advance(1)
    seen, cursor = [], None
    while True:
        params = {"q": "pricing", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await api.get("/api/v2/conversations/search", params=params)).json()
        seen += [hit["conversation_id"] for hit in page["data"]]
        cursor = page["pagination"]["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5
    assert set(seen) == ids


async def test_search_requires_q(api):
    """A search without q is 400 naming q."""
    response = await api.get("/api/v2/conversations/search")
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("q:")


async def test_search_does_not_see_other_projects(env, api, create):
    """Another project's matching conversation is not returned."""
    other = await env.new_project()
    await create(other.client, title="pricing secret")
    body = (await api.get("/api/v2/conversations/search", params={"q": "pricing"})).json()
    assert body["data"] == []
