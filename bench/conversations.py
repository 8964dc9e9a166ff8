"""The conversations service at size: 10,000 conversations, 1,000,000 messages on SQLite.

Seeds (once, cached under ``bench/.data/``) a SQLite database through the app's own
migrations plus a bulk load that keeps the app's invariants (``message_count``,
``token_count``, ``updated_at``, ``seq`` 0..n-1, FTS5 trigram rows), starts
``segue serve conversations`` on 127.0.0.1, checks every benchmarked request answers
200/201 with the right shape, then drives it with ``wrk`` in interleaved rounds (v2, v1,
then v1, v2, ...) so noise falls on both versions alike. Prints a table and writes
``bench/results/conversations.json``. See ``bench/README.md``.

    .venv/bin/python bench/conversations.py [--seconds 5] [--rounds 3] [--reseed]
        [--workers 2] [--cases search]

``--cases`` runs only the named cases (or every case starting with a name, e.g. ``search``)
and writes results only when ``--out`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import httpx
from alembic.script import ScriptDirectory
from rich.console import Console
from rich.table import Table

from _servers import (
    HOST,
    BenchError,
    Process,
    db_url,
    free_port,
    launch,
    process_log,
    segue_cmd,
    speed_gauge_s,
    stop,
    wait_ready,
)
from segue_apps.common.ids import ALPHABET
from segue_apps.common.migrate import alembic_config
from segue_apps.conversations.app import MIGRATIONS, VERSION_TABLE
from segue_apps.conversations.migrations.versions.v0003_message_search_keys import (
    FILL as FILL_MESSAGES_FTS,
)
from segue_apps.conversations.tokens import estimate_tokens

BENCH = Path(__file__).resolve().parent
DATA = BENCH / ".data"
RESULTS = BENCH / "results" / "conversations.json"
SEED = 20260318
DAY_MS = 86_400_000
TARGETS = {"search_p99_ms": 50.0, "v1_v2_ratio": 0.85}

# --------------------------------------------------------------------------- text

# Everyday chat vocabulary, most frequent first (drawn with Zipf weights).
_VOCABULARY_TEXT = """
the to and you a of is it that for in this can I with be on have your what do not are
we if an will as would so but my me or how at just like from there use about get which
one here when make need some could should by all more also they them then any want know
was work please thanks help code file data time way think see try new good first set
error value function example question answer problem change update run test using list
user server request response version string number table query database model api key
project issue case result output input step method class object type name page option
message system support call return create check build add remove sure right let look
because other only into than these those each same different between after before while
where why who again still already really maybe probably actually simple simply quite
small large long short fast slow better best worse easy hard clear following previous
next last above below inside outside without within around through during until since
config setting default custom local remote cache memory disk network service client
token session login account email password permission access role group team customer
order payment invoice price plan report chart graph metric log event alert monitor
deploy release branch commit merge review approve reject comment document section
paragraph sentence word letter line column row field record entry item element node
tree path route link endpoint header body status code json text html image video
audio upload download import export parse format convert validate filter sort search
index match pattern range limit offset cursor batch stream queue worker thread process
task job schedule retry timeout failure success warning notice debug trace stack frame
module package library framework tool script command terminal shell editor browser
mobile desktop tablet screen window button menu form dialog panel widget layout style
color font size width height margin border shadow animation transition theme dark light
morning afternoon evening tonight tomorrow yesterday today week month year hour minute
meeting agenda summary draft proposal budget estimate deadline milestone roadmap goal
travel flight hotel ticket booking trip city country weather rain sunny cold warm
recipe dinner lunch breakfast coffee tea water bread cheese pasta salad soup dessert
"""
VOCABULARY = _VOCABULARY_TEXT.split()

# Words searched for, with the share of messages each is inserted into (on top of any
# natural occurrence). "please" is an ordinary vocabulary word: the least selective query.
MARKERS = {"zanzibar": 1 / 50_000, "quokka": 1 / 1_000, "kubernetes": 1 / 50}
SEARCH_WORDS = ["zanzibar", "quokka", "kubernetes", "please"]
RATIO_SEARCH_WORD = "quokka"


class TextGen:
    """Seeded, Zipf-weighted sentences: varied text with realistic substring selectivity."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        weights = [1 / (rank + 1) ** 1.05 for rank in range(len(VOCABULARY))]
        total = 0.0
        self.cum: list[float] = []
        for w in weights:
            total += w
            self.cum.append(total)

    def words(self, n: int) -> list[str]:
        return self.rng.choices(VOCABULARY, cum_weights=self.cum, k=n)

    def message(self, long: bool) -> str:
        rng = self.rng
        n = rng.randint(12, 60) if long else rng.randint(4, 22)
        words = self.words(n)
        for marker, share in MARKERS.items():
            if rng.random() < share:
                words.insert(rng.randrange(len(words) + 1), marker)
        out: list[str] = []
        sentence_start = True
        for i, word in enumerate(words):
            out.append(word.capitalize() if sentence_start else word)
            sentence_start = False
            if i == len(words) - 1:
                out[-1] += rng.choice(".?!.")
            elif rng.random() < 0.08:
                out[-1] += "."
                sentence_start = True
            elif rng.random() < 0.06:
                out[-1] += ","
        return " ".join(out)

    def title(self) -> str:
        return " ".join(self.words(self.rng.randint(2, 6))).capitalize()

    def ident(self) -> str:
        return "".join(ALPHABET[b & 63] for b in self.rng.randbytes(21))


