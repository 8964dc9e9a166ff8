"""The generated migration guide carries what seed 001's hand-written guide says."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import re
from pathlib import Path

import pytest

from segue.guide import Guide
from segue.tooling import ServiceOptions
from segue.tooling._harness import guide_for
from segue_apps.conversations.service import SERVICE, bootstrap, create_service_app

# Every v1 route of seed 001 and its v2 counterpart, as the seed spells them.
SEED_ROUTES = [
    ("POST /v1/conversations", "POST /api/v2/conversations"),
    ("GET /v1/conversations", "GET /api/v2/conversations"),
    ("GET /v1/conversations/:id", "GET /api/v2/conversations/:id"),
    ("PUT /v1/conversations/:id", "PATCH /api/v2/conversations/:id"),
    ("DELETE /v1/conversations/:id", "DELETE /api/v2/conversations/:id"),
    ("GET /v1/conversations/search", "GET /api/v2/conversations/search"),
    ("POST /v1/conversations/:id/messages", "POST /api/v2/conversations/:id/messages"),
    ("GET /v1/conversations/:id/messages", "GET /api/v2/conversations/:id/messages"),
    ("POST /v1/projects", "POST /api/v2/projects"),
    ("GET /v1/projects", "GET /api/v2/projects"),
    ("GET /v1/projects/:id", "GET /api/v2/projects/:id"),
    ("PATCH /v1/projects/:id", "PATCH /api/v2/projects/:id"),
    ("DELETE /v1/projects/:id", "DELETE /api/v2/projects/:id"),
    ("GET /v1/analytics/summary", "GET /api/v2/analytics/summary"),
    ("GET /v1/analytics/timeseries", "GET /api/v2/analytics/timeseries"),
    ("GET /v1/analytics/tags", "GET /api/v2/analytics/tags"),
    ("POST /api/projects/:id/keys", "POST /api/v2/keys"),
    ("GET /api/projects/:id/keys", "GET /api/v2/keys"),
    ("DELETE /api/projects/:id/keys/:keyId", "DELETE /api/v2/keys/:id"),
]

# (route in v1, field in v1, field in v2) for every field change the seed lists; "—": none.
SEED_FIELDS = [
    ("POST /conversations", "id", "conversation_id"),
    ("GET /conversations", "data[].id", "data[].conversation_id"),
    ("GET /conversations", "—", "pagination.total"),
    ("GET /conversations/:id", "id", "conversation_id"),
    ("PUT /conversations/:id", "id", "conversation_id"),
    ("GET /conversations/search", "data[].id", "data[].conversation_id"),
    ("POST /projects", "project.id", "project.project_id"),
    ("POST /projects", "api_key.id", "api_key.key_id"),
    ("POST /projects", "—", "project.updated_at"),
    ("GET /projects", "data[].id", "data[].project_id"),
    ("GET /projects/:id", "id", "project_id"),
    ("GET /projects/:id", "api_keys[].id", "api_keys[].key_id"),
    ("PATCH /projects/:id", "—", "updated_at"),
    ("POST /projects/:id/keys", "id", "key_id"),
    ("POST /projects/:id/keys", "—", "project_id"),
    ("GET /projects/:id/keys", "data[].id", "data[].key_id"),
    ("GET /projects/:id/keys", "—", "data[].project_id"),
    ("GET /analytics/summary", "—", "project_id"),
    ("GET /analytics/timeseries", "—", "project_id"),
    ("GET /analytics/tags", "—", "project_id"),
]

SEED_HEADERS = [
    "Deprecation: true",
    # The seed prints "Fri, 31 Dec 2026": 31 December 2026 is a Thursday, and the header is
    # derived from the date, so only the date and time are compared.
    "31 Dec 2026 23:59:59 GMT",
    'Link: <https://docs.agentstate.app/api/v2/migration>; rel="deprecation"',
]


# The guide's service runs at this fixed instant (the conftest's START_MS): v1 deprecated,
# not yet sunset, whatever the real date.
AT_MS = 1_780_272_000_000  # 2026-06-01T00:00:00Z


@pytest.fixture(scope="module")
def guide(tmp_path_factory: pytest.TempPathFactory) -> Guide:
    """The guide with its examples, made once (the examples really call the service)."""
    folder = tmp_path_factory.mktemp("guide")
    options = ServiceOptions(db_url=f"sqlite+aiosqlite:///{folder}/unused.db")
    at_fixed_time = dataclasses.replace(
        SERVICE,
        create_app=functools.partial(create_service_app, clock=lambda: AT_MS),
        bootstrap=functools.partial(bootstrap, clock=lambda: AT_MS),
    )
    return asyncio.run(guide_for(at_fixed_time, options))


@pytest.fixture(scope="module")
def markdown(guide: Guide) -> str:
    return guide.markdown()


def shape(route: str) -> str:
    """``GET /x/:id`` and ``GET /x/{conversation_id}`` both become ``GET /x/{}``."""
    return re.sub(r"\{[^}]+\}|:[A-Za-z_]+", "{}", route.strip().strip("`"))


def table(markdown: str, heading: str) -> list[list[list[str]]]:
    """The rows of the table under ``heading``: each cell as its lines."""
    section = markdown.split(f"### {heading}\n", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]
    return [[cell.split("<br>") for cell in row.strip("| ").split(" | ")] for row in rows]


@pytest.mark.parametrize(("old", "new"), SEED_ROUTES)
def test_every_seed_route_is_mapped_to_its_v2_route(markdown: str, old: str, new: str) -> None:
    """Each v1 route of the seed has a row naming it (any v1 prefix) and its v2 route."""
    rows = table(markdown, "Route mapping")
    hits = [r for r in rows if shape(old) in {shape(line) for line in r[0]}]
    assert hits, f"{old} is not in the route table"
    assert [shape(line) for line in hits[0][1]] == [shape(new)]


@pytest.mark.parametrize(("route", "old", "new"), SEED_FIELDS)
def test_every_seed_field_change_is_listed(markdown: str, route: str, old: str, new: str) -> None:
    """Each field change of the seed has a row with its route and both spellings."""
    rows = table(markdown, "Field changes")
    found = [
        (r[2][0].strip("`"), r[3][0].strip("`")) for r in rows if shape(r[0][0]) == shape(route)
    ]
    assert (old, new) in found, f"{route}: {old} → {new} missing; found {found}"


def test_search_pagination_moves_into_a_pagination_object(markdown: str) -> None:
    """v1 search's top-level ``next_cursor`` is v2's ``pagination.next_cursor``."""
    rows = table(markdown, "Field changes")
    search = [r for r in rows if shape(r[0][0]) == "GET /conversations/search"]
    assert any("`next_cursor` at `pagination.next_cursor`" in r[3] for r in search)


def test_create_and_get_say_v2_leaves_messages_out(markdown: str) -> None:
    """Create answers without messages in v2; get needs ``?include=messages``."""
    rows = table(markdown, "Route mapping")
    create = next(r for r in rows if "`POST /v1/conversations`" in r[0])
    assert any("include=messages" in note for note in create[2])
    behaviour = markdown.split("### Behaviour that changes", 1)[1].split("\n### ", 1)[0]
    assert "`fields=!messages` → no `include`" in behaviour
    assert "send `?include=messages` to keep v1's answer" in behaviour


def test_lifecycle_names_the_three_headers_and_the_410(markdown: str) -> None:
    """The lifecycle section quotes the headers v1 sends and its answer after sunset."""
    lifecycle = markdown.split("### Lifecycle of v1", 1)[1].split("\n### ", 1)[0]
    for header in SEED_HEADERS:
        assert header in lifecycle
    assert "HTTP 410 Gone" in lifecycle
    assert '"code": "GONE"' in lifecycle


def test_examples_show_real_answers_of_both_versions(markdown: str) -> None:
    """The create example answers v1 with ``id`` and messages, v2 with ``conversation_id``."""
    create = markdown.split("#### Create a conversation", 1)[1].split("\n#### ", 1)[0]
    v1, v2 = create.split("**v2**", 1)
    assert "POST /v1/conversations" in v1
    assert re.search(r'"id": "[A-Za-z0-9_-]{21}"', v1)
    assert '"messages": [' in v1.split("HTTP 201 Created", 1)[1]
    assert "POST /api/v2/conversations" in v2
    assert re.search(r'"conversation_id": "[A-Za-z0-9_-]{21}"', v2)
    assert '"messages"' not in v2.split("HTTP 201 Created", 1)[1]


def test_every_example_call_succeeds(guide: Guide, markdown: str) -> None:
    """No scenario call answers an error: the examples follow the seed's happy paths."""
    statuses = re.findall(r"^HTTP (\d{3})", markdown, flags=re.MULTILINE)
    errors = [s for s in statuses if int(s) >= 400]
    assert errors == ["410"]  # only the sunset sample in the lifecycle section


def test_html_carries_the_same_tables(guide: Guide, tmp_path: Path) -> None:
    """The HTML page has the route table with the moved update route."""
    page = guide.html()
    assert page.startswith("<!doctype html>")
    assert "<code>PATCH /api/v2/conversations/{conversation_id}</code>" in page
    assert "<code>PUT /v1/conversations/{id}</code>" in page
