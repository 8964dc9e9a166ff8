"""Search snippets: about 40 characters before the match, at most 200, ``…`` where cut."""

from __future__ import annotations

BEFORE = 40
MAX_LENGTH = 200
ELLIPSIS = "…"


def find(text: str, query: str) -> int:
    """Return where ``query`` first occurs in ``text`` ignoring case, or -1."""
    lowered, needle = text.lower(), query.lower()
    if len(lowered) == len(text):
        return lowered.find(needle)
    # Rare characters change length when lowered; fall back to a position-safe scan.
    width = len(query)
    return next((i for i in range(len(text)) if text[i : i + width].lower() == needle), -1)


def snippet(text: str, query: str) -> str:
    """Cut ``text`` around the first case-insensitive occurrence of ``query``.

    The window starts about :data:`BEFORE` characters ahead of the match and holds at
    most :data:`MAX_LENGTH` characters, ellipses included.

    Example:
        >>> snippet("Chat about pricing", "PRICING")
        'Chat about pricing'
    """
    at = max(find(text, query), 0)
    start = max(at - BEFORE, 0)
    head = ELLIPSIS if start > 0 else ""
    room = MAX_LENGTH - len(head)
    if len(text) - start > room:
        return head + text[start : start + room - 1] + ELLIPSIS
    return head + text[start:]
