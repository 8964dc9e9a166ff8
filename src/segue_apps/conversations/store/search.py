"""Case-insensitive substring search over titles and message content, through an index.

Results are newest-updated first with the compound ``updated_at`` cursor of the list
route; the snippet comes from the title when it matches, else from the conversation's
first matching message (lowest ``seq``).

Two plans find the hits, chosen per request so that neither does work proportional to
every matching message of a common word:

* **indexed**: the search index lists every matching message, the matches are mapped to
  their conversations and sorted. Cost grows with the number of matching messages, so it
  is used when a capped count of the matches (the *probe*, ``LIMIT`` :data:`PROBE_CAP`
  over the index) stays below the cap.
* **walk**: the project's conversations newest-first through the
  ``(project_id, updated_at, id)`` index, keeping those whose title or some message
  matches, stopping after ``limit + 1`` hits. Common words hit within the first few
  conversations, so this costs well under a millisecond for them. The walk visits at most
  :data:`WALK_BUDGET` conversations per requested row; when that is not enough (a word
  common overall but concentrated in old conversations or in other projects) the indexed
  plan continues strictly after the last walked conversation, so the page is the same.
  The walk reads each kept conversation's first matching message as it goes (the snippet
  needs it), so the page's messages are read once.

Both plans give the same page, so the choice only moves cost, and a word the walk serves
better is remembered (:data:`WALK_FIRST`, per process, a minute): its next searches skip
the probe and walk first. Such a word is either common (the probe reached its cap; the
probe then cost more than the walk itself, 0.9 of 1.5 ms for a word in 20,000 of 1M
messages) or costly to find through the index: a trigram phrase costs in proportion to
its most selective trigram, not to its matches, so a rare phrase of common words
(``retry timeout`` where both words are in half the messages) scans half the index in
the probe and again in the indexed plan (16 ms at 30,000 messages, growing with them),
where the walk finds a page in well under a millisecond. Both depend on the whole index,
which a minute of appends barely moves.

SQLite: the index is the FTS5 ``trigram`` tables (see the migrations); a quoted phrase
query is a substring match that folds case for all of Unicode. A message's FTS rowid is
its search key ``conversations.pk * 2**32 + seq`` (migration 0003), so the indexed plan
maps matches to conversations with ``rowid >> 32`` and reads no message row: ~0.6 ms for a
word in 1,100 of 1M messages, where looking each matching message up cost ~4.8 ms. The
walk and queries shorter than a trigram use ``LIKE``, which folds ASCII case only. To keep
the two plans identical, an ASCII query is matched with ``LIKE`` semantics in both: when
the query has a ``k`` or ``s`` (which FTS also matches to the Kelvin sign and long s) the
FTS plan's conversations are candidates, and one whose title does not match is kept only
if the first-message query (which the snippet needs anyway) finds a message that does. A
query with non-ASCII characters always uses the FTS plan (Unicode case folding). Queries
of 1-2 characters cannot use the trigram index and always walk.

PostgreSQL: ``ILIKE '%q%'`` in both plans (``pg_trgm`` GIN indexes serve the indexed plan;
the walk reads each conversation's messages through the ``(conversation_id, seq)`` index),
so the plans agree by construction. There is no probe (see ``_Plans.probe``): the walk
goes first with :data:`PG_WALK_BUDGET`, about 6 ms wasted on a rare word, and a word whose
indexed plan then took longer than :data:`PROBE_COSTLY_S` walks first with the full
:data:`WALK_BUDGET` for a minute. The indexed plan runs with sequential scans and nested
loops off. At tens of thousands of messages the planner priced the trigram index above a
scan of every message of the project (43,000 messages: 39 ms scanned, 4.5 ms through the
index for a word in 2 % of them), a scan that grows with the project; and on statistics
older than a burst of appends it read the project's messages through the project index
and joined the matches in a nested loop (111 ms at 22,000 messages). Without those two
plans a search for that word took 5.4 ms on fresh and on stale statistics alike.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from segue_apps.common.db import Database
from segue_apps.common.pagination import Cursor, next_cursor
from segue_apps.common.ttl import TTLCache
from segue_apps.conversations.snippets import find, snippet

_TRIGRAM = 3
PROBE_CAP = 2000
"""Matching messages (over all projects) from which the walk plan is preferred."""
WALK_BUDGET = 10
"""Conversations the walk may visit per requested row before the indexed plan takes over
(0: never walk, except SQLite queries too short for the trigram index)."""
PG_WALK_BUDGET = 2
"""The same on PostgreSQL, where the walk runs without a probe (see ``_Plans.probe``)."""
PROBE_COSTLY_S = 0.002
"""Seconds of a probe (SQLite, CPU) or of the indexed plan after the walk (PostgreSQL,
wall clock) from which its word is searched walk-first: it is costly to find through the
index. A walk of :data:`WALK_BUDGET` rows per page costs about this much on the
benchmark's conversations of ~100 messages."""
WALK_FIRST: TTLCache[tuple[int, str, int], bool] = TTLCache(ttl_s=60, size=4096)
"""(``id`` of the database's engine, query, :data:`PROBE_CAP`) of queries whose probe reached
the cap or was costly."""

