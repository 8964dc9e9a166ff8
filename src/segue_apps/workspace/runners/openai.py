"""A runner backed by an OpenAI-compatible chat-completions endpoint.

Each step is one ``POST {url}/chat/completions`` with the agent's conversation (its
earlier runs, then this run's transcript) and the workspace tools as functions:
``add_leads``, ``delete_leads``, ``restore_leads``, ``create_table``, ``add_column`` (the
service applies them, see :mod:`~segue_apps.workspace.runners`) and ``ask_questions``
(the run ends ``needs_input``). An answer without tool calls is the run's answer
(``completed``); tool-call arguments that are not a JSON object, or an answer cut at the
token limit in the middle of a tool call, end it ``incomplete``.

With ``stream`` the request asks for ``stream: true`` and the answer is read as
server-sent events (``data: {chunk}`` lines, ``data: [DONE]``), text and tool-call
fragments joined; either way the runner reads whichever form the server sends.

**429 and 5xx answers are retried** ``retries`` times (default 3), waiting the answer's
``Retry-After`` seconds when it gives one, else ``backoff_ms`` doubled each time (500 ms,
1 s, 2 s); then the run ends ``errored`` (``MODEL_RATE_LIMITED`` or ``MODEL_ERROR``).
Other 4xx answers and transport errors end it ``errored`` at once (``MODEL_REFUSED``,
``MODEL_UNREACHABLE``).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx
import orjson

from segue_apps.workspace.runners import RunnerError, RunView, Step, ToolCall

_TABLE = {"type": "string", "description": "table id or name; default: the focus table"}
TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "add_leads",
            "description": "Add rows (leads) to a table: `rows` of {column slug: value}, "
            "or `count` generated rows.",
            "parameters": {
                "type": "object",
                "properties": {
                    "tableId": _TABLE,
                    "rows": {"type": "array", "items": {"type": "object"}},
                    "count": {"type": "integer", "minimum": 1},
                },
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "delete_leads",
            "description": "Delete rows: `rowIds`, else the newest `count`, else all.",
            "parameters": {
                "type": "object",
                "properties": {
                    "tableId": _TABLE,
                    "rowIds": {"type": "array", "items": {"type": "string"}},
                    "count": {"type": "integer", "minimum": 1},
                },
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "restore_leads",
            "description": "Restore the `count` most recently deleted rows (default all).",
            "parameters": {
                "type": "object",
                "properties": {"tableId": _TABLE, "count": {"type": "integer", "minimum": 1}},
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "create_table",
            "description": "Create a table with input columns (names).",
            "parameters": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "columns": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["name"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "add_column",
            "description": "Add an input column to a table.",
            "parameters": {
                "type": "object",
                "properties": {"tableId": _TABLE, "name": {"type": "string"}},
                "required": ["name"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "ask_questions",
            "description": "Ask the user before going on; ends the run until they answer.",
            "parameters": {
                "type": "object",
                "properties": {
                    "questions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "question": {"type": "string"},
                                "options": {"type": "array", "items": {"type": "string"}},
                                "confirm": {"type": "boolean"},
                            },
                            "required": ["question"],
                        },
                    }
                },
                "required": ["questions"],
            },
        },
    },
]
SYSTEM = (
    "You are an agent working in a lead-list workspace. Use the tools to change tables; "
    "answer in plain prose once done. Ask with ask_questions when you need a decision."
)


def _messages(run: RunView) -> list[dict[str, Any]]:
    """The chat of the agent so far, in the wire format."""
    system = SYSTEM
    if run.focus_table_ids:
        system += f" Focus tables: {', '.join(run.focus_table_ids)}."
    for item in run.attachments:
        if item.get("kind") == "document" and "content" in item:
            system += f"\n\nAttached document {item.get('name')!r}:\n{item['content']}"
    out: list[dict[str, Any]] = [{"role": "system", "content": system}]
    for past in [*(h["transcript"] for h in run.history), run.transcript]:
        for message in past:
            role = message.get("role")
            if role == "user":
                out.append({"role": "user", "content": message.get("content", "")})
            elif role == "assistant":
                wire: dict[str, Any] = {"role": "assistant", "content": message.get("content")}
                calls = message.get("toolCalls") or []
                if calls:
                    wire["tool_calls"] = [
                        {
                            "id": c["id"],
                            "type": "function",
                            "function": {
                                "name": c["name"],
                                "arguments": orjson.dumps(c["input"]).decode(),
                            },
                        }
                        for c in calls
                    ]
                out.append(wire)
            elif role == "tool":
                out.append(
                    {
                        "role": "tool",
                        "tool_call_id": message.get("toolCallId"),
                        "content": message.get("result", ""),
                    }
                )
    return out


def _read_stream(lines: list[str]) -> dict[str, Any]:
    """Join the ``data:`` chunks of a streamed answer into one ``{message, finish_reason}``."""
    content: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    finish = None
    for line in lines:
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            break
        chunk = orjson.loads(data)
        for choice in chunk.get("choices", [])[:1]:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                content.append(delta["content"])
            for part in delta.get("tool_calls") or []:
                call = calls.setdefault(
                    int(part.get("index", 0)), {"id": "", "name": "", "arguments": ""}
                )
                call["id"] = part.get("id") or call["id"]
                function = part.get("function") or {}
                call["name"] += function.get("name") or ""
                call["arguments"] += function.get("arguments") or ""
            finish = choice.get("finish_reason") or finish
    message = {
        "content": "".join(content) or None,
        "tool_calls": [
            {
                "id": c["id"],
                "type": "function",
                "function": {"name": c["name"], "arguments": c["arguments"]},
            }
            for _, c in sorted(calls.items())
        ],
    }
    return {"message": message, "finish_reason": finish}


def _question(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("question"), str):
        raise ValueError("a question needs a `question` text")
    if raw.get("confirm"):
        return {"type": "confirm", "question": raw["question"], "suggestedAnswers": ["Confirm"]}
    options = [str(o) for o in raw.get("options") or []]
    return {"type": "single-choice", "question": raw["question"], "suggestedAnswers": options}


class OpenAIRunner:
    """Steps taken by a chat-completions model (see the module docstring)."""

    name = "openai"

    def __init__(
        self,
        url: str,
        model: str,
        key: str | None = None,
        *,
        stream: bool = False,
        retries: int = 3,
        backoff_ms: int = 500,
        timeout_s: float = 120.0,
    ) -> None:
        self.url = url.rstrip("/") + "/chat/completions"
        self.model = model
        self.stream = stream
        self.retries = retries
        self.backoff_ms = backoff_ms
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.client = httpx.AsyncClient(headers=headers, timeout=timeout_s)

    @classmethod
    def from_settings(cls, settings: Any) -> OpenAIRunner:
        """The runner of ``--runner openai`` (URL, model, key variable, stream, retries)."""
        if not settings.runner_url:
            raise ValueError("--runner openai needs --runner-url")
        return cls(
            settings.runner_url,
            settings.runner_model,
            os.environ.get(settings.runner_key_env),
            stream=settings.runner_stream,
            retries=settings.runner_retries,
            backoff_ms=settings.runner_backoff_ms,
        )

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()

    async def step(self, run: RunView) -> Step:
        """Ask the model for the next step and map its answer."""
        answer = await self._complete(
            {
                "model": self.model,
                "messages": _messages(run),
                "tools": TOOLS,
                **({"stream": True} if self.stream else {}),
            }
        )
        message = answer.get("message") or {}
        text = message.get("content") or None
        raw_calls = message.get("tool_calls") or []
        if not raw_calls:
            if answer.get("finish_reason") == "length" and text is None:
                return Step(text=None, outcome="incomplete")
            return Step(text=text or "", outcome="completed")
        calls: list[ToolCall] = []
        for i, raw in enumerate(raw_calls):
            function = raw.get("function") or {}
            try:
                arguments = orjson.loads(function.get("arguments") or "{}")
                if not isinstance(arguments, dict):
                    raise ValueError("arguments must be an object")
                if function.get("name") == "ask_questions":
                    questions = [_question(q) for q in arguments.get("questions") or []]
                    if not questions:
                        raise ValueError("no question")
                    return Step(
                        text=text or questions[0]["question"],
                        outcome="needs_input",
                        questions=questions,
                    )
            except ValueError:  # orjson's decode error is a ValueError too
                note = "The model's tool call could not be parsed; send a follow-up run."
                return Step(text=text or note, outcome="incomplete")
            call_id = raw.get("id") or f"call_{run.steps_completed}_{i}"
            calls.append(ToolCall(call_id, str(function.get("name", "")), arguments))
        return Step(text=text, calls=calls)

    async def _complete(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST the request, retrying 429 and 5xx; the first choice of the answer."""
        for attempt in range(self.retries + 1):
            try:
                response = await self.client.post(self.url, json=body)
            except httpx.HTTPError as error:
                raise RunnerError("MODEL_UNREACHABLE", f"{type(error).__name__}: {error}") from None
            retryable = response.status_code == 429 or response.status_code >= 500
            if retryable and attempt < self.retries:
                await asyncio.sleep(self._wait_s(response, attempt))
                continue
            if response.status_code == 429:
                raise RunnerError("MODEL_RATE_LIMITED", f"still 429 after {self.retries} retries")
            if response.status_code >= 400:
                code = "MODEL_ERROR" if response.status_code >= 500 else "MODEL_REFUSED"
                raise RunnerError(code, f"the model answered {response.status_code}")
            if response.headers.get("content-type", "").startswith("text/event-stream"):
                return _read_stream(response.text.splitlines())
            try:
                choice: dict[str, Any] = response.json()["choices"][0]
            except (ValueError, KeyError, IndexError, TypeError):
                raise RunnerError("MODEL_ERROR", "the model's answer has no choices") from None
            return choice
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_s(self, response: httpx.Response, attempt: int) -> float:
        given = response.headers.get("retry-after")
        if given is not None:
            try:
                return max(0.0, float(given))
            except ValueError:
                pass
        return float(self.backoff_ms * 2**attempt / 1000)
