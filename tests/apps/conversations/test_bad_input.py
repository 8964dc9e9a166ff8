"""Input no store can take is a 4xx in the envelope, and writes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

JSON = {"content-type": "application/json"}
DEEP = '{"a":' * 40 + "1" + "}" * 40

UNSTORABLE = [
    pytest.param('{"metadata": {"n": 18446744073709551616}}', "integers must fit", id="int-2**64"),
    pytest.param(
        '{"metadata": {"a": [{"n": -9223372036854775809}]}}', "integers must fit", id="nested-int"
    ),
    pytest.param('{"metadata": {"n": NaN}}', "numbers must be finite", id="nan"),
    pytest.param('{"title": "a\\u0000b"}', "NUL characters", id="nul"),
    pytest.param('{"metadata": {"\\ud800": 1}}', "lone surrogates", id="surrogate-key"),
    pytest.param('{"metadata": ' + DEEP + "}", "nest more than 32", id="deep"),
    pytest.param(
        '{"messages": [{"role": "user", "content": "x", "token_count": 2147483648}]}',
        "less than or equal to 2147483647",
        id="token-count",
    ),
]


async def _count(api: httpx.AsyncClient) -> int:
    total: int = (await api.get("/api/v2/conversations")).json()["pagination"]["total"]
    return total


def _bad_request(response: httpx.Response, fragment: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "BAD_REQUEST"
    assert fragment in error["message"]


@pytest.mark.parametrize(("body", "fragment"), UNSTORABLE)
@pytest.mark.parametrize("prefix", ["/api/v2", "/v1"])
async def test_unstorable_body_is_400_and_creates_nothing(api, prefix, body, fragment):
    """Created through either version, such a body is refused before the store runs."""
    response = await api.post(f"{prefix}/conversations", content=body, headers=JSON)
    _bad_request(response, fragment)
    assert await _count(api) == 0


@pytest.mark.parametrize(("body", "fragment"), UNSTORABLE[:6])
async def test_unstorable_patch_changes_nothing(api, create, body, fragment):
    """A PATCH with such a value leaves the conversation as it was."""
    made = await create(api, title="kept", metadata={"k": 1})
    url = f"/api/v2/conversations/{made['conversation_id']}"
    _bad_request(await api.patch(url, content=body, headers=JSON), fragment)
    assert (await api.get(url)).json() == made


async def test_unstorable_message_metadata_appends_nothing(api, create):
    """An append whose last message holds a 65-bit integer appends none of them."""
    made = await create(api)
    url = f"/api/v2/conversations/{made['conversation_id']}/messages"
    body = (
        '{"messages": [{"role": "user", "content": "ok"},'
        ' {"role": "user", "content": "x", "metadata": {"n": -18446744073709551616}}]}'
    )
    _bad_request(await api.post(url, content=body, headers=JSON), "integers must fit")
    assert (await api.get(url)).json()["data"] == []


@pytest.mark.parametrize("query", ["start=18446744073709551616", "end=253402300800000", "start=-1"])
@pytest.mark.parametrize("route", ["summary", "timeseries", "tags"])
async def test_analytics_period_beyond_year_9999_is_400(api, route, query):
    """Period ends are bounded in the query, so no SQL or date arithmetic overflows."""
    response = await api.get(f"/api/v2/analytics/{route}?{query}")
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "BAD_REQUEST"


async def test_token_sums_stay_in_64_bits(api, create):
    """The largest token counts allowed add up without overflow in the analytics."""
    biggest = {"role": "user", "content": "x", "token_count": 2**31 - 1}
    await create(api, messages=[biggest] * 1000)
    await create(api, messages=[biggest] * 1000)
    response = await api.get("/api/v2/analytics/summary")
    assert response.status_code == 200, response.text
    assert response.json()["total_tokens"] == 2000 * (2**31 - 1)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v2/conversations/search?q=a%00b",
        "/api/v2/conversations/abc%00",
        "/v1/conversations/abc%00",
        "/api/v2/conversations/abc/tags/x%00",
    ],
)
async def test_nul_in_path_or_query_is_400(api, url):
    """A NUL never reaches a query: the FTS5 phrase or PostgreSQL text would break on it."""
    response = await api.get(url) if "tags" not in url else await api.delete(url)
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "BAD_REQUEST", "message": "NUL characters are not allowed"}
    }


TITLE = 'say "hi" * NEAR(x) OR y 100%_done ^col: -z'


@pytest.mark.parametrize(
    "q", ['"hi"', "* NEAR(x)", "OR y", "100%_", "^col:", "-z", 'y 100%_done ^col: -z"']
)
async def test_search_text_is_data_not_query_syntax(api, create, q):
    """FTS5 operators, quotes and LIKE wildcards in ``q`` are matched literally."""
    wanted = await create(api, title=TITLE)
    await create(api, title="something else entirely")
    response = await api.get("/api/v2/conversations/search", params={"q": q})
    assert response.status_code == 200, response.text
    found = [hit["conversation_id"] for hit in response.json()["data"]]
    assert found == ([wanted["conversation_id"]] if q in TITLE else [])


async def test_body_over_the_cap_is_413_and_creates_nothing(api):
    """A body past 4 MiB is refused before it is parsed."""
    body = b'{"title": "' + b"a" * (4 * 1_048_576) + b'"}'
    response = await api.post("/api/v2/conversations", content=body, headers=JSON)
    assert response.status_code == 413
    assert response.json() == {
        "error": {"code": "PAYLOAD_TOO_LARGE", "message": "Request body exceeds 4194304 bytes"}
    }
    assert await _count(api) == 0


async def test_chunked_body_over_the_cap_is_413(api):
    """Without a Content-Length the body is counted as it arrives."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"title": "'
        for _ in range(5):
            yield b"a" * 1_048_576
        yield b'"}'

    response = await api.post("/api/v2/conversations", content=chunks(), headers=JSON)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert await _count(api) == 0


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_body_that_is_not_json_is_415(api, content_type):
    """Only a JSON body is read; anything else is refused, whatever it contains."""
    headers = {"content-type": content_type} if content_type else {}
    response = await api.post("/api/v2/conversations", content=b'{"title": "t"}', headers=headers)
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert await _count(api) == 0


@pytest.mark.parametrize("prefix", ["/api/v2", "/v1"])
async def test_duplicate_keys_the_last_wins(api, prefix):
    """``{"title": "a", "title": "b"}`` is titled ``b`` in every version (README)."""
    body = '{"title": "a", "metadata": {"k": 1, "k": 2}, "title": "b"}'
    response = await api.post(f"{prefix}/conversations", content=body, headers=JSON)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    assert (made["title"], made["metadata"]) == ("b", {"k": 2})
