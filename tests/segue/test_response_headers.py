"""Old-version answers carry one right ``content-length`` whatever the app sent: in another
order, with ``+json`` types, as lists, or streamed in pieces without a length."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from segue import FieldRenamed, Segue, Version
from segue.types import Receive, Scope, Send

BODY = orjson.dumps({"widget_id": "w1", "name": "Bolt"})


def app_sending(headers: list[Any], pieces: list[bytes]) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for number, piece in enumerate(pieces, 1):
            more = number < len(pieces)
            await send({"type": "http.response.body", "body": piece, "more_body": more})

    return app


LENGTH = (b"content-length", b"%d" % len(BODY))
CASES = {
    "type first": ([(b"content-type", b"application/json"), LENGTH], [BODY]),
    "problem+json": ([LENGTH, (b"content-type", b"application/problem+json")], [BODY]),
    "lists, not tuples": ([list(LENGTH), [b"content-type", b"application/json"]], [BODY]),
    "streamed, no length": ([(b"content-type", b"application/json")], [BODY[:7], BODY[7:]]),
}


@pytest.mark.parametrize("case", CASES)
async def test_old_answer_has_one_right_length(case: str) -> None:
    headers, pieces = CASES[case]
    api = Segue(
        app_sending(headers, pieces),
        [
            Version("v2", ["/api/v2"]),
            Version("v1", ["/v1"], [FieldRenamed("id", "widget_id")]),
        ],
        routes=["GET /widgets/{id}"],
    )
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/v1/widgets/w1")
    assert response.json() == {"id": "w1", "name": "Bolt"}
    lengths = [v for k, v in response.headers.multi_items() if k == "content-length"]
    assert lengths == [str(len(response.content))]
