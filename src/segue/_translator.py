"""One route's translation between its version and the next newer one, compiled once.

Every path through segue uses the same translator: the one-step fast path works on the
client's bytes (``query``, ``request_body``, ``response``), the general path on a
:class:`~segue.Request`/:class:`~segue.Response` that several version steps share
(``query``, ``request_json``, ``response_json``). The bytes forms are the parsed forms
plus one parse and one serialisation, so a body is parsed once and written once whichever
path it takes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from segue import _json
from segue._exchange import encode_query, is_json_type, parse_query
from segue.changes import BodyChange, QueryChange
from segue.changes._fused import TopDown, fuse
from segue.types import Headers

QUERY_MEMO = 512  # translated query strings kept per route
QUERY_MEMO_BYTES = 256  # longer ones are translated every time

_JSON = (b"content-type", b"application/json")  # by far the commonest, found at C speed


class Translator:
    """Query, request body, response and error body of one route, translated.

    Args:
        query_ops: query changes, in declaration order (applied going up).
        request_ops: request body changes, in declaration order (applied going up).
        response_ops: 2xx response body changes, in reverse declaration order (going down).
        error_ops: error body changes (status ≥ 400), in reverse declaration order.
        label: names the route in tracebacks of the fused response function.
    """

    __slots__ = ("_queries", "error_ops", "fused", "query_ops", "request_ops", "response_ops")

    def __init__(
        self,
        query_ops: Sequence[QueryChange],
        request_ops: Sequence[BodyChange],
        response_ops: Sequence[BodyChange],
        error_ops: Sequence[BodyChange],
        label: str,
    ) -> None:
        self.query_ops = tuple(query_ops)
        self.request_ops = tuple(request_ops)
        self.response_ops = tuple(response_ops)
        self.error_ops = tuple(error_ops)
        # The response changes as one generated function, when every one can say its work
        # as lines over the top-level dict (see ``changes._fused``).
        snippets = [op.down_snippet for op in self.response_ops]
        self.fused: TopDown | None = None
        if snippets and all(s is not None for s in snippets):
            self.fused = fuse([s for s in snippets if s is not None], label)
        # Query strings already translated (clients repeat the same few); bounded, see query.
        self._queries: dict[bytes, bytes] = {}

    # ----------------------------------------------------------------- going up

    def query(self, raw: bytes) -> bytes:
        """The query string ``raw`` translated up.

        ``up_query`` is a function of the pairs alone, so a query string seen before is one
        dict look-up. At most ``QUERY_MEMO`` of at most ``QUERY_MEMO_BYTES`` each are kept:
        queries holding ids or search terms vary without end, and starting over is cheaper
        than tracking which are recent.
        """
        if not self.query_ops:
            return raw
        translated = self._queries.get(raw)
        if translated is None:
            pairs = parse_query(raw)
            for op in self.query_ops:
                pairs = op.up_query(pairs)
            translated = encode_query(pairs)
            if len(raw) <= QUERY_MEMO_BYTES:
                if len(self._queries) >= QUERY_MEMO:
                    self._queries.clear()
                self._queries[raw] = translated
        return translated

    def request_json(self, body: Any) -> Any:
        """A parsed request body translated up (changed in place where it can be)."""
        for op in self.request_ops:
            body = op.up(body)
        return body

    def request_body(self, raw: bytes) -> bytes:
        """A JSON request body translated up; bytes that are not JSON pass untouched, for
        the app's own 400."""
        try:
            parsed = _json.loads(raw)
        except ValueError:
            return raw
        return _json.dumps(self.request_json(parsed))

    # ----------------------------------------------------------------- going down

    def response_json(self, status: int, body: Any) -> Any:
        """A parsed response body translated down (2xx and ≥ 400; others have no changes)."""
        if 200 <= status < 300:
            fused = self.fused
            if fused is not None and type(body) is dict:
                fused(body)
                return body
            ops = self.response_ops
        elif status >= 400:
            ops = self.error_ops
        else:
            return body
        for op in ops:
            body = op.down(body)
        return body

    def response(
        self, status: int, headers: Iterable[tuple[bytes, bytes]], body: bytes, extra: Headers
    ) -> tuple[Headers, bytes]:
        """A response's headers and body translated down, with ``extra`` headers after the
        app's.

        A JSON body the changes concern is parsed, changed and serialised once, and its
        ``content-length`` replaced; any other body passes as it is. ASGI gives header names
        in lower case.
        """
        if type(headers) is not list:  # ASGI allows any iterable; it is read more than once
            headers = list(headers)
        ops = self.response_ops if 200 <= status < 300 else self.error_ops if status >= 400 else ()
        if not ops or not body or not (_JSON in headers or _declares_json(headers)):
            return [*headers, *extra], body
        try:
            payload = _json.loads(body)
        except ValueError:  # a body that says JSON but is not: passed on as it is
            return [*headers, *extra], body
        body = _json.dumps(self.response_json(status, payload))
        length = (b"content-length", b"%d" % len(body))
        out = headers + extra
        if out and out[0][0] == b"content-length":  # where Starlette puts it
            out[0] = length
        else:
            _replace_length(out, length)
        return out, body


def _replace_length(headers: Headers, length: tuple[bytes, bytes]) -> None:
    for position, item in enumerate(headers):
        if item[0] == b"content-length":
            headers[position] = length
            return
    headers.append(length)


def _declares_json(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    return any(name == b"content-type" and is_json_type(value) for name, value in headers)
