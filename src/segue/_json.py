"""JSON bodies read as the app reads them, and written back without changing a value.

segue parses a body to translate it, and the app parses what segue sends on. Starlette and
FastAPI read request bodies with the standard library's ``json.loads``, so segue must read
the same values from the same bytes, and fast. orjson, the fast writer, reads an integer
beyond 64 bits as a float without a word (ijl/orjson#308); pydantic-core's parser reads it
exactly and is the reader (≈0.2 µs slower than orjson on a small body, less than a check of
the bytes for long numbers costs). Where they differ from ``json.loads``:

- pydantic-core refuses lone surrogates (``"\\ud800"``), a byte order mark, UTF-16/32 and
  more than 200 levels of nesting, and is told to refuse ``NaN``/``Infinity``: what it
  refuses is read by the standard library;
- orjson writes neither long integers nor lone surrogates, so :func:`dumps` then falls back;
- orjson writes ``NaN`` as ``null``: the standard library path reads it as
  :class:`NonFinite`, a float orjson will not write, so it is written back as ``NaN``.

Not handled: a number too large for a float (``1e400``) is read as infinity by every parser
here, and orjson writes that as ``null`` where ``json.dumps`` would write ``Infinity``.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from pydantic_core import from_json


class NonFinite(float):
    """``NaN`` or an infinity read from a body, to be written back as it came."""


def loads(raw: bytes) -> Any:
    """The value ``json.loads(raw)`` gives; raises ``orjson.JSONDecodeError`` (a
    ``ValueError``) when neither parser accepts ``raw``."""
    try:
        return from_json(raw, allow_inf_nan=False)
    except ValueError:
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
