"""The built-in runner: a small, deterministic instruction language.

A prompt is split into clauses at newlines and ``;``. Clauses it knows are carried out
in order, one step each; a prompt with none of them is answered with a short text.
Every step first waits ``step_ms`` (``--runner-step-ms``, 300 by default), and a run takes
at least two steps (reading the prompt, answering), so a client polling right after
``POST /agents`` sees ``running``. Case does not matter; ``TABLE`` is a table id or name
(default: the run's first focus table, else the workspace's oldest table, else a new
``Leads`` table).

| clause                                   | what happens                       | ends the run as |
|------------------------------------------|------------------------------------|-----------------|
| ``add N leads [to TABLE]``               | N rows (``leads_added``)           |                 |
| ``add lead {"slug": "value", …} [to TABLE]`` | one row with those cells       |                 |
| ``delete N leads [from TABLE]``, ``delete all leads`` | the newest rows, to the trash | |
| ``restore [N \\| all] leads [in TABLE]`` | rows back from the trash (``leads_restored``) |      |
| ``create table NAME [with columns A, B]``| a table (``table_created``)        |                 |
| ``add column NAME [to TABLE]``           | an input column (``column_added``) |                 |
| ``say TEXT``                             | TEXT goes into the answer          |                 |
| ``suggest LABEL [as TYPE]``              | a ``todo.nextActions[]`` entry     |                 |
| ``wait MS``                              | one step that lasts MS ms          |                 |
| ``ask QUESTION [\\| A \\| B …]``         | a single-choice question           | ``needs_input`` |
| ``confirm QUESTION``                     | a confirm question                 | ``needs_input`` |
| ``garble``                               | a tool call that cannot be parsed  | ``incomplete``  |
| ``fail [MESSAGE]``                       | the runner raises                  | ``errored``     |
| ``loop`` (``overrun steps``)             | steps for ever                     | ``step_cap_hit``|
| ``stall`` (``overrun time``)             | one step that never ends           | ``timed_out``   |

A cancel (``POST /agents/{id}/cancel``) ends a run ``cancelled`` between any two steps.
A follow-up run on an agent whose last run ended ``needs_input`` takes its prompt as the
answer and carries on with the clauses left after the question, then its own.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import orjson

from segue_apps.workspace.runners import RunnerError, RunView, Step, ToolCall

_TABLE = r"(?:\s+(?:to|from|in|into|on)\s+(?P<table>.+?))?"
_CLAUSES: list[tuple[str, str]] = [
    ("add_json", r"add\s+(?:a\s+)?(?:lead|row)\s+(?P<json>\{.*\})" + _TABLE + r"\s*$"),
    ("add", r"add\s+(?P<n>\d{1,4})\s+(?:leads?|rows?)" + _TABLE + r"\s*$"),
    ("delete", r"delete\s+(?P<n>\d{1,4}|all)\s+(?:leads?|rows?)" + _TABLE + r"\s*$"),
    ("restore", r"restore(?:\s+(?P<n>\d{1,4}|all))?\s+(?:leads?|rows?)" + _TABLE + r"\s*$"),
    ("create", r"create\s+(?:a\s+)?table\s+(?P<name>.+?)(?:\s+with\s+columns?\s+(?P<cols>.+))?$"),
    ("column", r"add\s+(?:a\s+)?column\s+(?P<name>.+?)" + _TABLE + r"\s*$"),
    ("say", r"say\s+(?P<text>.+)$"),
    ("suggest", r"suggest\s+(?P<label>.+?)(?:\s+as\s+(?P<type>[a-z_]+))?$"),
    ("wait", r"wait\s+(?P<ms>\d{1,7})(?:\s*ms)?$"),
    ("ask", r"ask\s+(?P<text>.+)$"),
    ("confirm", r"confirm\s+(?P<text>.+)$"),
    ("garble", r"garble$"),
    ("fail", r"fail(?:\s+(?P<text>.+))?$"),
    ("loop", r"(?:loop|overrun\s+steps)$"),
    ("stall", r"(?:stall|overrun\s+time)$"),
]
_PATTERNS = [(op, re.compile(text, re.I | re.S)) for op, text in _CLAUSES]
"""Keywords in any case; names, JSON and text keep theirs."""
NEXT_ACTION_TYPES = {
    "upload_csv",
    "find_more_leads",
    "export_csv",
    "input_required",
    "send_messages",
    "schedule_play",
}


def parse(prompt: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The prompt's clauses as instructions ``{op, …}``, and the clauses not understood."""
    plan: list[dict[str, Any]] = []
    unknown: list[str] = []
    for raw in re.split(r"[\n;]", prompt):
        clause = raw.strip()
        if not clause:
            continue
        # "say All set." keeps its full stop; "add 3 leads." drops it.
        found = _match(clause) or _match(clause.rstrip(".").strip())
        if found is None:
            unknown.append(clause)
        else:
            plan.append(found)
    return plan, unknown


