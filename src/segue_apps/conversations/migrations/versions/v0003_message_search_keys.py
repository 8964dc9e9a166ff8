"""SQLite: the message search index keyed by conversation, so a match names its conversation.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

The FTS5 rowid of a message was ``messages.pk``: to know which conversation a match
belongs to, search read every matching message row (a random row of a large table each,
2.4 ms for a word in 1,100 of 1M messages against 0.4 ms for the match itself). Here the
rowid becomes the message's *search key* ``conversations.pk * 2**32 + seq``, so
``rowid >> 32`` is the conversation's ``pk`` and search reads no message to sort its hits.

No column holds the key, so ``messages_fts`` becomes a contentless table (``content=''``;
it never returns column values, which search does not read) kept by triggers that look the
conversation's ``pk`` up. A contentless FTS5 table can only delete a row given its exact
key and text, and the key needs the conversation row: a ``BEFORE DELETE`` trigger on
conversations therefore deletes the messages itself, while the conversation still exists
(``ON DELETE CASCADE`` would run after it is gone). Keys stay integers while conversation
``pk`` < 2**31 and ``seq`` < 2**32.

PostgreSQL's search (``pg_trgm`` on the tables themselves) is unchanged: nothing to do.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_KEY = "c.pk * 4294967296 + {row}.seq"
_CONVERSATION = "FROM conversations c WHERE c.id = {row}.conversation_id"


def _add(row: str) -> str:
    return (
        f"INSERT INTO messages_fts(rowid, content) SELECT {_KEY.format(row=row)}, "
        f"{row}.content {_CONVERSATION.format(row=row)};"
    )


def _remove(row: str) -> str:
    return (
        "INSERT INTO messages_fts(messages_fts, rowid, content) SELECT 'delete', "
        f"{_KEY.format(row=row)}, {row}.content {_CONVERSATION.format(row=row)};"
    )


_DROP_OLD = [
    "DROP TRIGGER messages_fts_ai",
    "DROP TRIGGER messages_fts_ad",
    "DROP TRIGGER messages_fts_au",
    "DROP TABLE messages_fts",
]

_CREATE = [
    "CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='', tokenize='trigram')",
    f"CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN {_add('new')} END",
    f"CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN {_remove('old')} END",
    "CREATE TRIGGER messages_fts_au AFTER UPDATE OF content ON messages BEGIN "
    f"{_remove('old')} {_add('new')} END",
    "CREATE TRIGGER conversations_messages_bd BEFORE DELETE ON conversations BEGIN "
    "DELETE FROM messages WHERE conversation_id = old.id; END",
]

FILL = (
    "INSERT INTO messages_fts(rowid, content) SELECT c.pk * 4294967296 + m.seq, m.content "
    "FROM conversations c JOIN messages m ON m.conversation_id = c.id ORDER BY c.pk, m.seq"
)
"""Index every message, in key order (FTS5 flushes its buffer whenever a rowid goes back)."""

# Revision 0001's table and triggers, for the downgrade.
_OLD = [
    "CREATE VIRTUAL TABLE messages_fts USING fts5("
    "content, content='messages', content_rowid='pk', tokenize='trigram')",
    "CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN "
    "INSERT INTO messages_fts(rowid, content) VALUES (new.pk, new.content); END",
    "CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, content) "
    "VALUES ('delete', old.pk, old.content); END",
    "CREATE TRIGGER messages_fts_au AFTER UPDATE OF content ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, content) "
    "VALUES ('delete', old.pk, old.content); "
    "INSERT INTO messages_fts(rowid, content) VALUES (new.pk, new.content); END",
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in [*_DROP_OLD, *_CREATE, FILL]:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER conversations_messages_bd")
    for statement in [*_DROP_OLD, *_OLD]:
        op.execute(statement)
