"""Case-insensitive substring search over titles and message content, through an index.

Results are newest-updated first with the compound ``updated_at`` cursor of the list
route; the snippet comes from the title when it matches, else from the conversation's
first matching message (lowest ``seq``).

Two plans find the hits, chosen per request so that neither does work proportional to
every matching message of a common word:

* **indexed**: the search index lists every matching message, the rows are joined to
  their conversations and sorted. Cost grows with the number of matching messages (a word
  in 50k messages costs ~90 ms on SQLite), so it is used when a capped count of the
  matches (the *probe*, ``LIMIT`` :data:`PROBE_CAP` over the index) stays below the cap.
* **walk**: the project's conversations newest-first through the
  ``(project_id, updated_at, id)`` index, keeping those whose title or some message
  matches, stopping after ``limit + 1`` hits. Common words hit within the first few
  conversations, so this costs well under a millisecond for them. The walk visits at most
  :data:`WALK_BUDGET` conversations per requested row; when that is not enough (a word
  common overall but concentrated in old conversations or in other projects) the indexed
  plan continues strictly after the last walked conversation, so the page is the same.

SQLite: the index is the FTS5 ``trigram`` tables (see the initial migration); a quoted
phrase query is a substring match that folds case for all of Unicode. The walk and
queries shorter than a trigram use ``LIKE``, which folds ASCII case only. To keep the two
plans identical, an ASCII query is matched with ``LIKE`` semantics in both (the FTS plan
rechecks its rows with ``LIKE`` when the query has a ``k`` or ``s``, which FTS would also
match to the Kelvin sign and long s); a query with non-ASCII characters always uses the
FTS plan (Unicode case folding). Queries of 1-2 characters cannot use the trigram index
and always walk.

PostgreSQL: ``ILIKE '%q%'`` in both plans (``pg_trgm`` GIN indexes serve the indexed plan;
the walk reads each conversation's messages through the ``(conversation_id, seq)`` index),
so the plans agree by construction. There is no probe (see ``_Plans.probe``): the walk
goes first with :data:`PG_WALK_BUDGET`, about 6 ms wasted on a rare word.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from segue_apps.common.db import Database
from segue_apps.common.pagination import Cursor, next_cursor
from segue_apps.conversations.snippets import find, snippet

_TRIGRAM = 3
PROBE_CAP = 2000
"""Matching messages (over all projects) from which the walk plan is preferred."""
WALK_BUDGET = 10
"""Conversations the walk may visit per requested row before the indexed plan takes over
(0: never walk, except SQLite queries too short for the trigram index)."""
PG_WALK_BUDGET = 2
"""The same on PostgreSQL, where the walk runs without a probe (see ``_Plans.probe``)."""

_COLUMNS = "c.id, c.title, c.message_count, c.created_at, c.updated_at"
_ORDER = "ORDER BY c.updated_at DESC, c.id DESC"


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
        self.recheck = not self.fts_only and not {"k", "s"}.isdisjoint(query.lower())
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

    def _matching(self, alias: str, column: str, table: str) -> str:
        """Condition "``alias.column`` contains the query" for the indexed plan."""
        if self.postgres:
            return self._like_on(f"{alias}.{column}")
        fts = f"{alias}.pk IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH :match)"
        return f"{fts} AND {self._like_on(f'{alias}.{column}')}" if self.recheck else fts

    def probe(self, after: str) -> sa.TextClause:
        """Count matching messages up to the cap; the walk's stopping point after ``after``.

        The bound is the ``(updated_at, id)`` of the conversation the walk budget ends on,
        absent when fewer conversations remain. PostgreSQL does not count: a GIN scan
        cannot stop at a ``LIMIT`` (it builds the bitmap of every candidate row first; 15 ms
        for a word in 20k of 1M messages) and the planner's estimate of common words turns
        it into a sequential scan (50 ms), so there the walk always goes first, with a
        smaller budget, and the count is reported as the cap.
        """
        matches = (
            "CAST(:cap AS INTEGER)"
            if self.postgres
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

        On SQLite the project filter is written ``+x.project_id``: the unary plus keeps
        SQLite from driving the query through the project index (a scan of the whole
        project) instead of the FTS match (only the matching rows).
        """
        pin = "" if self.postgres else "+"
        title = self._matching("t", "title", "conversations")
        return sa.text(
            f"SELECT {_COLUMNS} FROM conversations c WHERE c.id IN ("
            f"SELECT t.id FROM conversations t WHERE {title} "
            f"AND {pin}t.project_id = :project_id UNION "
            "SELECT m.conversation_id FROM messages m WHERE "
            f"{self._matching('m', 'content', 'messages')} AND {pin}m.project_id = :project_id) "
            f"AND {pin}c.project_id = :project_id {after} {_ORDER} LIMIT :limit"
        )

    def walk_hits(self, after: str, bounded: bool) -> sa.TextClause:
        """Conversations newest-first, kept when the title or a message matches.

        PostgreSQL gets the message test as a ``LATERAL ... LIMIT 1``, which the planner
        can only run per conversation (an ``EXISTS`` under ``OR`` may become a hashed
        subplan over every matching message).
        """
        bound = (
            "AND c.updated_at >= :bound_ms AND (c.updated_at > :bound_ms OR c.id >= :bound_id)"
            if bounded
            else ""
        )
        first = (
            "SELECT 1 AS hit FROM messages m WHERE m.conversation_id = c.id AND "
            f"{self._in_conversation()}"
        )
        if self.postgres:
            return sa.text(
                f"SELECT {_COLUMNS} FROM conversations c LEFT JOIN LATERAL ("
                f"{first} ORDER BY m.seq LIMIT 1) "
                "AS msg ON true WHERE c.project_id = :project_id "
                f"{after} {bound} AND ({self._like_on('c.title')} OR msg.hit IS NOT NULL) "
                f"{_ORDER} LIMIT :limit"
            )
        return sa.text(
            f"SELECT {_COLUMNS} FROM conversations c WHERE c.project_id = :project_id "
            f"{after} {bound} AND ({self._like_on('c.title')} OR EXISTS ({first})) "
            f"{_ORDER} LIMIT :limit"
        )

    def first_messages(self) -> sa.TextClause:
        """Per conversation in ``:ids``, its first matching message in ``seq`` order."""
        if self.fts_only:
            # No LIKE for these; the FTS rows of the query, ranked per conversation.
            sql = (
                "SELECT conversation_id, content FROM ("
                "SELECT m.conversation_id, m.content, ROW_NUMBER() OVER "
                "(PARTITION BY m.conversation_id ORDER BY m.seq) AS rn FROM messages m "
                f"WHERE m.conversation_id IN :ids AND {self._matching('m', 'content', 'messages')}"
                ") AS firsts WHERE rn = 1"
            )
        else:
            sql = (
                "SELECT c.id, (SELECT m.content FROM messages m WHERE m.conversation_id = c.id "
                f"AND {self._in_conversation()} ORDER BY m.seq LIMIT 1) "
                "FROM conversations c WHERE c.id IN :ids"
            )
        return sa.text(sql).bindparams(sa.bindparam("ids", expanding=True))


