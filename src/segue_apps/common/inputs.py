"""What a request value must be before it may reach a database (sans-IO).

A JSON body can carry values that parse fine and then fail deep inside a store: integers
beyond 64 bits (SQLite's ``INTEGER``, PostgreSQL's ``BIGINT`` and orjson all stop there),
``NaN`` and infinities (not JSON; orjson would silently write ``null``), NUL characters
(PostgreSQL text cannot hold one, SQLite's FTS5 ends a string at one), lone surrogates
(not encodable as UTF-8) and nesting deeper than orjson writes. Request models derive
from :class:`InputModel`, which checks every field's value, nested ones included, so such
input is a validation error (400 in the service's envelope) before a route runs.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, field_validator

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MAX_DEPTH = 32
"""Deepest nesting of objects and arrays accepted inside one field."""
MAX_MS = 253_402_300_799_999
"""The last millisecond of year 9999 (UTC): the latest timestamp a request may name."""


def check_text(text: str) -> str:
    """Return ``text`` when every character can be stored, else raise ``ValueError``.

    Example:
        >>> check_text("fine")
        'fine'
    """
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("must not contain lone surrogates") from None
    return text


def check_json(value: Any, depth: int = 0) -> Any:
    """Return ``value`` when all of it can be stored as JSON, else raise ``ValueError``.

    Example:
        >>> check_json({"n": 2**64})
        Traceback (most recent call last):
        ...
        ValueError: integers must fit in 64 bits
    """
    if isinstance(value, str):
        return check_text(value)
    if isinstance(value, bool) or value is None or isinstance(value, BaseModel):
        return value  # a nested model has checked its own fields
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise ValueError("integers must fit in 64 bits")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("numbers must be finite")
        return value
    if isinstance(value, dict | list | tuple | set | frozenset):
        if depth >= MAX_DEPTH:
            raise ValueError(f"must not nest more than {MAX_DEPTH} levels deep")
        if isinstance(value, dict):
            for key in value:
                check_text(key)
        for item in value.values() if isinstance(value, dict) else value:
            check_json(item, depth + 1)
    return value


class InputModel(BaseModel):
    """A request body whose every field passes :func:`check_json`."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return check_json(value)
