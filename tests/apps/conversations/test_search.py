"""Search: case-insensitive substrings in titles and content, with snippets."""

from __future__ import annotations

from segue_apps.conversations.store import search as store

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


async def _walk_pages(api, q, limit):
    """Every hit of ``q`` through next_cursor, as (id, snippet) pairs, plus the page count."""
    hits, cursor, pages = [], None, 0
    while True:
        params = {"q": q, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await api.get("/api/v2/conversations/search", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        pages += 1
        hits += [(hit["conversation_id"], hit["snippet"]) for hit in page["data"]]
        cursor = page["pagination"]["next_cursor"]
        if cursor is None:
            return hits, pages


async def test_search_plans_agree(env, api, create, monkeypatch):
    """The indexed plan, the walk, and a walk that runs out of budget give the same pages.

    Covers ties on updated_at (cursor pagination), title and content matches, snippets
    from the first matching message, ASCII-only case folding for ASCII queries (the
    Kelvin sign and long s are not k and s) and Unicode folding for non-ASCII queries.
    """
    other = await env.new_project()
    await create(other.client, title="Kubernetes elsewhere")
    made = []
    for i in range(12):
        messages = [{"role": "user", "content": f"filler {i}"}]
        if i % 3 == 0:
            messages.append({"role": "assistant", "content": f"run KUBERNETES job {i}"})
        if i % 4 == 0:
            messages.append({"role": "user", "content": f"again kubernetes {i}"})
        if i == 5:
            messages.append({"role": "user", "content": "\u212aubernetes with a Kelvin sign"})
        if i == 7:
            messages.append({"role": "user", "content": "ÉCOLE and Kube\u017ftes"})
        title = "Kubernetes title" if i in (2, 9) else f"chat {i}"
        made.append((await create(api, title=title, messages=messages))["conversation_id"])
        if i % 3 == 2:  # groups of three share updated_at: the cursor must break the ties
            env.clock.advance(1)
    queries = ("kubernetes", "ubernetes", "KUBE", "école", "kube\u017f", "es", "zzz")
    results = {}
    for name, cap, budget in (("indexed", 10**9, 0), ("walk", 1, 10), ("budget", 1, 1)):
        monkeypatch.setattr(store, "PROBE_CAP", cap)
        monkeypatch.setattr(store, "WALK_BUDGET", budget)
        monkeypatch.setattr(store, "PG_WALK_BUDGET", budget)
        results[name] = {q: await _walk_pages(api, q, limit=2) for q in queries}
    assert results["walk"] == results["indexed"]
    assert results["budget"] == results["indexed"]
    hits = {
        q: [made.index(cid) for cid, _ in found] for q, (found, _) in results["indexed"].items()
    }
    for found in hits.values():  # newest first: updated_at grows every three conversations
        assert [i // 3 for i in found] == sorted((i // 3 for i in found), reverse=True)
    # PostgreSQL ILIKE folds the Kelvin sign to k; SQLite LIKE (ASCII folding) does not.
    kelvin = {5} if env.db_url.startswith("postgresql") else set()
    assert set(hits["kubernetes"]) == {0, 2, 3, 4, 6, 8, 9} | kelvin
    assert set(hits["ubernetes"]) == {0, 2, 3, 4, 5, 6, 8, 9}
    assert set(hits["KUBE"]) == {0, 2, 3, 4, 6, 7, 8, 9} | kelvin
    assert hits["école"] == hits["kube\u017f"] == [7]
    assert set(hits["es"]) == {0, 2, 3, 4, 5, 6, 7, 8, 9}
    assert hits["zzz"] == []
    snippets = dict(results["indexed"]["kubernetes"][0])
    assert snippets[made[9]] == "Kubernetes title"
    assert snippets[made[0]] == "run KUBERNETES job 0"
    assert snippets[made[8]] == "again kubernetes 8"
