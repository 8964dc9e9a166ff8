"""JSON bodies read as the app reads them, and written back without changing a value.

segue parses a body to translate it, and the app parses what segue sends on. Starlette and
FastAPI read request bodies with the standard library's ``json.loads``, so segue must read
the same values from the same bytes. orjson is the fast path, but it differs in four ways:

- an integer beyond 64 bits becomes a float, silently (ijl/orjson#308), so a long number is
  read by the standard library;
- a lone surrogate (``"\\ud800"``), ``NaN``/``Infinity``, a byte order mark and UTF-16/32
  are refused, so what orjson refuses is read by the standard library too;
- it writes neither those integers nor lone surrogates, so :func:`dumps` then falls back;
- it writes ``NaN`` as ``null``: the standard library path reads it as :class:`NonFinite`,
  a float orjson will not write, so it is written back as ``NaN``.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# orjson reads integers in [-2**63, 2**64) exactly, and those have at most 20 digits. A run of
# 20 digits anywhere (a string too) sends the body to the standard library: slower, exact.
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_RUN = b"0" * 20


class NonFinite(float):
    """``NaN`` or an infinity read from a body, to be written back as it came."""


def loads(raw: bytes) -> Any:
    """The value ``json.loads(raw)`` gives; raises ``orjson.JSONDecodeError`` (a
    ``ValueError``) when neither parser accepts ``raw``."""
    if _LONG_RUN not in raw.translate(_DIGITS_AS_ZERO):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(raw, parse_constant=NonFinite)
    except (ValueError, RecursionError):  # malformed for both: orjson's error, which callers know
        return orjson.loads(raw)


def dumps(value: Any) -> bytes:
    """``value`` as compact JSON, every value as it was read."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError as refused:  # long integers, lone surrogates, NonFinite
        try:
            return json.dumps(value, separators=(",", ":")).encode()
        except (TypeError, ValueError, RecursionError):  # not JSON at all: orjson's error
            raise refused from None
