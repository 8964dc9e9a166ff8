"""The migration guide segue writes from the demo API's declarations."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from segue import Brownout, Lifecycle, Segue, find_api
from segue.changes import BodyChange, FieldRow, RouteRow, Step
from segue.guide import Guide
from segue.tooling import ServiceOptions
from segue.tooling._harness import with_guide_examples
from segue.tooling.cli import app as cli
from segue_apps.demo import build
from segue_apps.demo.app import create_app
from segue_apps.demo.service import SERVICE
from segue_apps.demo.versions import versions


def section(markdown: str, heading: str) -> str:
    return markdown.split(f"### {heading}\n", 1)[1].split("\n### ", 1)[0]


def test_route_table_gives_full_paths_of_both_versions() -> None:
    """A moved route lists every v1 prefix and the v2 method and path."""
    routes = section(Guide(build().api).markdown(), "Route mapping")
    assert (
        "| `PUT /v1/widgets/{id}`<br>`PUT /api/v1/widgets/{id}` | "
        "`PATCH /api/v2/widgets/{widget_id}` | method `PUT` → `PATCH`<br>"
        "path parameter `{id}` → `{widget_id}` |"
    ) in routes


def test_route_table_names_removed_absent_and_adapter_routes() -> None:
    """Removed routes name their replacement, absent ones say 404, adapters their summary."""
    routes = section(Guide(build().api).markdown(), "Route mapping")
    assert "naming `GET /api/v2/widgets/{widget_id}`" in routes
    assert "| — (`404` in v1) | `GET /api/v2/stats` | new in v2 |" in routes
    assert "served by an adapter: Copy a widget under a new id" in routes


def test_field_table_lists_renames_enums_removals_and_envelopes() -> None:
    """Every body change kind has its row."""
    fields = section(Guide(build().api).markdown(), "Field changes")
    assert "| `GET /widgets` | response | `data[].id` | `data[].widget_id` | renamed |" in fields
    assert "values: `full` → `high`, `maybe` → `medium`, `none` → `low`" in fields
    assert "| `legacy_code` | — | removed in v2; v1 still answers with it |" in fields
    assert "v1 requests without it get `grey`" in fields
    assert "| every route | errors |" in fields


def test_bodiless_requests_are_not_said_to_change() -> None:
    """A change declared on both sides shows only the response side on a GET."""
    fields = section(Guide(build().api).markdown(), "Field changes")
    assert "| `GET /widgets/{widget_id}` | response | `id` | `widget_id` | renamed |" in fields


def test_lifecycle_quotes_headers_and_the_410_in_the_old_envelope() -> None:
    """RFC 9745 ``Deprecation``, ``Sunset``, ``Link``; the 410 body is v1's error shape."""
    lifecycle = section(Guide(build().api).markdown(), "Lifecycle of v1")
    assert "Deprecation: @1767225600\nSunset: Wed, 31 Dec 2031 23:59:59 GMT\n" in lifecycle
    assert 'Link: <https://example.test/migrate>; rel="deprecation"' in lifecycle
    assert '"code": "GONE"' in lifecycle
    assert '"details"' not in lifecycle
    assert "No brownouts are planned." in lifecycle


def test_lifecycle_lists_brownouts() -> None:
    """Each planned brownout window is listed."""
    window = Brownout(datetime(2026, 11, 3, 14, tzinfo=UTC), datetime(2026, 11, 3, 15, tzinfo=UTC))
    lifecycle = Lifecycle(
        deprecated_at=datetime(2026, 1, 1, tzinfo=UTC),
        sunset_at=datetime(2026, 12, 31, tzinfo=UTC),
        brownouts=[window],
    )
    text = section(Guide(build(lifecycle).api).markdown(), "Lifecycle of v1")
    assert "- November 3, 2026, 14:00:00 UTC → November 3, 2026, 15:00:00 UTC" in text


def test_behaviour_explains_the_query_default() -> None:
    """A QueryMapped default tells v2 clients what to send to keep v1's answer."""
    behaviour = section(Guide(build().api).markdown(), "Behaviour that changes")
    assert "send `?include=parts` to keep v1's answer" in behaviour
    assert "the method changes from `PUT` to `PATCH`" in behaviour