_COLUMNS = "c.id, c.title, c.message_count, c.created_at, c.updated_at"
_ORDER = "ORDER BY c.updated_at DESC, c.id DESC"
_KEY_BITS = 32
"""A message's FTS rowid on SQLite is ``conversations.pk << _KEY_BITS | seq`` (migration 0003)."""

Row = sa.Row[*tuple[Any, ...]]
_INDEX_ONLY = sa.text(
    "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_nestloop', 'off', true)"
)
"""PostgreSQL, for the rest of a search's read-only transaction: no scan of every message and
no nested loop over the matches, whatever the planner's statistics say (see the module)."""


def _like_pattern(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _after(cursor: Cursor | None, name: str = "cursor") -> tuple[str, dict[str, Any]]:
    """SQL (alias ``c``) keeping rows strictly after ``cursor`` in result order."""
    if cursor is None:
        return "", {}
    if cursor.id is None:
        return f"AND c.updated_at < :{name}_ms", {f"{name}_ms": cursor.ms}
    return (
        f"AND (c.updated_at < :{name}_ms OR (c.updated_at = :{name}_ms AND c.id < :{name}_id))",
        {f"{name}_ms": cursor.ms, f"{name}_id": cursor.id},
    )


class _Plans:
    """The SQL of one search request; ``params`` is shared by every statement."""

    def __init__(self, dialect: str, project_id: str, query: str) -> None:
        self.query = query
        self.postgres = dialect == "postgresql"
        self.like = "ILIKE" if self.postgres else "LIKE"
        self.params: dict[str, Any] = {"project_id": project_id, "pattern": _like_pattern(query)}
        # SQLite without FTS (too short for trigrams) can only walk.
        self.indexed = self.postgres or len(query) >= _TRIGRAM
        # Non-ASCII on SQLite: FTS semantics (Unicode case folding) only, never LIKE.
        self.fts_only = not self.postgres and self.indexed and not query.isascii()
        # For ASCII queries FTS matches exactly what LIKE does, except that it also folds
        # U+212A KELVIN SIGN to k and U+017F LATIN SMALL LETTER LONG S to s (checked over
        # every code point); only queries with those letters need rechecking with LIKE.
        self.recheck = (
            not self.postgres
            and self.indexed
            and not self.fts_only
            and not {"k", "s"}.isdisjoint(query.lower())
        )
        if not self.postgres and self.indexed:
            self.params["match"] = '"' + query.replace('"', '""') + '"'

    def _like_on(self, column: str) -> str:
        return rf"{column} {self.like} :pattern ESCAPE '\'"

    def _in_conversation(self) -> str:
        """Condition "message ``m`` contains the query" for scans of one conversation.

        On PostgreSQL ``|| ''`` keeps the planner off the trigram index: it underestimates
        common words and would otherwise AND the conversation's rows with a bitmap of every
        matching message, once per conversation.
        """
        return self._like_on("(m.content || '')" if self.postgres else "m.content")

    def title_matches(self, title: str | None) -> bool:
        """Whether ``title`` contains the (ASCII) query as ``LIKE`` sees it: ASCII case only.

        ``bytes.lower`` folds ASCII letters only, and a UTF-8 substring is a substring.
        """
        return title is not None and self.query.lower().encode() in title.encode().lower()

    def probe(self, after: str, *, count: bool = True) -> sa.TextClause:
        """Count matching messages up to the cap; the walk's stopping point after ``after``.

        Without ``count`` (a word known to be common) the count is reported as the cap.

        The bound is the ``(updated_at, id)`` of the conversation the walk budget ends on,
        absent when fewer conversations remain. PostgreSQL does not count: a GIN scan
        cannot stop at a ``LIMIT`` (it builds the bitmap of every candidate row first; 15 ms
        for a word in 20k of 1M messages) and the planner's estimate of common words turns
        it into a sequential scan (50 ms), so there the walk always goes first, with a
        smaller budget, and the count is reported as the cap.
        """
        matches = (
            "CAST(:cap AS INTEGER)"
            if self.postgres or not count
            else "SELECT count(*) FROM (SELECT rowid FROM messages_fts "
            "WHERE messages_fts MATCH :match LIMIT :cap) AS probe"
        )
        return sa.text(
            f"SELECT ({matches}), "
            "bound.updated_at, bound.id FROM (SELECT 1 AS one) AS anchor LEFT JOIN ("
            f"SELECT c.updated_at, c.id FROM conversations c WHERE c.project_id = :project_id "
            f"{after} {_ORDER} LIMIT 1 OFFSET :skip) AS bound ON 1 = 1"
        )

    def indexed_hits(self, after: str) -> sa.TextClause:
        """Every matching conversation through the index, then sorted.

        SQLite: the conversations whose ``pk`` is a messages FTS rowid ``>> 32`` or a titles
        FTS rowid (with ``recheck``, candidates: see :func:`_indexed`). The project filter is
        written ``+c.project_id``: the unary plus keeps SQLite from driving the query through
        the project index (a scan of the whole project) instead of the matches.

        PostgreSQL: the matching titles and messages of every project through their trigram
        indexes, joined to this project's conversations; the subqueries name no project so
        that the trigram indexes are their only access path (see :data:`_INDEX_ONLY`).
        """
        if not self.postgres:
            return sa.text(
                f"SELECT {_COLUMNS} FROM conversations c WHERE c.pk IN ("
                f"SELECT rowid >> {_KEY_BITS} FROM messages_fts WHERE messages_fts MATCH :match "
                "UNION ALL SELECT rowid FROM conversations_fts WHERE conversations_fts MATCH :match"
                f") AND +c.project_id = :project_id {after} {_ORDER} LIMIT :limit"
            )
        return sa.text(
            f"SELECT {_COLUMNS} FROM conversations c WHERE c.id IN ("
            f"SELECT t.id FROM conversations t WHERE {self._like_on('t.title')} UNION "
            f"SELECT m.conversation_id FROM messages m WHERE {self._like_on('m.content')}) "
            f"AND c.project_id = :project_id {after} {_ORDER} LIMIT :limit"
        )

    def walk_hits(self, after: str, bounded: bool) -> sa.TextClause:
        """Conversations newest-first, kept when the title or a message matches.

        A sixth column holds the conversation's first matching message (SQLite: only when
        the title does not match). PostgreSQL gets it as a ``LATERAL ... LIMIT 1``, which
        the planner can only run per conversation (an ``EXISTS`` under ``OR`` may become a
        hashed subplan over every matching message). SQLite's ``LIMIT -1`` keeps the inner
        query from being flattened into the outer one, which would evaluate the message
        subquery twice; the inner query runs as a co-routine, so the walk still stops at
        ``:limit`` hits.
        """
        bound = (
            "AND c.updated_at >= :bound_ms AND (c.updated_at > :bound_ms OR c.id >= :bound_id)"
            if bounded
            else ""
        )
        first = (
            "SELECT m.content AS first FROM messages m WHERE m.conversation_id = c.id AND "
            f"{self._in_conversation()} ORDER BY m.seq LIMIT 1"
        )
        titled = self._like_on("c.title")
        if self.postgres:
            return sa.text(
                f"SELECT {_COLUMNS}, msg.first FROM conversations c LEFT JOIN LATERAL ({first}) "
                "AS msg ON true WHERE c.project_id = :project_id "
                f"{after} {bound} AND ({titled} OR msg.first IS NOT NULL) {_ORDER} LIMIT :limit"
            )
        return sa.text(
            f"SELECT * FROM (SELECT {_COLUMNS}, CASE WHEN {titled} THEN NULL ELSE ({first}) END "
            f"AS first, {titled} AS titled FROM conversations c "
            f"WHERE c.project_id = :project_id {after} {bound} {_ORDER} LIMIT -1) "
            "WHERE titled OR first IS NOT NULL LIMIT :limit"
        )

    def first_messages(self) -> sa.TextClause:
        """Per conversation in ``:ids``, its first matching message in ``seq`` order.

        ``LIKE`` reads the conversation's messages in order until one matches (under 1 ms
        for a page of 20 conversations of ~100 messages, even for a rare word). Non-ASCII
        queries on SQLite have no ``LIKE``: the lowest search key per conversation among the
        FTS matches names the message (conversations without a matching message are absent).
        """
        if self.fts_only:
            sql = (
                "SELECT c.id, m.content FROM conversations c JOIN ("
                f"SELECT rowid >> {_KEY_BITS} AS cpk, min(rowid) AS skey FROM messages_fts "
                "WHERE messages_fts MATCH :match GROUP BY 1) AS f ON f.cpk = c.pk "
                "JOIN messages m ON m.conversation_id = c.id "
                f"AND m.seq = f.skey - (c.pk << {_KEY_BITS}) WHERE c.id IN :ids"
            )
        else:
            sql = (
                "SELECT c.id, (SELECT m.content FROM messages m WHERE m.conversation_id = c.id "
                f"AND {self._in_conversation()} ORDER BY m.seq LIMIT 1) "
                "FROM conversations c WHERE c.id IN :ids"
            )
        return sa.text(sql).bindparams(sa.bindparam("ids", expanding=True))

    def first_contents(self, conn: sa.Connection, ids: Sequence[str]) -> dict[str, str]:
        """:meth:`first_messages` of ``ids`` as ``{conversation id: content}``, found ones only."""
        if not ids:
            return {}
        found = conn.execute(self.first_messages(), self.params | {"ids": list(ids)})
        return {row[0]: row[1] for row in found if row[1] is not None}


def _indexed(
    conn: sa.Connection, plans: _Plans, after: str, params: dict[str, Any], want: int
) -> tuple[list[Row], dict[str, str]]:
    """The indexed plan's first ``want`` hits after ``after``, with first messages it read.

    With ``plans.recheck`` (SQLite, an ASCII query with ``k`` or ``s``) the FTS gives
    candidates: one whose title does not match is kept only when it has a message that
    ``LIKE`` matches, which its first matching message (the snippet's text) tells. A
    dropped candidate (a Kelvin sign or long s matched, rare) makes it read on.
    """
    if plans.postgres:  # for this read-only transaction only: see the module's docstring
        conn.execute(_INDEX_ONLY)
    rows = conn.execute(plans.indexed_hits(after), params | {"limit": want}).all()
    if not plans.recheck:
        return list(rows), {}
    kept: list[Row] = []
    firsts: dict[str, str] = {}
    while True:
        asked = want - len(kept)
        suspects = [row[0] for row in rows if not plans.title_matches(row[1])]
        firsts |= plans.first_contents(conn, suspects)
        kept += [row for row in rows if row[0] in firsts or row[0] not in suspects]
        if len(kept) == want or len(rows) < asked:
            return kept, firsts
        more, more_params = _after(Cursor(rows[-1][4], rows[-1][0]), "more")
        rows = conn.execute(
            plans.indexed_hits(f"{after} {more}"),
            params | more_params | {"limit": want - len(kept)},
        ).all()


def _walked(rows: Sequence[Row]) -> tuple[list[Row], dict[str, str]]:
    """A walk's rows and the first matching messages it read (see :meth:`_Plans.walk_hits`)."""
    return list(rows), {row[0]: row[5] for row in rows if row[5] is not None}


def _hits(
    conn: sa.Connection, plans: _Plans, cursor: Cursor | None, want: int
) -> tuple[list[Row], dict[str, str]]:
    """The first ``want`` matching conversations after ``cursor``, in result order, and the
    first matching messages of some of them when a plan had to read those anyway."""
    after, params = _after(cursor)
    params |= plans.params
    if plans.fts_only:
        return _indexed(conn, plans, after, params, want)
    if not plans.indexed:
        return _walked(
            conn.execute(plans.walk_hits(after, bounded=False), params | {"limit": want}).all()
        )
    word = (id(conn.engine), plans.query, PROBE_CAP)
    walk_first = WALK_FIRST.get(word) is not None
    budget = (PG_WALK_BUDGET if plans.postgres and not walk_first else WALK_BUDGET) * want
    if budget == 0:  # the walk turned off
        return _indexed(conn, plans, after, params, want)
    probe = plans.probe(after, count=not walk_first)
    started = time.thread_time()  # SQLite runs the probe on this thread
    matches, bound_ms, bound_id = conn.execute(
        probe, params | {"cap": PROBE_CAP, "skip": budget - 1}
    ).one()
    if (
        not walk_first
        and not plans.postgres  # no probe there: the indexed plan's cost tells, below
        and (matches >= PROBE_CAP or time.thread_time() - started > PROBE_COSTLY_S)
    ):
        WALK_FIRST.put(word, True)
    if matches < PROBE_CAP:
        return _indexed(conn, plans, after, params, want)
    walk = params | {"limit": want}
    if bound_ms is None:  # the budget covers every remaining conversation
        return _walked(conn.execute(plans.walk_hits(after, bounded=False), walk).all())
    bound = {"bound_ms": bound_ms, "bound_id": bound_id}
    rows, firsts = _walked(conn.execute(plans.walk_hits(after, bounded=True), walk | bound).all())
    if len(rows) == want:
        return rows, firsts
    rest, rest_params = _after(Cursor(bound_ms, bound_id), "rest")
    started = time.perf_counter()  # PostgreSQL's work is on its server: the wall clock
    more, more_firsts = _indexed(
        conn, plans, f"{after} {rest}", params | rest_params, want - len(rows)
    )
    if plans.postgres and not walk_first and time.perf_counter() - started > PROBE_COSTLY_S:
        WALK_FIRST.put(word, True)
    return [*rows, *more], firsts | more_firsts


def _search(
    conn: sa.Connection, plans: _Plans, query: str, cursor: Cursor | None, limit: int
) -> tuple[list[Row], dict[str, str]]:
    """The hits (up to ``limit + 1``) and the first matching message of those that need one."""
    rows, known = _hits(conn, plans, cursor, limit + 1)
    need = [row[0] for row in rows[:limit] if row[1] is None or find(row[1], query) < 0]
    known |= plans.first_contents(conn, [cid for cid in need if cid not in known])
    # Only these: a title that matches gives the snippet even when a message was read.
    return rows, {cid: known[cid] for cid in need if cid in known}


async def search(
    db: Database, project_id: str, query: str, *, limit: int, cursor: Cursor | None
) -> dict[str, Any]:
    """Return ``{data: [hit…], pagination: {limit, next_cursor}}`` for ``query``."""
    plans = _Plans(db.dialect, project_id, query)
    rows, contents = await db.run(_search, plans, query, cursor, limit)
    page = rows[:limit]
    data = [
        {
            "conversation_id": row[0],
            "title": row[1],
            "snippet": snippet(contents.get(row[0], row[1] or ""), query),
            "message_count": row[2],
            "created_at": row[3],
            "updated_at": row[4],
        }
        for row in page
    ]
    keys = [(row[4], row[0]) for row in rows]
    return {
        "data": data,
        "pagination": {"limit": limit, "next_cursor": next_cursor(keys, len(rows) > limit)},
    }