# --------------------------------------------------------------------------- seeding


console = Console(width=None if sys.stdout.isatty() else 120)


def message_counts(rng: random.Random, conversations: int, messages: int) -> list[int]:
    """Counts summing to ``messages``, spread symmetrically around the mean (>= 1 each)."""
    mean = messages // conversations
    spread = max(0, int(mean * 0.9))
    counts: list[int] = []
    for _ in range(conversations // 2):
        d = rng.randint(0, spread)
        counts += [mean + d, mean - d]
    if len(counts) < conversations:
        counts.append(mean)
    for i in range(messages - mean * conversations):
        counts[i % conversations] += 1
    rng.shuffle(counts)
    return counts


def fts_triggers(conn: sqlite3.Connection) -> dict[str, str]:
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_fts_ai'"
    ).fetchall()
    return {name: sql for name, sql in rows}


def seed(path: Path, conversations: int, messages: int) -> dict[str, Any]:
    """Migrate + bootstrap through the service, then bulk-load; return the dataset facts."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    boot = subprocess.run(
        [*segue_cmd(), "bootstrap", "conversations", "--db", db_url(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if boot.returncode != 0:
        raise BenchError(f"segue bootstrap failed: {boot.stdout}\n{boot.stderr}")
    keys = json.loads(boot.stdout.strip().splitlines()[-1])
    project_id = keys["project_id"]

    rng = random.Random(SEED)
    gen = TextGen(rng)
    counts = message_counts(rng, conversations, messages)
    now = int(time.time() * 1000)
    base = now - 90 * DAY_MS
    hits = dict.fromkeys(SEARCH_WORDS, 0)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("synchronous=OFF", "cache_size=-262144", "temp_store=MEMORY"):
            conn.execute(f"PRAGMA {pragma}")
        triggers = fts_triggers(conn)
        if set(triggers) != {"messages_fts_ai", "conversations_fts_ai"}:
            raise BenchError(f"unexpected FTS triggers {sorted(triggers)}; migration changed?")
        conn.execute("BEGIN IMMEDIATE")
        # Bulk-load without the per-row FTS triggers, then rebuild the external-content
        # FTS tables from their content tables and put the triggers back verbatim.
        for name in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        conv_rows = []
        msg_batch: list[tuple[Any, ...]] = []
        for i, count in enumerate(counts):
            cid = gen.ident()
            created = base + rng.randrange(85 * DAY_MS)
            t = created
            tokens = 0
            for seq in range(count):
                content = gen.message(long=seq % 2 == 1)
                lowered = content.lower()
                for word in SEARCH_WORDS:
                    if word in lowered:
                        hits[word] += 1
                n = estimate_tokens(content)
                tokens += n
                role = "assistant" if seq % 2 else "user"
                msg_batch.append((gen.ident(), cid, project_id, seq, role, content, n, t))
                if seq < count - 1:
                    t += rng.randint(2_000, 600_000)
            conv_rows.append((cid, project_id, gen.title(), count, tokens, created, t))
            if len(msg_batch) >= 50_000 or i == len(counts) - 1:
                conn.executemany(
                    "INSERT INTO messages (id, conversation_id, project_id, seq, role, content,"
                    " metadata, token_count, created_at) VALUES (?, ?, ?, ?, ?, ?, '{}', ?, ?)",
                    msg_batch,
                )
                msg_batch.clear()
            if (i + 1) % 2000 == 0:
                console.print(f"  seeded {i + 1:,}/{conversations:,} conversations")
        # Conversations after their messages is fine: foreign keys are off in this
        # connection (SQLite's default) and the transaction commits both or neither.
        conn.executemany(
            "INSERT INTO conversations (id, project_id, title, metadata, message_count,"
            " token_count, created_at, updated_at) VALUES (?, ?, ?, '{}', ?, ?, ?, ?)",
            conv_rows,
        )
        console.print("  filling the FTS5 trigram indexes")
        conn.execute(FILL_MESSAGES_FTS)  # contentless, keyed by conversation: no 'rebuild'
        conn.execute("INSERT INTO conversations_fts(conversations_fts) VALUES ('rebuild')")
        for sql in triggers.values():
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        max_pk = conn.execute("SELECT max(pk) FROM messages").fetchone()[0]
        # Spot check: the index finds exactly what was generated for the rare word.
        rare = SEARCH_WORDS[0]
        found = conn.execute(
            "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?", (f'"{rare}"',)
        ).fetchone()[0]
        if found != hits[rare]:
            raise BenchError(f"FTS finds {found} messages with {rare!r}, generated {hits[rare]}")
    finally:
        conn.close()
    return {
        "api_key": keys["api_key"],
        "project_id": project_id,
        "conversations": conversations,
        "messages": messages,
        "max_message_pk": max_pk,
        "messages_matching": hits,
        "seed": SEED,
        "schema": schema_revision(path),
        "seed_seconds": round(time.monotonic() - started, 1),
        "db_bytes": path.stat().st_size,
    }


def restore(path: Path, meta: dict[str, Any]) -> int:
    """Undo the benchmark's appends so the cached dataset stays exactly as seeded.

    Deletes messages past the seeded ones (the FTS delete trigger follows) and recomputes
    the counters of the conversations they were appended to, then merges the messages FTS
    index back into one segment: a run's appends and deletes leave segments and delete
    markers that every later match must read (``quokka``'s search went from 2.9 to 8.1 ms
    of CPU after one full run), so without it each run would measure a slower index than
    the last. Returns messages removed.
    """
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        max_pk = meta["max_message_pk"]
        touched = [
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT conversation_id FROM messages WHERE pk > ?", (max_pk,)
            )
        ]
        removed = conn.execute("DELETE FROM messages WHERE pk > ?", (max_pk,)).rowcount
        conn.executemany(
            "UPDATE conversations SET (message_count, token_count, updated_at) = "
            "(SELECT count(*), coalesce(sum(token_count), 0), max(created_at) "
            "FROM messages WHERE conversation_id = ?) WHERE id = ?",
            [(cid, cid) for cid in touched],
        )
        conn.execute("COMMIT")
        # Quick when the index is already one segment.
        conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('optimize')")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed
    finally:
        conn.close()


def schema_revision(path: Path) -> str | None:
    """The app's Alembic revision of the database at ``path``."""
    conn = sqlite3.connect(path)
    try:
        row = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return str(row[0]) if row else None