class Shouted(BodyChange):
    """A change kind only this test knows: the newer version writes ``name`` in capitals."""

    kind = "shouted"

    def down(self, body: Any) -> Any:
        if isinstance(body, dict) and isinstance(body.get("name"), str):
            body["name"] = body["name"].lower()
        return body

    def describe(self) -> str:
        return "`name` is in capitals in the next version"

    def field_rows(self, step: Step) -> list[FieldRow]:
        return [FieldRow("`name` (lower case)", "`name` (capitals)", f"shouted in {step.newer}")]

    def route_rows(self, step: Step) -> list[RouteRow]:
        return [RouteRow("—", f"`GET {step.newer_prefix}/shouts`", "shouting only")]

    def behaviour(self, step: Step, where: str) -> str | None:
        return f"{where}: {step.old} answers `name` in lower case."


def _demo_with(*extra: BodyChange) -> str:
    """The demo's guide with ``extra`` declared after v1's own changes."""
    v2, v1 = versions()
    v1 = dataclasses.replace(v1, changes=[*v1.changes, *extra])
    return Guide(Segue(create_app(), [v2, v1]).api).markdown()


def test_a_new_change_kind_describes_itself_in_every_table() -> None:
    """A kind the guide has never heard of fills the route, field and behaviour sections
    through its own methods."""
    markdown = _demo_with(Shouted())
    assert "| — | `GET /api/v2/shouts` | shouting only |" in section(markdown, "Route mapping")
    assert (
        "| every route | response | `name` (lower case) | `name` (capitals) | shouted in v2 |"
    ) in section(markdown, "Field changes")
    behaviour = section(markdown, "Behaviour that changes")
    assert "- Every route: v1 answers `name` in lower case." in behaviour


def test_a_body_change_kind_without_guide_methods_shows_its_description() -> None:
    """By default a body change has one field row saying ``describe()`` and no behaviour."""

    class Quiet(BodyChange):
        def describe(self) -> str:
            return "something quiet changes"

    markdown = _demo_with(Quiet())
    fields = section(markdown, "Field changes")
    assert "| every route | response |  |  | something quiet changes |" in fields
    assert "quiet" not in section(markdown, "Behaviour that changes")


def test_html_escapes_and_keeps_tables() -> None:
    """The HTML page renders the same blocks, escaped."""
    page = Guide(build().api).html()
    assert "<table>" in page
    assert "<code>PATCH /api/v2/widgets/{widget_id}</code>" in page
    assert "&lt;https://example.test/migrate&gt;" in page


def test_find_api_follows_app_chains() -> None:
    """The compiled API of a Segue inside wrapping middleware is found through ``.app``."""
    api = build()

    class Wrapper:
        def __init__(self, app: object) -> None:
            self.app = app

    assert find_api(Wrapper(Wrapper(api))) is api.api
    assert find_api(object()) is None


async def test_running_api_serves_the_guide_as_html_and_markdown(
    make_client: Callable[..., httpx.AsyncClient],
) -> None:
    """``/_segue/guide`` is HTML and ``/_segue/guide.md`` Markdown."""
    async with make_client() as client:
        page = await client.get("/_segue/guide")
        text = await client.get("/_segue/guide.md")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h2" in page.text
    assert text.headers["content-type"] == "text/markdown; charset=utf-8"
    assert text.text.startswith("# Widgets: migration guide")


async def test_running_api_guide_shows_examples_when_attached(cli_clock: Any) -> None:
    """With the service's scenarios attached, the served guide carries real calls."""
    api = build(clock=cli_clock)
    served = with_guide_examples(api, SERVICE, ServiceOptions(db_url="memory://"))
    transport = httpx.ASGITransport(app=served)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        text = (await client.get("/_segue/guide.md")).text
    create = text.split("#### Create a widget", 1)[1].split("\n#### ", 1)[0]
    assert '"id": "w1"' in create
    assert '"widget_id": "w1"' in create


@pytest.mark.usefixtures("cli_clock")
def test_cli_writes_markdown_and_html(tmp_path: object) -> None:
    """``segue guide demo`` prints Markdown; ``--format html --out`` writes a page."""
    runner = CliRunner()
    printed = runner.invoke(cli, ["guide", "demo"])
    assert printed.exit_code == 0, printed.output
    assert "#### Clone a widget" in printed.stdout
    assert "HTTP 410 Gone" in printed.stdout.split("#### A retired route", 1)[1]
    out = f"{tmp_path}/guide.html"
    written = runner.invoke(cli, ["guide", "demo", "--format", "html", "--out", out])
    assert written.exit_code == 0, written.output
    with open(out, encoding="utf-8") as file:
        assert file.read().startswith("<!doctype html>")
