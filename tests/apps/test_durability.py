"""A server killed (SIGKILL) under concurrent writes loses no acknowledged write, keeps none
twice and leaves none half-applied — on a SQLite file (WAL) and on PostgreSQL.

Each test runs three cycles on one database: start ``segue serve``, write from several
clients at once, SIGKILL the server's process group after a short random delay (seeded)
or as soon as the last write of the cycle's budget is sent, so that writes are in flight
when it dies. The next start checks everything written so far: every write answered 2xx
is there exactly once, every write is there whole or not at all, and the stored counters
agree with the rows. Real processes on 127.0.0.1, stopped by the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from tests.apps.servers import Server, server

from segue.tooling import ServiceOptions
from segue_apps.conversations.service import bootstrap as bootstrap_conversations
from segue_apps.workspace.service import bootstrap as bootstrap_workspace

SEED = 13
CYCLES = 3
WRITERS = 8
"""Concurrent clients writing during a cycle."""
BUDGET = 300
"""Writes a cycle sends at most; the server is killed once the last one is sent."""
KILL_AFTER_S = (0.2, 0.6)


@dataclass
class Write:
    """One write request: the unique values it carries, and its answer once acknowledged."""

    target: str
    values: list[str]
    body: dict[str, Any]
    answer: dict[str, Any] | None = None


@dataclass
class Ledger:
    """Every write sent to a database so far, across cycles."""

    writes: list[Write] = field(default_factory=list)

    def owner(self) -> dict[str, Write]:
        """Map each value to the write that carried it."""
        return {value: write for write in self.writes for value in write.values}


class Workload(Protocol):
    """What a service's writes are and how to check what is stored after a crash."""

    service: str

    async def bootstrap(self, db_url: str) -> str:
        """Create a client in the database; return its API key."""

    async def prepare(self, client: httpx.AsyncClient) -> None:
        """Create what the writes go to."""

    def write(self, cycle: int, n: int) -> Write:
        """The ``n``-th write of ``cycle``."""

    def path(self, write: Write) -> str:
        """Where ``write`` is posted."""

    async def check(self, client: httpx.AsyncClient, ledger: Ledger) -> None:
        """Assert the stored data against every write sent so far (the server restarted)."""


def _whole_or_absent(ledger: Ledger, found: dict[str, str]) -> None:
    """Each write's values are all in ``found`` (value: stored id) or none is, and an
    acknowledged write's are there with the ids its answer gave."""
    for write in ledger.writes:
        present = [value in found for value in write.values]
        assert all(present) or not any(present), f"half-applied: {write.body}"
        if write.answer is not None:
            assert all(present), f"acknowledged, then lost: {write.body}"


class Conversations:
    """Appends of 2 or 3 messages with unique contents to one of four conversations."""

    service = "conversations"

    def __init__(self) -> None:
        self.conversations: list[str] = []

    async def bootstrap(self, db_url: str) -> str:
        made = await bootstrap_conversations(ServiceOptions(db_url=db_url))
        return str(made["api_key"])

    async def prepare(self, client: httpx.AsyncClient) -> None:
        for i in range(4):
            made = await client.post("/api/v2/conversations", json={"title": f"durable {i}"})
            assert made.status_code == 201, made.text
            self.conversations.append(made.json()["conversation_id"])

    def write(self, cycle: int, n: int) -> Write:
        contents = [f"c{cycle}-a{n}-m{j}" for j in range(2 + n % 2)]
        return Write(
            self.conversations[n % len(self.conversations)],
            contents,
            {"messages": [{"role": "user", "content": text} for text in contents]},
        )

    def path(self, write: Write) -> str:
        return f"/api/v2/conversations/{write.target}/messages"

    async def check(self, client: httpx.AsyncClient, ledger: Ledger) -> None:
        owner = ledger.owner()
        found: dict[str, str] = {}
        for conversation in self.conversations:
            listed = await _messages(client, conversation)
            contents = [m["content"] for m in listed]
            assert [c for c, k in Counter(contents).items() if k > 1] == [], "listed twice"
            assert set(contents) <= owner.keys(), "a message nobody sent"
            # An append's messages are listed consecutively, in the order sent.
            for i, content in enumerate(contents):
                write = owner[content]
                position = write.values.index(content)
                if position:
                    assert contents[i - 1] == write.values[position - 1], "append interleaved"
            shown = await client.get(f"/api/v2/conversations/{conversation}")
            counted = shown.json()["message_count"]
            assert counted == len(listed), "message_count is not the messages listed"
            found.update((m["content"], m["id"]) for m in listed)
        _whole_or_absent(ledger, found)
        for write in ledger.writes:
            if write.answer is not None:
                ids = [m["id"] for m in write.answer["messages"]]
                assert ids == [found[value] for value in write.values]


async def _messages(client: httpx.AsyncClient, conversation: str) -> list[dict[str, Any]]:
    path = f"/api/v2/conversations/{conversation}/messages"
    out: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 500}
    while True:
        page = (await client.get(path, params=params)).json()
        out.extend(page["data"])
        if page["pagination"]["next_cursor"] is None:
            return out
        params["after"] = page["pagination"]["next_cursor"]