def head_revision() -> str:
    """The app's newest Alembic revision (what a dataset seeded now would have)."""
    config = alembic_config(MIGRATIONS, VERSION_TABLE)
    return str(ScriptDirectory.from_config(config).get_current_head())


def dataset_ok(path: Path, meta: dict[str, Any], conversations: int, messages: int) -> bool:
    """Whether the cached dataset has the counts asked for and today's schema.

    A dataset from an older schema is seeded again: the server would otherwise migrate
    1M messages at start-up (rebuilding a search index takes minutes).
    """
    if not path.exists() or meta.get("conversations") != conversations:
        return False
    if meta.get("schema") != head_revision() or schema_revision(path) != meta["schema"]:
        return False
    conn = sqlite3.connect(path)
    try:
        n_conv = conn.execute("SELECT count(*) FROM conversations").fetchone()[0]
        n_msg = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
        total = conn.execute("SELECT sum(message_count) FROM conversations").fetchone()[0]
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    return bool(n_conv == conversations and n_msg == messages and total == messages)


def dataset(args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    path = args.data_dir / f"conversations-{args.conversations}x{args.messages}.db"
    meta_path = path.with_suffix(".json")
    meta: dict[str, Any] = {}
    if meta_path.exists() and not args.reseed:
        meta = json.loads(meta_path.read_text())
        if path.exists() and meta.get("max_message_pk"):
            removed = restore(path, meta)  # a previous run may have been killed mid-way
            if removed:
                console.print(f"restored cached dataset ({removed:,} appended messages removed)")
    if args.reseed or not dataset_ok(path, meta, args.conversations, args.messages):
        console.print(
            f"seeding {args.conversations:,} conversations / {args.messages:,} messages "
            f"into {path} ..."
        )
        meta_path.unlink(missing_ok=True)
        meta = seed(path, args.conversations, args.messages)
        meta_path.write_text(json.dumps(meta, indent=2) + "\n")
        console.print(f"seeded in {meta['seed_seconds']}s ({meta['db_bytes'] / 1e6:,.0f} MB)")
    else:
        console.print(f"reusing cached dataset {path}")
    return path, meta


def pick_conversations(path: Path) -> tuple[list[str], list[str]]:
    """(ids with 95-105 messages for the GETs, other ids spread over the set for appends)."""
    conn = sqlite3.connect(path)
    try:
        around_100 = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM conversations WHERE message_count BETWEEN 95 AND 105 "
                "ORDER BY id LIMIT 200"
            )
        ]
        others = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM conversations WHERE message_count NOT BETWEEN 95 AND 105 "
                "ORDER BY id LIMIT 2000"
            )
        ]
    finally:
        conn.close()
    if not around_100 or not others:
        raise BenchError("dataset has no conversations around 100 messages")
    return around_100, others


