"""`segue guide processes`: seed 004's routes side by side, with real calls of both versions."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest

from segue.guide import Guide
from segue.tooling import ServiceOptions
from segue.tooling._harness import guide_for
from segue_apps.processes.service import SERVICE

# Every v1 route of seed 004 and what v2 does instead.
SEED_ROUTES = [
    ("POST /v1/invoke/{share_id}", "v2 `POST /runs`"),
    ("GET /v1/run/{worker_id}", "v2 `GET /runs/{id}`"),
    ("POST /v1/upload", "v2 `POST /files`"),
]


@pytest.fixture(scope="module")
def guide(tmp_path_factory: pytest.TempPathFactory) -> Guide:
    """The guide with its examples, made once (the examples really call the service)."""
    folder = tmp_path_factory.mktemp("guide")
    options = ServiceOptions(db_url=f"sqlite+aiosqlite:///{folder}/unused.db")
    return asyncio.run(guide_for(SERVICE, options))


@pytest.fixture(scope="module")
def markdown(guide: Guide) -> str:
    return guide.markdown()


def _example(markdown: str, title: str) -> tuple[str, str]:
    """The v1 and v2 halves of one example."""
    section = markdown.split(f"#### {title}\n", 1)[1].split("\n#### ", 1)[0]
    v1, v2 = section.split("**v2**", 1)
    return v1, v2


def _bodies(text: str) -> list[dict[str, Any]]:
    """The JSON answer bodies in an example half."""
    answers = re.findall(r"^HTTP \d{3}[^\n]*\n(?:[^\n]+\n)*\n(\{.*?^\})", text, re.M | re.S)
    return [json.loads(answer) for answer in answers]


@pytest.mark.parametrize(("route", "v2"), SEED_ROUTES)
def test_every_v1_route_names_its_v2_route(markdown: str, route: str, v2: str) -> None:
    rows = [line for line in markdown.splitlines() if line.startswith(f"| `{route}` |")]
    assert len(rows) == 1, route
    assert v2 in rows[0]


def test_examples_send_the_key_in_x_api_key(markdown: str) -> None:
    assert "X-Api-Key: <API key>" in markdown
    assert "Authorization:" not in markdown


def test_a_run_started_in_both_versions_gives_the_same_outputs(markdown: str) -> None:
    started_v1, started_v2 = _example(markdown, "Start a run")
    assert "POST /v1/invoke/" in started_v1
    [worker] = _bodies(started_v1)
    assert set(worker) == {"worker_id"}
    assert "POST /v2/runs" in started_v2
    [run] = _bodies(started_v2)
    assert run["status"] == "Created"
    assert run["outputs"] == []
    polled_v1, polled_v2 = _example(markdown, "Poll a run")
    [state] = _bodies(polled_v1)
    [polled] = _bodies(polled_v2)
    assert state["state"] == "done", "the run had not finished by the time the guide polled"
    assert polled["status"] == "Succeeded"
    outputs = {o["name"]: o["value"] for o in polled["outputs"]}
    assert json.loads(str(state["answer"])) == outputs
    assert outputs == {"invoice_number": "INV-001", "amount": 42, "file_count": 0,
                       "file_bytes": 0}  # fmt: skip


def test_upload_shows_both_answers(markdown: str) -> None:
    v1, v2 = _example(markdown, "Upload a file")
    [made_v1] = _bodies(v1)
    [made_v2] = _bodies(v2)
    assert set(made_v1) == {"upload_url", "upload_http_method", "upload_http_headers",
                            "blob_uri"}  # fmt: skip
    assert str(made_v1["blob_uri"]).startswith("blob://files/")
    assert made_v2["upload_fields"] == {"key": made_v2["id"]}
    assert "attachments_key" in markdown.split("#### Upload a file", 1)[1]


def test_every_example_call_succeeds(markdown: str) -> None:
    statuses = re.findall(r"^HTTP (\d{3})", markdown, flags=re.MULTILINE)
    examples = markdown.split("### Examples", 1)[1]
    assert [s for s in re.findall(r"^HTTP (\d{3})", examples, re.M) if int(s) >= 400] == []
    assert statuses