class Workspace:
    """Upserts of 2 or 3 new rows, each call with a ``batchId`` of its own."""

    service = "workspace"

    def __init__(self) -> None:
        self.table_id = ""

    async def bootstrap(self, db_url: str) -> str:
        made = await bootstrap_workspace(ServiceOptions(db_url=db_url))
        return str(made["api_key"])

    async def prepare(self, client: httpx.AsyncClient) -> None:
        columns = [{"name": "Email", "slug": "email"}, {"name": "Name", "slug": "name"}]
        made = await client.post("/api/v2/tables", json={"name": "Durable", "columns": columns})
        assert made.status_code == 201, made.text
        self.table_id = made.json()["id"]

    def write(self, cycle: int, n: int) -> Write:
        batch = f"c{cycle}-b{n}"
        emails = [f"{batch}-r{j}@x.io" for j in range(2 + n % 2)]
        body = {
            "rows": [{"email": email, "name": f"N{n}"} for email in emails],
            "matchColumns": ["email"],
            "batchId": batch,
        }
        return Write(batch, emails, body)

    def path(self, write: Write) -> str:
        return f"/api/v2/tables/{self.table_id}/rows/upsert"

    async def check(self, client: httpx.AsyncClient, ledger: Ledger) -> None:
        rows, total = await _rows(client, self.table_id)
        emails = [row["email"] for row in rows]
        assert [e for e, k in Counter(emails).items() if k > 1] == [], "a row stored twice"
        assert set(emails) <= ledger.owner().keys(), "a row nobody sent"
        assert total == len(rows), "the table's row count is off"
        found = {row["email"]: row["id"] for row in rows}
        _whole_or_absent(ledger, found)
        for write in ledger.writes:
            if write.answer is not None:
                ids = [o["rowId"] for o in write.answer["outcomes"]]
                assert ids == [found[value] for value in write.values]
        # A client retries what was not acknowledged, with the same batchId: a batch that
        # was stored is replayed (200, nothing written), one that was not is applied now.
        for write in ledger.writes:
            if write.answer is None:
                again = await client.post(self.path(write), json=write.body)
                stored = write.values[0] in found
                assert again.status_code == (200 if stored else 201), again.text
                write.answer = again.json()
        rows, total = await _rows(client, self.table_id)
        assert sorted(row["email"] for row in rows) == sorted(ledger.owner())
        assert total == len(rows)


async def _rows(client: httpx.AsyncClient, table_id: str) -> tuple[list[dict[str, Any]], int]:
    """Every row of the table (flat cells) and its stored row count."""
    out: list[dict[str, Any]] = []
    params: dict[str, Any] = {"cells": "flat", "pageSize": 500, "page": 0}
    while True:
        body = (await client.get(f"/api/v2/tables/{table_id}/rows", params=params)).json()
        out.extend(body["rows"])
        if not body["pagination"]["hasMore"]:
            return out, body["pagination"]["total"]
        params["page"] += 1


@dataclass
class Cycle:
    """What one cycle sent: its writes, how many were acknowledged, how many were in
    flight when the server died and how many were never answered."""

    writes: list[Write]
    acknowledged: int
    in_flight: int
    cut: int


async def _write_until_killed(
    running: Server, client: httpx.AsyncClient, workload: Workload, cycle: int, delay: float
) -> Cycle:
    """Write from :data:`WRITERS` clients at once; SIGKILL the server after ``delay``
    seconds, or as soon as the cycle's last write is sent, whichever is first."""
    writes: list[Write] = []
    pending: set[int] = set()
    tickets = itertools.count()
    spent = asyncio.Event()
    killed = asyncio.Event()

    async def writer() -> None:
        while not killed.is_set():
            n = next(tickets)
            if n >= BUDGET:
                return
            if n == BUDGET - 1:
                spent.set()
            write = workload.write(cycle, n)
            writes.append(write)
            pending.add(n)
            try:
                response = await client.post(workload.path(write), json=write.body)
            except httpx.TransportError:  # the server died: not acknowledged
                return
            assert response.status_code == 201, response.text
            pending.discard(n)
            write.answer = response.json()

    async def killer() -> int:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(spent.wait(), delay)
        in_flight = len(pending)
        running.kill()
        killed.set()
        return in_flight

    async with asyncio.TaskGroup() as group:  # a failing writer stops the others
        for _ in range(WRITERS):
            group.create_task(writer())
        in_flight = group.create_task(killer())
    cut = sum(write.answer is None for write in writes)
    return Cycle(writes, len(writes) - cut, in_flight.result(), cut)


async def _crash_cycles(workload: Workload, db_url: str) -> None:
    """Run :data:`CYCLES` crash cycles, checking the stored data after each restart."""
    rng = random.Random(SEED)
    key = await workload.bootstrap(db_url)
    headers = {"authorization": f"Bearer {key}"}
    ledger = Ledger()
    cycles: list[Cycle] = []
    for cycle in range(CYCLES + 1):
        with server(workload.service, db_url) as running:
            async with httpx.AsyncClient(
                base_url=running.url, headers=headers, timeout=30
            ) as client:
                if cycle == 0:
                    await workload.prepare(client)
                else:
                    await workload.check(client, ledger)
                if cycle == CYCLES:
                    break
                done = await _write_until_killed(
                    running, client, workload, cycle, rng.uniform(*KILL_AFTER_S)
                )
            ledger.writes.extend(done.writes)
            cycles.append(done)
    for done in cycles:
        assert done.acknowledged > 0, "nothing acknowledged"
        assert done.in_flight > 0, "no write was in flight at the kill"
    assert sum(done.cut for done in cycles) > 0, "no kill cut a write short"


async def test_appends_survive_kills_whole_and_once(db_url: str) -> None:
    """Concurrent appends of 2 or 3 messages, three kills: every acknowledged message is
    listed once, every append entirely or not at all, ``message_count`` as listed."""
    await _crash_cycles(Conversations(), db_url)


async def test_upserts_survive_kills_whole_and_once(db_url: str) -> None:
    """Concurrent upserts with a ``batchId`` each, three kills: every acknowledged batch's
    rows once, every batch entirely or not at all, the stored row count exact, and a
    batch retried after the crash applied once."""
    await _crash_cycles(Workspace(), db_url)