# --------------------------------------------------------------------------- server


@dataclass
class Server(Process):
    db: Path | None = None  # the SQLite file it serves
    workers: int = 1  # segue serve --workers


def start(server: Server) -> None:
    server.port = free_port()
    cmd = [*segue_cmd(), "serve", "conversations", "--host", HOST, "--port", str(server.port)]
    assert server.db is not None
    cmd += ["--db", db_url(server.db), "--workers", str(server.workers)]
    # v1 is sunset on 2026-12-31 (the provider's guide) and answers 410 from then on; a later
    # sunset keeps the v1 cases measurable, with a Sunset header of the same length.
    cmd += ["--v1-sunset", "2031-12-31T23:59:59Z"]
    launch(server, cmd)


# --------------------------------------------------------------------------- cases


@dataclass
class Case:
    key: str
    label: str
    method: str
    paths: list[str]
    body: str | None = None
    rounds: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        rps = [r["rps"] for r in self.rounds]
        first = self.paths[0]
        return {
            "label": self.label,
            "request": f"{self.method} {first}"
            + (f" (and {len(self.paths) - 1} more paths)" if len(self.paths) > 1 else ""),
            "rps": round(statistics.median(rps), 1),
            "rps_min": round(min(rps), 1),
            "rps_max": round(max(rps), 1),
            "p50_ms": round(statistics.median(r["p50_us"] for r in self.rounds) / 1000, 2),
            "p99_ms": round(statistics.median(r["p99_us"] for r in self.rounds) / 1000, 2),
            "rounds": self.rounds,
        }


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of ASCII text is a valid Lua string literal


