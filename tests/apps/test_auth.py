"""The shared reading of ``Authorization: Bearer <key>`` from an ASGI scope."""

from __future__ import annotations

import pytest

from segue_apps.common.auth import authorization, bearer_token


def scope(*headers: tuple[bytes, bytes]) -> dict[str, object]:
    return {"type": "http", "headers": list(headers)}


@pytest.mark.parametrize(
    ("header", "token"),
    [
        (b"Bearer as_live_abc", "as_live_abc"),
        (b"bearer as_live_abc", "as_live_abc"),
        (b"Bearer  as_live_abc ", "as_live_abc"),
        (b"Bearer", None),
        (b"Bearer ", None),
        (b"Basic as_live_abc", None),
    ],
)
def test_bearer_token_reads_the_key_of_a_bearer_header(header: bytes, token: str | None) -> None:
    """The scheme is case-insensitive; another scheme or an empty key reads as no key."""
    assert bearer_token(scope((b"authorization", header))) == token


def test_no_authorization_header_is_no_key() -> None:
    """Without the header both readers answer ``None``."""
    assert authorization(scope((b"accept", b"*/*"))) is None
    assert bearer_token(scope()) is None


def test_the_first_authorization_header_counts() -> None:
    """A repeated header is read as its first occurrence, as Starlette reads it."""
    repeated = scope((b"authorization", b"Bearer first"), (b"authorization", b"Bearer second"))
    assert authorization(repeated) == "Bearer first"
    assert bearer_token(repeated) == "first"