def _match(clause: str) -> dict[str, Any] | None:
    for op, pattern in _PATTERNS:
        hit = pattern.match(clause)
        if hit is None:
            continue
        groups = {k: v for k, v in hit.groupdict().items() if v is not None}
        if op == "add_json":
            try:
                row = orjson.loads(groups["json"])
            except orjson.JSONDecodeError:
                return None
            if not isinstance(row, dict):
                return None
            return {"op": "add", "rows": [row], **_table(groups)}
        if op in ("add", "delete", "restore"):
            n = groups.get("n", "all")
            return {"op": op, "count": None if n == "all" else int(n), **_table(groups)}
        if op == "create":
            cols = [c.strip() for c in groups.get("cols", "").split(",") if c.strip()]
            return {"op": op, "name": groups["name"].strip(), "columns": cols}
        if op == "column":
            return {"op": op, "name": groups["name"].strip(), **_table(groups)}
        if op == "wait":
            return {"op": op, "ms": int(groups["ms"])}
        if op == "suggest":
            kind = groups.get("type")
            label = groups["label"].strip()
            if kind is not None and kind not in NEXT_ACTION_TYPES:
                label, kind = f"{label} as {kind}", None
            return {"op": op, "label": label, **({"type": kind} if kind else {})}
        if op in ("say", "ask", "confirm", "fail"):
            return {"op": op, "text": groups.get("text", "").strip()}
        return {"op": op}
    return None


def _table(groups: dict[str, str]) -> dict[str, Any]:
    table = groups.get("table")
    return {"table": table.strip().strip('"')} if table else {}


def _question(op: dict[str, Any]) -> dict[str, Any]:
    if op["op"] == "confirm":
        return {"type": "confirm", "question": op["text"], "suggestedAnswers": ["Confirm"]}
    question, *options = [part.strip() for part in op["text"].split("|")]
    return {
        "type": "single-choice",
        "question": question,
        "suggestedAnswers": [o for o in options if o],
    }


def _summary(transcript: list[dict[str, Any]]) -> list[str]:
    """One sentence per tool result of the run."""
    lines = []
    for message in transcript:
        if message.get("role") != "tool":
            continue
        result = orjson.loads(message["result"]) if message.get("result") else {}
        if "error" in result:
            lines.append(f"Could not {message['name'].replace('_', ' ')}: {result['error']}")
            continue
        name = result.get("tableName") or result.get("tableId")
        n = result.get("count", 0)
        lines.append(
            {
                "add_leads": f"Added {n} lead{'s' * (n != 1)} to {name}.",
                "delete_leads": f"Deleted {n} lead{'s' * (n != 1)} from {name}.",
                "restore_leads": f"Restored {n} lead{'s' * (n != 1)} in {name}.",
                "create_table": f"Created table {name}.",
                "add_column": f"Added column {result.get('columnName')} to {name}.",
            }.get(message["name"], f"Ran {message['name']}.")
        )
    return lines