def wrk_script(case: Case, api_key: str) -> str:
    paths = ",\n".join(lua_string(p) for p in case.paths)
    body = lua_string(case.body) if case.body is not None else "nil"
    return f"""
local paths = {{
{paths}
}}
local body = {body}
local i = 0
wrk.method = "{case.method}"
wrk.headers["Authorization"] = "Bearer {api_key}"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  return wrk.format("{case.method}", paths[(i % #paths) + 1], nil, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def run_wrk(
    server: Server, case: Case, script: Path, seconds: int, connections: int
) -> dict[str, Any]:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    cmd += ["-s", str(script), server.base]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed for {case.key}: {done.stdout}\n{done.stderr}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    errors = {k: raw[k] for k in ("connect", "read", "write", "status", "timeout")}
    if any(errors.values()):
        raise BenchError(f"{case.key}: wrk saw errors {errors}; not a clean measurement")
    return {
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "requests": raw["requests"],
        "p50_us": raw["p50_us"],
        "p99_us": raw["p99_us"],
        "mean_us": raw["mean_us"],
    }


def expect(cond: bool, what: str, response: httpx.Response) -> None:
    if not cond:
        raise BenchError(f"{what}: {response.status_code} {response.text[:500]}")


def verify(client: httpx.Client, server: Server, cases: dict[str, Case], api_key: str) -> None:
    """Every benchmarked request answers 200/201 with the body its case is about."""
    auth = {"Authorization": f"Bearer {api_key}"}
    for case in cases.values():
        for path in case.paths[:5]:
            if case.method == "POST":
                assert case.body is not None
                r = client.post(
                    server.base + path,
                    content=case.body,
                    headers=auth | {"Content-Type": "application/json"},
                )
                expect(r.status_code == 201, f"{case.key}: POST {path}", r)
                expect(len(r.json()["messages"]) == 2, f"{case.key}: not 2 messages", r)
                continue
            r = client.get(server.base + path, headers=auth)
            expect(r.status_code == 200, f"{case.key}: GET {path}", r)
            body = r.json()
            v1 = path.startswith("/v1/")
            if case.key.startswith("get"):
                key = "id" if v1 else "conversation_id"
                expect(
                    key in body and 95 <= len(body["messages"]) <= 105 + 100,
                    f"{case.key}: not a conversation with ~100 messages",
                    r,
                )
            elif case.key.startswith("list"):
                expect(len(body["data"]) == 50, f"{case.key}: not 50 conversations", r)
                expect(("id" if v1 else "conversation_id") in body["data"][0], case.key, r)
            elif case.key.startswith("search"):
                expect(len(body["data"]) > 0, f"{case.key}: no hits", r)
                if v1:
                    expect("next_cursor" in body and "pagination" not in body, case.key, r)
                else:
                    expect("next_cursor" in body["pagination"], case.key, r)


def build_cases(get_ids: list[str], append_ids: list[str]) -> dict[str, Case]:
    body = json.dumps(
        {
            "messages": [
                {"role": "user", "content": "Can you check the quokka deploy logs again?"},
                {"role": "assistant", "content": "Sure, the release finished without errors."},
            ]
        }
    )
    cases: dict[str, Case] = {}
    for ver, prefix in (("v2", "/api/v2"), ("v1", "/v1")):
        include = "?include=messages" if ver == "v2" else ""
        cases[f"append_{ver}"] = Case(
            f"append_{ver}",
            f"{ver} append 2 messages (over {len(append_ids):,} conversations)",
            "POST",
            [f"{prefix}/conversations/{cid}/messages" for cid in append_ids],
            body,
        )
        cases[f"get_{ver}"] = Case(
            f"get_{ver}",
            f"{ver} get with ~100 messages ({len(get_ids)} conversations)",
            "GET",
            [f"{prefix}/conversations/{cid}{include}" for cid in get_ids],
        )
        cases[f"list_{ver}"] = Case(
            f"list_{ver}", f"{ver} list limit=50", "GET", [f"{prefix}/conversations?limit=50"]
        )
    for word in SEARCH_WORDS:
        for ver, prefix in (("v2", "/api/v2"), ("v1", "/v1")):
            if ver == "v1" and word != RATIO_SEARCH_WORD:
                continue
            cases[f"search_{word}_{ver}"] = Case(
                f"search_{word}_{ver}",
                f"{ver} search q={word}",
                "GET",
                [f"{prefix}/conversations/search?q={word}"],
            )
    return cases


OPERATIONS = {
    "append": ("append_v2", "append_v1"),
    "get_with_messages": ("get_v2", "get_v1"),
    "list": ("list_v2", "list_v1"),
    "search": (f"search_{RATIO_SEARCH_WORD}_v2", f"search_{RATIO_SEARCH_WORD}_v1"),
}


def selected(cases: dict[str, Case], names: list[str]) -> dict[str, Case]:
    """The cases named, or starting with a name and ``_`` (``search``: every search case)."""
    return {k: c for k, c in cases.items() if any(k == n or k.startswith(f"{n}_") for n in names)}


def pairs(cases: dict[str, Case]) -> dict[str, tuple[str, str]]:
    """The operations whose v2 and v1 cases are both in ``cases``."""
    return {op: p for op, p in OPERATIONS.items() if p[0] in cases and p[1] in cases}


def schedule(cases: dict[str, Case], rounds: int) -> Iterator[tuple[int, list[str]]]:
    """Per round: each v2/v1 pair back to back, the pair order flipped every round."""
    paired = {k for pair in pairs(cases).values() for k in pair}
    for r in range(rounds):
        order: list[str] = []
        for v2, v1 in pairs(cases).values():
            order += [v2, v1] if r % 2 == 0 else [v1, v2]
        order += [k for k in cases if k not in paired]
        yield r + 1, order


# --------------------------------------------------------------------------- report


def package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def report(
    results: dict[str, dict[str, Any]],
    ratios: dict[str, float],
    serial: dict[str, dict[str, Any]],
    meta: dict[str, Any],
    search_p99: float | None,
    workers: int,
) -> None:
    title = f"conversations service, 10k conversations / 1M messages, SQLite, {workers} worker(s)"
    table = Table(title=title)
    for column in ("case", "req/s", "min-max", "p50 ms", "p99 ms"):
        table.add_column(column, justify="left" if column == "case" else "right")
    for s in results.values():
        table.add_row(
            s["label"],
            f"{s['rps']:,.0f}",
            f"{s['rps_min']:,.0f}-{s['rps_max']:,.0f}",
            f"{s['p50_ms']:.2f}",
            f"{s['p99_ms']:.2f}",
        )
    console.print(table)
    if serial:
        lat = Table(title="unloaded latency (wrk -c1, one request at a time)")
        for column in ("case", "matching messages", "req/s", "p50 ms", "p99 ms"):
            lat.add_column(column, justify="left" if column == "case" else "right")
        for key, s in serial.items():
            word = key.split("_")[1] if key.startswith("search_") else ""
            matching = meta["messages_matching"].get(word)
            lat.add_row(
                s["label"],
                "" if matching is None else f"{matching:,}",
                f"{s['rps']:,.0f}",
                f"{s['p50_ms']:.2f}",
                f"{s['p99_ms']:.2f}",
            )
        console.print(lat)
    targets = Table(title="targets")
    for column in ("figure", "value", "target", ""):
        targets.add_column(column)
    goal = TARGETS["search_p99_ms"]
    if search_p99 is not None:
        targets.add_row(
            "search p99 ms (worst word, loaded)",
            f"{search_p99:.1f}",
            f"< {goal}",
            "[green]met" if search_p99 < goal else "[red]MISSED",
        )
    for op, value in ratios.items():
        goal = TARGETS["v1_v2_ratio"]
        targets.add_row(
            f"v1/v2 req/s {op}",
            f"{value:.3f}",
            f">= {goal}",
            "[green]met" if value >= goal else "[red]MISSED",
        )
    console.print(targets)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk seconds per case per round")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per case")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured wrk seconds per case")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--reseed", action="store_true", help="rebuild the cached dataset")
    parser.add_argument("--seed-only", action="store_true", help="seed, then stop")
    parser.add_argument("--no-serial", action="store_true", help="skip the wrk -c1 latency pass")
    parser.add_argument("--data-dir", type=Path, default=DATA)
    parser.add_argument("--workers", type=int, default=1, help="segue serve --workers")
    parser.add_argument(
        "--cases",
        default="",
        help="comma-separated cases or name prefixes to run (default: all), e.g. search",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help=f"results file (default: {RESULTS}, full runs)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    args.cases = [c for c in args.cases.split(",") if c]
    if args.out is None and not args.cases:
        args.out = RESULTS
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.rounds < 1 or args.seconds <= 0 or args.conversations < 2:
        parser.error("--rounds, --seconds must be positive, --conversations >= 2")
    if args.messages < args.conversations * 10:
        parser.error("--messages must be at least 10 per conversation")
    return args


def on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        console.print("[red]wrk is not installed.[/] Install it with:  apt-get install -y wrk")
        return 2
    signal.signal(signal.SIGTERM, on_sigterm)
    started = time.monotonic()
    try:
        path, meta = dataset(args)
    except BenchError as exc:
        console.print(f"[red]seeding failed:[/] {exc}")
        return 1
    if args.seed_only:
        return 0
    get_ids, append_ids = pick_conversations(path)
    cases = build_cases(get_ids, append_ids)
    if args.cases:
        cases = selected(cases, args.cases)
        if not cases:
            names = ", ".join(build_cases(get_ids, append_ids))
            console.print(f"[red]no case matches {args.cases}[/]; choose from {names}")
            return 2
    server = Server("conversations", db=path, workers=args.workers)
    scripts: dict[str, Path] = {}
    serial: dict[str, Case] = {}
    try:
        for key, case in cases.items():
            scripts[key] = Path(tempfile.mkstemp(suffix=f"-{key}.lua")[1])
            scripts[key].write_text(wrk_script(case, meta["api_key"]))
        start(server)
        with httpx.Client(trust_env=False, timeout=30.0) as client:
            wait_ready(server, client, "/_segue/versions")
            verify(client, server, cases, meta["api_key"])
        console.print(
            f"server on {server.base} ({args.workers} worker(s)); "
            f"{len(cases)} cases x {args.rounds} rounds x "
            f"{args.seconds}s, wrk -t1 -c{args.connections}"
        )
        if args.warmup > 0:
            for key, case in cases.items():
                run_wrk(server, case, scripts[key], args.warmup, args.connections)
        for number, order in schedule(cases, args.rounds):
            for key in order:
                result = run_wrk(server, cases[key], scripts[key], args.seconds, args.connections)
                cases[key].rounds.append(result)
            line = "  ".join(f"{k}={cases[k].rounds[-1]['rps']:,.0f}" for k in order)
            console.print(f"round {number}/{args.rounds}: {line}")
        if not args.no_serial:
            for key in [k for k in cases if k.startswith(("search_", "get_v2", "list_v2"))]:
                if key.endswith("_v1"):
                    continue
                c = cases[key]
                serial[key] = Case(key, c.label, c.method, c.paths, c.body)
                serial[key].rounds.append(run_wrk(server, c, scripts[key], args.seconds, 1))
        with httpx.Client(trust_env=False, timeout=30.0) as client:
            verify(
                client,
                server,
                {k: c for k, c in cases.items() if c.method == "GET"},
                meta["api_key"],
            )
    except BenchError as exc:
        console.print(f"[red]benchmark aborted:[/] {exc}")
        if server.proc is not None and server.proc.poll() is not None:
            console.print(f"server log:\n{process_log(server)}")
        return 1
    except KeyboardInterrupt:
        console.print("[yellow]interrupted; stopping the server[/]")
        return 130
    finally:
        stop(server)
        for script in scripts.values():
            script.unlink(missing_ok=True)
        removed = restore(path, meta)
        console.print(f"dataset restored ({removed:,} appended messages removed)")

    results = {key: case.summary() for key, case in cases.items()}
    ratios: dict[str, float] = {}
    per_round: dict[str, list[float]] = {}
    for op, (v2, v1) in pairs(cases).items():
        ratios[op] = round(results[v1]["rps"] / results[v2]["rps"], 3)
        per_round[op] = [
            round(a["rps"] / b["rps"], 3)
            for a, b in zip(cases[v1].rounds, cases[v2].rounds, strict=True)
        ]
    search_v2 = {w: results[f"search_{w}_v2"] for w in SEARCH_WORDS if f"search_{w}_v2" in results}
    search_p99 = max((s["p99_ms"] for s in search_v2.values()), default=None)
    serial_results = {k: c.summary() for k, c in serial.items()}
    report(results, ratios, serial_results, meta, search_p99, args.workers)
    met_search = None if search_p99 is None else search_p99 < TARGETS["search_p99_ms"]
    out = {
        "search_p99_ms": search_p99,
        "v1_v2_ratio": ratios,
        "targets": TARGETS,
        "met": {
            "search_p99_ms": met_search,
            "v1_v2_ratio": {op: r >= TARGETS["v1_v2_ratio"] for op, r in ratios.items()},
        },
        "append_rps": results.get("append_v2", {}).get("rps"),
        "get_with_messages_ms": {
            "p50": results.get("get_v2", {}).get("p50_ms"),
            "p99": results.get("get_v2", {}).get("p99_ms"),
        },
        "list_p50_ms": results.get("list_v2", {}).get("p50_ms"),
        "search_ms": {
            w: {
                "p50": s["p50_ms"],
                "p99": s["p99_ms"],
                "messages_matching": meta["messages_matching"][w],
            }
            for w, s in search_v2.items()
        },
        "v1_v2_ratio_per_round": per_round,
        "cases": results,
        "serial_latency": serial_results,
        "notes": {
            "summary": (
                "req/s and latencies are medians over rounds; v1/v2 ratios are of median req/s; "
                "search_p99_ms is the worst v2 search word's p99 under the wrk load below"
            ),
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "speed_gauge_s": speed_gauge_s(),
            "sqlite": sqlite3.sqlite_version,
            "wrk": f"wrk -t1 -c{args.connections} -d{args.seconds}s --latency (Lua script)",
            "serial_wrk": f"wrk -t1 -c1 -d{args.seconds}s --latency",
            "rounds": args.rounds,
            "warmup_s": args.warmup,
            "interleaving": "per round each v2/v1 pair back to back, pair order flipped per round",
            "server": (
                f"segue serve conversations --workers {args.workers} "
                "(uvicorn, no access log; several workers share the listening socket)"
            ),
            "cases": args.cases or "all",
            "dataset": {
                k: meta[k]
                for k in ("conversations", "messages", "messages_matching", "seed", "db_bytes")
            },
            "dataset_shape": (
                "one project; messages per conversation 10..190 (mean 100); user 4-22 words, "
                "assistant 12-60 words, Zipf-weighted vocabulary; markers inserted at the "
                f"rates {MARKERS}; 'please' is an ordinary frequent vocabulary word"
            ),
            "append": (
                "2 messages per POST, round-robin over 2,000 conversations (not the GET ones); "
                "appended rows are deleted after the run"
            ),
            "versions": {
                name: package_version(name)
                for name in (
                    "fastapi",
                    "starlette",
                    "pydantic",
                    "uvicorn",
                    "sqlalchemy",
                    "aiosqlite",
                    "orjson",
                )
            },
            "elapsed_s": round(time.monotonic() - started, 1),
        },
    }
    if args.out is None:
        console.print("partial run (--cases) without --out: results file not written")
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, indent=2) + "\n")
        console.print(f"wrote {args.out}")
    missed = met_search is False or not all(out["met"]["v1_v2_ratio"].values())
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
