"""Search: case-insensitive substrings in titles and content, with snippets."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from alembic import command

from segue_apps.common.migrate import alembic_config
from segue_apps.common.ttl import TTLCache
from segue_apps.conversations.app import MIGRATIONS, VERSION_TABLE
from segue_apps.conversations.migrations.versions.v0003_message_search_keys import FILL
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


class _EveryWordWalkFirst(TTLCache[tuple[int, str, int], bool]):
    def get(self, key: tuple[int, str, int]) -> bool | None:
        return True


async def test_search_words_remembered_walk_first_give_the_same_pages(
    env, api, create, monkeypatch
):
    """A word remembered as walk-first (no probe) gives the same pages and snippets as the
    probe's choice, including where the walk's budget runs out; a costly probe (SQLite)
    or indexed plan (PostgreSQL) is what makes a rare word walk-first."""
    made = []
    for i in range(7):
        messages = [{"role": "user", "content": f"filler {i}"}]
        if i % 2 == 0:
            messages.append({"role": "user", "content": f"rare quokka {i}"})
        made.append((await create(api, title=f"chat {i}", messages=messages))["conversation_id"])
        env.clock.advance(1)
    monkeypatch.setattr(store, "WALK_BUDGET", 1)
    monkeypatch.setattr(store, "PG_WALK_BUDGET", 1)
    remembered = TTLCache[tuple[int, str, int], bool](ttl_s=60, size=16)
    monkeypatch.setattr(store, "WALK_FIRST", remembered)
    probed = await _walk_pages(api, "quokka", limit=2)
    assert [made.index(cid) for cid, _ in probed[0]] == [6, 4, 2, 0]
    assert dict(probed[0])[made[4]] == "rare quokka 4"
    sqlite = env.db_url.startswith("sqlite")  # PostgreSQL has no probe: it walks first
    if sqlite:
        assert not remembered._entries  # rare and cheap to find: the index serves it
    monkeypatch.setattr(store, "PROBE_COSTLY_S", -1.0)
    assert await _walk_pages(api, "quokka", limit=2) == probed
    assert [key[1] for key in remembered._entries] == ["quokka"]
    monkeypatch.setattr(store, "WALK_FIRST", _EveryWordWalkFirst(ttl_s=60, size=1))
    assert await _walk_pages(api, "quokka", limit=2) == probed


def _index_entries(path: str) -> tuple[set[tuple[str, int, int]], set[tuple[str, int, int]]]:
    """(every entry of ``messages_fts``, the entries a fresh index of the messages has)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.live USING fts5vocab(main, messages_fts, instance)")
        conn.execute(
            "CREATE VIRTUAL TABLE temp.messages_fts USING "
            "fts5(content, content='', tokenize='trigram')"
        )
        conn.execute(FILL.replace("INTO messages_fts", "INTO temp.messages_fts"))
        conn.execute(
            "CREATE VIRTUAL TABLE temp.fresh USING fts5vocab(temp, messages_fts, instance)"
        )
        entries = "SELECT term, doc, offset FROM temp.{}"
        live = set(conn.execute(entries.format("live")))
        fresh = set(conn.execute(entries.format("fresh")))
    finally:
        conn.close()
    return live, fresh


async def test_search_index_follows_creates_appends_and_deletes(env, api, create):
    """SQLite's messages index (keyed by conversation, kept by triggers) stays exact.

    Creates, appends, a deleted conversation and a deleted project (whose conversations go
    by cascade) leave the same entries as indexing the remaining messages afresh.
    """
    if not env.db_url.startswith("sqlite"):
        pytest.skip("the FTS5 index is SQLite's")
    kept = await create(api, messages=[{"role": "user", "content": "alpha quokka"}])
    doomed = await create(api, messages=[{"role": "user", "content": "gamma quokka"}])
    other = await env.new_project()
    await create(other.client, messages=[{"role": "user", "content": "quokka elsewhere"}])
    path = f"/api/v2/conversations/{kept['conversation_id']}/messages"
    appended = {"messages": [{"role": "assistant", "content": "delta QUOKKA"}]}
    assert (await api.post(path, json=appended)).status_code == 201
    assert (
        await api.delete(f"/api/v2/conversations/{doomed['conversation_id']}")
    ).status_code == 204
    assert (await api.delete(f"/api/v2/projects/{other.project_id}")).status_code == 204

    live, fresh = _index_entries(env.db_url.split("///", 1)[1])
    assert live == fresh
    assert {term for term, _, _ in live} >= {"quo", "del", "alp"}
    assert not {term for term, _, _ in live} & {"gam", "els"}
    body = (await api.get("/api/v2/conversations/search", params={"q": "quokka"})).json()
    assert [hit["conversation_id"] for hit in body["data"]] == [kept["conversation_id"]]
    assert body["data"][0]["snippet"] == "alpha quokka"


def test_search_key_migration_reindexes_and_reverts(tmp_path):
    """Revision 0003 indexes existing messages by search key; its downgrade restores 0001's."""
    path = tmp_path / "migrate.db"
    config = alembic_config(MIGRATIONS, VERSION_TABLE)
    engine = sa.create_engine(f"sqlite:///{path}")

    def migrate(step: Callable[..., None], revision: str) -> None:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            step(config, revision)

    migrate(command.upgrade, "0002")
    rows = [("c1", 1, "first title"), ("c2", 2, None)]
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO orgs VALUES ('o', 'org', 0)")
        conn.exec_driver_sql("INSERT INTO projects VALUES ('p', 'o', 'p', 'p', 0, 0)")
        for cid, pk, title in rows:
            conn.exec_driver_sql(
                "INSERT INTO conversations (pk, id, project_id, title, created_at, updated_at) "
                "VALUES (?, ?, 'p', ?, 0, 0)",
                (pk, cid, title),
            )
        for seq, (cid, content) in enumerate(
            [("c2", "zero quokka"), ("c1", "one"), ("c2", "two QUOKKA"), ("c1", "three quokka")]
        ):
            conn.exec_driver_sql(
                "INSERT INTO messages (id, conversation_id, project_id, seq, role, content, "
                "token_count, created_at) VALUES (?, ?, 'p', ?, 'user', ?, 1, 0)",
                (f"m{seq}", cid, seq, content),
            )
    migrate(command.upgrade, "0003")
    live, fresh = _index_entries(str(path))
    assert live == fresh
    match = "SELECT rowid FROM messages_fts WHERE messages_fts MATCH '\"quokka\"' ORDER BY 1"
    with engine.connect() as conn:
        keys = [row[0] for row in conn.exec_driver_sql(match)]
    assert keys == [(1 << 32) + 3, (2 << 32) + 0, (2 << 32) + 2]
    migrate(command.downgrade, "0002")
    with engine.connect() as conn:
        assert [row[0] for row in conn.exec_driver_sql(match)] == [1, 3, 4]
        conn.exec_driver_sql("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")
    engine.dispose()