class BuiltinRunner:
    """Carries out the instruction language of this module; ``step_ms`` per step."""

    name = "builtin"

    def __init__(self, step_ms: int = 300) -> None:
        self.step_ms = step_ms

    async def aclose(self) -> None:
        """Nothing to release."""

    async def step(self, run: RunView) -> Step:
        """Wait ``step_ms``, then read the prompt (first step) or carry out one clause."""
        if self.step_ms:
            await asyncio.sleep(self.step_ms / 1000)
        state = run.state
        if state is None:
            return self._first(run)
        plan: list[dict[str, Any]] = state["plan"]
        pc: int = state["pc"]
        if pc >= len(plan):
            return self._answer(run, state)
        op = plan[pc]
        advanced = {**state, "pc": pc + 1}
        kind = op["op"]
        table = {"tableId": op["table"]} if "table" in op else {}
        call_id = f"call_{run.steps_completed}"
        if kind == "add":
            args = {**table, **({"rows": op["rows"]} if "rows" in op else {"count": op["count"]})}
            return Step(calls=[ToolCall(call_id, "add_leads", args)], state=advanced)
        if kind in ("delete", "restore"):
            args = {**table, **({} if op["count"] is None else {"count": op["count"]})}
            return Step(calls=[ToolCall(call_id, f"{kind}_leads", args)], state=advanced)
        if kind == "create":
            args = {"name": op["name"], "columns": op["columns"]}
            return Step(calls=[ToolCall(call_id, "create_table", args)], state=advanced)
        if kind == "column":
            args = {**table, "name": op["name"]}
            return Step(calls=[ToolCall(call_id, "add_column", args)], state=advanced)
        if kind == "say":
            return Step(state={**advanced, "said": [*state["said"], op["text"]]})
        if kind == "suggest":
            entry = {k: v for k, v in op.items() if k in ("label", "type")}
            return Step(state={**advanced, "suggested": [*state["suggested"], entry]})
        if kind == "wait":
            await asyncio.sleep(op["ms"] / 1000)
            return Step(state=advanced)
        if kind in ("ask", "confirm"):
            question = _question(op)
            return Step(
                text=question["question"],
                outcome="needs_input",
                questions=[question],
                next_actions=state["suggested"],
                state={**advanced, "remaining": plan[pc + 1 :]},
            )
        if kind == "garble":
            return Step(
                text="I tried to call a tool but could not form the call; send a follow-up run.",
                outcome="incomplete",
                next_actions=state["suggested"],
                state=advanced,
            )
        if kind == "fail":
            raise RunnerError("RUNNER_FAILED", op["text"] or "the prompt asked the run to fail")
        if kind == "loop":
            return Step(state=state)  # the same clause again: only the step cap ends it
        if kind == "stall":
            await asyncio.Event().wait()  # only the wall-clock ceiling (or a cancel) ends it
        raise RunnerError("RUNNER_FAILED", f"unknown instruction {kind!r}")  # pragma: no cover

    def _first(self, run: RunView) -> Step:
        plan, unknown = parse(run.prompt)
        carried: list[dict[str, Any]] = []
        answering = False
        if run.history and run.history[-1]["status"] == "needs_input":
            previous = run.history[-1].get("state") or {}
            carried = list(previous.get("remaining", []))
            answering = True
        state = {
            "plan": carried + plan,
            "pc": 0,
            "said": [],
            "suggested": [],
            "unknown": unknown if plan else [],
            "plain": not plan and not answering,
            "answer": run.prompt if answering else None,
        }
        return Step(state=state)

    def _answer(self, run: RunView, state: dict[str, Any]) -> Step:
        if state["plain"]:
            quoted = " ".join(run.prompt.split())
            if len(quoted) > 80:
                quoted = quoted[:79] + "…"
            text = (
                f"You said: “{quoted}”. I act on instructions such as “add 3 leads” or "
                "“ask Which table?”; this prompt had none, so nothing changed."
            )
        else:
            parts = []
            if state["answer"] is not None:
                parts.append(f"Thanks, noted your answer: “{state['answer'].strip()}”.")
            parts += _summary(run.transcript) + state["said"]
            parts += [f"Skipped “{clause}”: not an instruction." for clause in state["unknown"]]
            text = " ".join(parts) or "Done."
        return Step(text=text, outcome="completed", next_actions=state["suggested"], state=state)
