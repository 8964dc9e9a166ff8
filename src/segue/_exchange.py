"""Requests and responses in flight between versions: plain data, no ASGI.

A body is parsed at most once (``_json``) and serialised at most once, however many version
steps and changes touch it: every step mutates the same parsed value.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from segue import _json
from segue.types import Headers

_JSON_TYPES = (b"application/json", b"application/problem+json")
# Names and values that ``urlencode`` would leave as they are, with the separators between.
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9_.~=&-]*")


class _Body:
    """Raw bytes, parsed lazily; once parsed, the parsed value is the truth."""

    __slots__ = ("_json", "_parsed", "_raw")

    def __init__(self, raw: bytes = b"", json: Any = None, *, parsed: bool = False) -> None:
        self._raw, self._json, self._parsed = raw, json, parsed

    @property
    def json(self) -> Any:
        if not self._parsed:
            self._json = _json.loads(self._raw) if self._raw else None
            self._parsed = True
        return self._json

    @json.setter
    def json(self, value: Any) -> None:
        self._json, self._parsed = value, True

    @property
    def content(self) -> bytes:
        """The body as bytes, serialised once if it was parsed (and perhaps changed)."""
        if self._parsed:
            self._raw = b"" if self._json is None else _json.dumps(self._json)
            self._parsed = False
        return self._raw


def header(headers: Headers, name: bytes) -> bytes | None:
    """The first value of header ``name`` (lower-case), or ``None``."""
    for key, value in headers:
        if key == name:
            return value
    return None


def is_json(headers: Headers, *, default: bool = False) -> bool:
    """Whether the content-type is JSON (bodies of other types are never touched).

    ``default`` answers for a body with no content-type (clients often omit it on requests).
    """
    ctype = header(headers, b"content-type")
    return default if ctype is None else is_json_type(ctype)


def is_json_type(ctype: bytes) -> bool:
    """Whether a content-type value names JSON (``application/json``, ``…+json``)."""
    if ctype == b"application/json":  # by far the most common spelling
        return True
    ctype = ctype.split(b";", 1)[0].strip().lower()
    return ctype in _JSON_TYPES or ctype.endswith(b"+json")


def parse_query(raw: bytes) -> list[tuple[str, str]]:
    """Parse a query string; plain ``a=b&c=d`` skips the general (slower) parser."""
    if not raw:
        return []
    text = raw.decode("latin-1")
    if "%" in text or "+" in text or ";" in text:
        return parse_qsl(text, keep_blank_values=True)
    return [pair.partition("=")[::2] for pair in text.split("&") if pair]


def encode_query(pairs: list[tuple[str, str]]) -> bytes:
    """``urlencode(pairs)``, skipping its per-character quoting when nothing needs it."""
    if not pairs:
        return b""
    text = "&".join([f"{name}={value}" for name, value in pairs])
    # Exactly one ``=`` per pair and one ``&`` between pairs: no name or value holds either.
    if (
        _PLAIN_QUERY.fullmatch(text)
        and text.count("=") == len(pairs)
        and text.count("&") == len(pairs) - 1
    ):
        return text.encode()
    return urlencode(pairs).encode()


def has_body(headers: Headers) -> bool:
    """Whether a request announces a body (RFC 9112 §6.3: without ``content-length`` or
    ``transfer-encoding`` it has none), so a bodiless request is never read or replayed."""
    for key, value in headers:
        if key == b"transfer-encoding" or (key == b"content-length" and value != b"0"):
            return True
    return False


class Request(_Body):
    """A request relative to its version's prefix.

    Attributes:
        method: HTTP method, upper-case.
        path: path below the version prefix, e.g. ``/conversations/abc``.
        query: query parameters in order, repeated names allowed.
        headers: lower-case header names, as ASGI gives them.
        path_params: parameters matched in the *old* version's route, for adapters.
    """

    __slots__ = ("_query", "_query_raw", "headers", "method", "path", "path_params")

    def __init__(
        self,
        method: str,
        path: str,
        *,
        query: list[tuple[str, str]] | None = None,
        query_string: bytes = b"",
        headers: Headers | None = None,
        body: bytes = b"",
        json: Any = None,
        path_params: dict[str, str] | None = None,
    ) -> None:
        super().__init__(body, json, parsed=json is not None)
        self.method, self.path = method, path
        self._query, self._query_raw = query, query_string
        self.headers = headers or []
        self.path_params = path_params or {}

    @property
    def query(self) -> list[tuple[str, str]]:
        """Query parameters in order (parsed on first use; the raw string is kept till then)."""
        if self._query is None:
            self._query = parse_query(self._query_raw)
        return self._query

    @query.setter
    def query(self, pairs: list[tuple[str, str]]) -> None:
        self._query = pairs

    @property
    def query_string(self) -> bytes:
        """The query string as sent on (re-encoded only when ``query`` was set or read)."""
        return self._query_raw if self._query is None else encode_query(self._query)

    @query_string.setter
    def query_string(self, raw: bytes) -> None:
        self._query, self._query_raw = None, raw


class Response(_Body):
    """A response: status, headers (lower-case names) and a lazily parsed body."""

    __slots__ = ("headers", "status")

    def __init__(
        self,
        status: int,
        json: Any = None,
        *,
        headers: Headers | None = None,
        body: bytes = b"",
    ) -> None:
        parsed = json is not None
        super().__init__(body, json, parsed=parsed)
        self.status = status
        self.headers = headers or ([(b"content-type", b"application/json")] if parsed else [])

    @property
    def is_json(self) -> bool:
        return is_json(self.headers)

    def final_headers(self) -> Headers:
        """Headers with ``content-length`` matching the (possibly rewritten) body."""
        body = self.content
        out = [(k, v) for k, v in self.headers if k != b"content-length"]
        out.append((b"content-length", str(len(body)).encode()))
        return out
