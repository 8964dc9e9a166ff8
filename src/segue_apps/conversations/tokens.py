"""How many tokens a message counts for.

Rule: a message's ``token_count`` is the client-supplied ``token_count`` when the message
has one; otherwise a deterministic estimate, the number of matches of the regular
expression ``\\w+|[^\\w\\s]`` in ``content`` (each run of word characters counts one, each
other non-space character counts one). ``"Hi there!"`` → 3. A conversation's
``token_count`` is the sum over its messages.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\w+|[^\w\s]")


def estimate_tokens(content: str) -> int:
    """Return the deterministic token estimate of ``content``.

    Example:
        >>> estimate_tokens("Hi there!")
        3
    """
    return sum(1 for _ in _TOKEN.finditer(content))


def message_tokens(content: str, supplied: int | None) -> int:
    """Return ``supplied`` when the client gave one, else the estimate."""
    return supplied if supplied is not None else estimate_tokens(content)
