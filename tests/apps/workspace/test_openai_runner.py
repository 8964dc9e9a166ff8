"""The openai runner against a fake chat-completions server on 127.0.0.1.

The fake speaks the wire format (JSON answers, and server-sent ``data:`` chunks when
asked to stream), answers from a script and records every request.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
import uvicorn
from tests.apps.servers import free_port
from tests.apps.workspace.agents_helpers import run_to_end, send, settle
from tests.apps.workspace.conftest import Env, start_env

Reply = tuple[int, dict[str, str], bytes]


class FakeModel:
    """A chat-completions endpoint answering scripted replies in order."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.requests.append(
            {"path": scope["path"], "headers": headers, "json": orjson.loads(body)}
        )
        status, extra, payload = self.replies.pop(0) if self.replies else (500, {}, b"{}")
        kind = extra.pop("content-type", "application/json")
        head = [
            (b"content-type", kind.encode()),
            *((k.encode(), v.encode()) for k, v in extra.items()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": head})
        await send({"type": "http.response.body", "body": payload})


def text(content: str) -> Reply:
    choice = {"message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
    return 200, {}, orjson.dumps({"choices": [choice]})


def tools(*calls: tuple[str, str]) -> Reply:
    wire = [
        {"id": f"c{i}", "type": "function", "function": {"name": n, "arguments": a}}
        for i, (n, a) in enumerate(calls)
    ]
    choice = {
        "message": {"role": "assistant", "content": None, "tool_calls": wire},
        "finish_reason": "tool_calls",
    }
    return 200, {}, orjson.dumps({"choices": [choice]})


def sse(*deltas: dict[str, Any]) -> Reply:
    chunks = [{"choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
    body = b"".join(b"data: " + orjson.dumps(c) + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"
    return 200, {"content-type": "text/event-stream"}, body


RATE_LIMITED: Reply = (429, {"retry-after": "0"}, b'{"error": {"message": "slow down"}}')


@pytest.fixture
async def model() -> AsyncIterator[tuple[FakeModel, str]]:
    fake = FakeModel()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(fake, host="127.0.0.1", port=port, log_level="error"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    yield fake, f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    await task


def _env(db_url: str, url: str, **more: Any) -> Any:
    return start_env(
        db_url,
        runner="openai",
        runner_url=url,
        runner_model="fake-1",
        runner_key_env="SEGUE_TEST_MODEL_KEY",
        runner_backoff_ms=1,
        **more,
    )


def _api(env: Env) -> Any:
    assert env.tenant is not None
    return env.tenant.client


async def test_tool_calls_then_an_answer(
    db_url: str, model: tuple[FakeModel, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, url = model
    monkeypatch.setenv("SEGUE_TEST_MODEL_KEY", "sk-test")
    fake.replies = [tools(("add_leads", '{"count": 2}')), text("Added two leads.")]
    async with _env(db_url, url) as env:
        _, run = await run_to_end(_api(env), "Find two leads")
        assert env.tenant is not None
        table_id = env.tenant.table_id
    assert run["status"] == "completed"
    assert run["response"]["text"] == "Added two leads."
    assert run["response"]["actions"] == [
        {"type": "leads_added", "tableId": table_id, "leadCount": 2}
    ]
    first, second = fake.requests
    assert first["path"] == "/v1/chat/completions"
    assert first["headers"]["authorization"] == "Bearer sk-test"
    assert first["json"]["model"] == "fake-1"
    assert "stream" not in first["json"]
    assert [t["function"]["name"] for t in first["json"]["tools"]] == [
        "add_leads",
        "delete_leads",
        "restore_leads",
        "create_table",
        "add_column",
        "ask_questions",
    ]
    messages = second["json"]["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool"]
    assert messages[2]["tool_calls"][0]["function"] == {
        "name": "add_leads",
        "arguments": '{"count":2}',
    }
    result = orjson.loads(messages[3]["content"])
    assert (messages[3]["tool_call_id"], result["count"]) == ("c0", 2)


async def test_a_streamed_answer(db_url: str, model: tuple[FakeModel, str]) -> None:
    fake, url = model
    fake.replies = [
        sse(
            {"role": "assistant", "content": "Let me "},
            {"tool_calls": [{"index": 0, "id": "s1", "function": {"name": "add_le"}}]},
            {"tool_calls": [{"index": 0, "function": {"name": "ads", "arguments": '{"cou'}}]},
            {"tool_calls": [{"index": 0, "function": {"arguments": 'nt": 3}'}}]},
        ),
        sse({"content": "Hel"}, {"content": "lo."}),
    ]
    async with _env(db_url, url, runner_stream=True) as env:
        _, run = await run_to_end(_api(env), "stream it")
    assert run["status"] == "completed"
    assert run["response"]["text"] == "Hello."
    assert [a["leadCount"] for a in run["response"]["actions"]] == [3]
    assert all(r["json"]["stream"] is True for r in fake.requests)


async def test_429_is_retried(db_url: str, model: tuple[FakeModel, str]) -> None:
    fake, url = model
    fake.replies = [RATE_LIMITED, RATE_LIMITED, text("Fine now.")]
    async with _env(db_url, url) as env:
        _, run = await run_to_end(_api(env), "hello")
    assert (run["status"], run["response"]["text"]) == ("completed", "Fine now.")
    assert len(fake.requests) == 3


async def test_429_past_the_retries_ends_errored(db_url: str, model: tuple[FakeModel, str]) -> None:
    fake, url = model
    fake.replies = [RATE_LIMITED] * 4
    async with _env(db_url, url, runner_retries=3) as env:
        _, run = await run_to_end(_api(env), "hello")
    assert run["status"] == "errored"
    assert run["response"]["text"] is None
    assert len(fake.requests) == 4


async def test_questions_and_unparseable_calls(db_url: str, model: tuple[FakeModel, str]) -> None:
    fake, url = model
    ask = '{"questions": [{"question": "Which market?", "options": ["EU", "US"]}]}'
    fake.replies = [tools(("ask_questions", ask)), tools(("add_leads", "{not json")), text("Done.")]
    async with _env(db_url, url) as env:
        api = _api(env)
        agent_id, asked = await run_to_end(api, "hello")
        assert asked["status"] == "needs_input"
        assert asked["todo"]["pendingQuestions"] == [
            {
                "type": "single-choice",
                "question": "Which market?",
                "suggestedAnswers": ["EU", "US"],
                "freeformOption": "Or something else",
            }
        ]
        broken = await settle(api, agent_id, (await send(api, agent_id, "EU"))["id"])
        assert broken["status"] == "incomplete"
        assert broken["response"]["actions"] == []
        # The follow-up carries the whole conversation.
        follow = await settle(api, agent_id, (await send(api, agent_id, "try again"))["id"])
        assert follow["status"] == "completed"
    roles = [m["role"] for m in fake.requests[-1]["json"]["messages"]]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user"]