def _hits(
    conn: sa.Connection, plans: _Plans, cursor: Cursor | None, want: int
) -> Sequence[sa.Row[*tuple[Any, ...]]]:
    """The first ``want`` matching conversations after ``cursor``, in result order."""
    after, params = _after(cursor)
    params |= plans.params | {"limit": want}
    if plans.fts_only:
        return (conn.execute(plans.indexed_hits(after), params)).all()
    if not plans.indexed:
        return (conn.execute(plans.walk_hits(after, bounded=False), params)).all()
    budget = (PG_WALK_BUDGET if plans.postgres else WALK_BUDGET) * want
    if budget == 0:  # the walk turned off
        return (conn.execute(plans.indexed_hits(after), params)).all()
    probe = conn.execute(plans.probe(after), params | {"cap": PROBE_CAP, "skip": budget - 1})
    matches, bound_ms, bound_id = probe.one()
    if matches < PROBE_CAP:
        return (conn.execute(plans.indexed_hits(after), params)).all()
    if bound_ms is None:  # the budget covers every remaining conversation
        return (conn.execute(plans.walk_hits(after, bounded=False), params)).all()
    bound = {"bound_ms": bound_ms, "bound_id": bound_id}
    rows = (conn.execute(plans.walk_hits(after, bounded=True), params | bound)).all()
    if len(rows) == want:
        return rows
    rest, rest_params = _after(Cursor(bound_ms, bound_id), "rest")
    more = conn.execute(
        plans.indexed_hits(f"{after} {rest}"),
        params | rest_params | {"limit": want - len(rows)},
    )
    return [*rows, *more.all()]


def _search(
    conn: sa.Connection, plans: _Plans, query: str, cursor: Cursor | None, limit: int
) -> tuple[Sequence[sa.Row[*tuple[Any, ...]]], dict[str, str]]:
    """The hits (up to ``limit + 1``) and the first matching message of those that need one."""
    rows = _hits(conn, plans, cursor, limit + 1)
    need_content = [row[0] for row in rows[:limit] if row[1] is None or find(row[1], query) < 0]
    contents: dict[str, str] = {}
    if need_content:
        found = conn.execute(plans.first_messages(), plans.params | {"ids": need_content})
        contents = {row[0]: row[1] for row in found if row[1] is not None}
    return rows, contents


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
